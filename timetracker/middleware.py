"""Response headers every page gets: no caching of personal data, the Content-Security-Policy."""

from __future__ import annotations

from csp.middleware import CSPMiddleware
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


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with a fresh nonce in ``script-src`` and ``style-src`` on
    every response, not only on pages that read ``request.csp_nonce`` first.

    Our pages carry no inline code; the nonce is the one sanctioned way to add some
    (``nonce="{{ CSP_NONCE }}"``), and it must work in every template, including ones
    rendered after the view (error pages, the lockout page), whatever reads it first.
    """

    def process_request(self, request):
        super().process_request(request)
        str(request.csp_nonce)  # evaluate now: the header then always carries the nonce
