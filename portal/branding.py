"""The client's own logo (§10), served only to that client's portal users.

There is no URL with a file name in it: ``/client-portal/branding/logo/`` answers with the
logo of the signed-in user's client, so no path can reach another client's file. The
stored file is the PNG that ``clients.branding.logo_reencode`` wrote; it goes out as
``image/png`` with ``nosniff``, never as whatever the upload claimed to be.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.views import View

from clients.branding import LOGO_CONTENT_TYPE
from clients.models import branding_of

from .mixins import ClientPortalRequiredMixin


class BrandingLogoView(ClientPortalRequiredMixin, View):
    """The client's logo; 404 when it has none (or the file is gone from storage)."""

    def get(self, request, *args, **kwargs):
        branding = branding_of(self.client)  # loaded with the user: no query
        if branding is None or not branding.logo:
            raise Http404
        try:
            handle = branding.logo.open("rb")
        except OSError as exc:  # missing from storage
            raise Http404 from exc
        response = FileResponse(handle, content_type=LOGO_CONTENT_TYPE)
        response["Content-Disposition"] = 'inline; filename="logo.png"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        return response
