"""``Authorization: Bearer <token>``: personal access tokens (``accounts.ApiToken``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.services import api_token_authenticate


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates a request that carries a personal access token.

    Unknown, revoked and expired tokens, and tokens of inactive users, are all the same 401:
    nothing tells an attacker which of these it was. ``request.auth`` is the ``ApiToken``.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: use “Bearer <token>”.")
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        token = api_token_authenticate(secret=secret)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
