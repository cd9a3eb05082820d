"""Login, logout and the landing redirect; the rest of auth is Django's views with our templates."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe


def landing_url(user) -> str:
    """Where a user works: the portal for client users, the admin for staff."""
    if user.is_client_portal_user:
        return resolve_url("portal:dashboard")
    if user.is_staff:
        return resolve_url("admin:index")
    # Neither: the portal explains that the account has no access and whom to ask.
    return resolve_url("portal:dashboard")


@require_safe
def home(request):
    """Send each kind of user to where they work."""
    if not request.user.is_authenticated:
        return redirect_to_login("/")
    return redirect(landing_url(request.user))


class LoginView(auth_views.LoginView):
    """Django's login; without ``next`` it lands each user where they work."""

    def get_default_redirect_url(self):
        return landing_url(self.request.user)


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST only) that confirms it on the login page."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have been logged out."))
        return response
