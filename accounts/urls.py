from django.urls import include, path

from . import views
from .invitations import InvitationCompleteView, InvitationConfirmView

urlpatterns = [
    # Ours first: same names as django.contrib.auth.urls, which serves everything else.
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    # Portal invitations (accounts/invitations.py): a one-time set-password link.
    path(
        "invitation/<uidb64>/<token>/",
        InvitationConfirmView.as_view(),
        name="invitation_confirm",
    ),
    path("invitation/done/", InvitationCompleteView.as_view(), name="invitation_complete"),
    path("", include("django.contrib.auth.urls")),
]
