"""The page a portal invitation links to: choose a password once, then log in (§4.1)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


class InvitationConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset-confirm flow with the portal's look.

    The token is Django's ``default_token_generator``: it expires after
    ``PASSWORD_RESET_TIMEOUT`` and is void as soon as the password changes, so the link
    works once.
    """

    template_name = "accounts/invitation_confirm.html"
    success_url = reverse_lazy("invitation_complete")
    title = _("Welcome to the Client Portal")

    def get_context_data(self, **kwargs):
        # An expired link says whom to ask when the reset email does not come either.
        kwargs.setdefault("support_email", settings.SUPPORT_EMAIL)
        return super().get_context_data(**kwargs)


class InvitationCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/invitation_complete.html"
    title = _("Your password is set")
