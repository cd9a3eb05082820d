"""JSON that says ``null`` for an empty body (``GET /api/v1/timer/`` with no running timer)."""

from rest_framework import renderers


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if data is None and response is not None and response.status_code != 204:
            return b"null"
        return super().render(data, accepted_media_type, renderer_context)
