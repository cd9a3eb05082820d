"""Images and fixtures for the branding tests (§10): real files, built with Pillow."""

from __future__ import annotations

import io
import os

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from clients.branding import logo_reencode
from clients.models import ClientBranding

SCRIPT = b"<script>alert('pwned')</script>"
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)


def image_bytes(fmt: str = "PNG", size=(64, 32), color=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt, **save)
    return out.getvalue()


def upload(data: bytes, name: str = "logo.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def noise_png(size: int) -> bytes:
    """A PNG of random pixels (does not compress): ``size`` bytes or a little more."""
    side = int((size / 3) ** 0.5) + 1
    return _encode(Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)))


def _encode(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def make_branding(client, *, logo: bytes | None = None, **fields) -> ClientBranding:
    """A client's branding saved like the admin form does (logo re-encoded)."""
    branding = ClientBranding(client=client, **fields)
    if logo is not None:
        branding.logo = logo_reencode(upload(logo))
    branding.full_clean()
    branding.save()
    return branding
