"""Response headers every page gets: no caching of personal data, the Content-Security-Policy,
the request id."""

from __future__ import annotations

import re
import uuid

from csp.middleware import CSPMiddleware
from django.utils.cache import patch_cache_control

from timetracker.logging import request_id_var

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


# A request id from the proxy or load balancer is kept if it looks like one (UUIDs, hex, the
# usual tracing ids); anything else is replaced, so logs never carry a client's junk.
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Gives every request an id: the incoming ``X-Request-ID`` if sane, else a new one.

    The id is ``request.request_id``, echoed as the response's ``X-Request-ID`` (gunicorn's
    access log reads it there) and put on every log line of the request
    (``timetracker.logging``). Place first in ``MIDDLEWARE``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response
