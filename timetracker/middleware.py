"""Responses with personal data stay out of shared and browser caches."""

from __future__ import annotations

from django.utils.cache import patch_cache_control

# Every response under these paths is private, whoever asks: the portal's login redirects and
# error pages, and the API, whose token-authenticated requests Django's auth does not see.
PRIVATE_PATH_PREFIXES = ("/client-portal/", "/api/")


class PrivateCacheMiddleware:
    """``Cache-Control: no-store, private`` on every response to a logged-in user and on
    everything under ``PRIVATE_PATH_PREFIXES``, so that after logout the browser's Back
    button shows no invoices and no proxy keeps a copy.

    Place after ``AuthenticationMiddleware``. Static files never get here: WhiteNoise,
    earlier in the chain, answers them with their long-lived caching headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(PRIVATE_PATH_PREFIXES) or _is_authenticated(request):
            patch_cache_control(response, no_store=True, private=True)
        return response


def _is_authenticated(request) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated
