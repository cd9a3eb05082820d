from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .forms import AccountPasswordResetForm
from .invitations import InvitationCompleteView, InvitationConfirmView

urlpatterns = [
    # Ours first: same names as django.contrib.auth.urls, which serves everything else.
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    # The portal's language switcher: saves User.language and the language cookie.
    path("language/", views.language_set, name="language_set"),
    path("login/verify/", views.TwoFactorVerifyView.as_view(), name="two_factor_verify"),
    # Two-factor and sessions for staff; portal users have portal:settings_security.
    path("security/", views.SecuritySettingsView.as_view(), name="two_factor_setup"),
    path("password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    # Also reaches invitees who never set a password (accounts.forms.AccountPasswordResetForm).
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(form_class=AccountPasswordResetForm),
        name="password_reset",
    ),
    # Portal invitations (accounts/invitations.py): a one-time set-password link.
    path(
        "invitation/<uidb64>/<token>/",
        InvitationConfirmView.as_view(),
        name="invitation_confirm",
    ),
    path("invitation/done/", InvitationCompleteView.as_view(), name="invitation_complete"),
    path("", include("django.contrib.auth.urls")),
]
