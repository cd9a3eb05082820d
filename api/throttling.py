"""Rate limits: per token (or per user on a session) and per IP for anonymous requests."""

from rest_framework.throttling import UserRateThrottle

from accounts.models import ApiToken


class TokenOrUserRateThrottle(UserRateThrottle):
    """``API_THROTTLE_USER`` requests per token, or per user when logged in by session."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # AnonRateThrottle handles these
        token = request.auth
        ident = f"token-{token.pk}" if isinstance(token, ApiToken) else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
