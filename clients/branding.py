"""Per-client branding (PRODUCT.md §10): the rules a logo and an accent colour must pass.

Nothing here trusts what a client (or an admin's upload) says about itself:

* a logo's type is sniffed from its bytes by Pillow (never the file name or the browser's
  content type), its dimensions are read from the header before anything is decoded (so a
  decompression bomb is refused without being expanded), and it is then decoded and
  **re-encoded** as a fresh PNG: bytes appended after the image, metadata (EXIF, text
  chunks) and anything else hidden in the upload are not in the stored file;
* SVG (a document that can carry script) is refused with its own message;
* the accent colour is a ``#rrggbb`` hex and must reach 4.5:1 contrast against white
  (WCAG 2.x relative luminance), so white text on it and it on white stay readable.
"""

from __future__ import annotations

import io
import math
import re
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

MAX_LOGO_BYTES = 1024 * 1024  # 1 MB
MAX_LOGO_SIDE = 4000  # px, per side, as uploaded
# Stored logos are scaled down to fit this box: a header or an invoice never needs more,
# and every PDF embeds the file.
STORED_LOGO_SIDE = 800
MAX_TITLE_LENGTH = 80
MAX_WELCOME_LENGTH = 1000
LOGO_FORMATS = ("PNG", "JPEG", "WEBP")
LOGO_DIR = "branding"
LOGO_CONTENT_TYPE = "image/png"

# \Z, not $: "$" also matches before a final newline (Python, and SQLite's REGEXP, which
# Django implements with Python's re). PostgreSQL reads \Z the same way.
HEX_COLOR_PATTERN = r"^#[0-9a-fA-F]{6}\Z"
HEX_COLOR_RE = re.compile(HEX_COLOR_PATTERN)
MIN_CONTRAST = 4.5
WHITE = "#ffffff"
# The portal's own colour (static/css/app.css --brand) when a client sets none.
DEFAULT_ACCENT = "#1f5fbf"


def logo_upload_to(instance, filename: str) -> str:
    """A fresh random name for every stored logo, whatever the upload was called: no
    client's name, nothing another client could guess."""
    return f"{LOGO_DIR}/{uuid.uuid4().hex}.png"


# ---------------------------------------------------------------------------------- colour


def relative_luminance(color: str) -> float:
    """WCAG 2.x relative luminance of a ``#rrggbb`` colour (0 = black, 1 = white)."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(color[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def validate_accent_color(value: str) -> None:
    """A ``#rrggbb`` hex colour with at least 4.5:1 contrast against white."""
    if not HEX_COLOR_RE.match(value or ""):
        raise ValidationError(
            _("Enter a colour as # and six hex digits, for example #1f5fbf."),
            code="invalid_color",
        )
    ratio = contrast_ratio(value, WHITE)
    if ratio < MIN_CONTRAST:
        # Rounded down: 4.49 must not read as "4.5:1".
        shown = math.floor(ratio * 10) / 10
        raise ValidationError(
            _(
                "This colour is too light: contrast %(ratio).1f:1 against white; "
                "needs at least %(minimum).1f:1. Choose a darker colour."
            ),
            code="low_contrast",
            params={"ratio": shown, "minimum": MIN_CONTRAST},
        )


def mix(color: str, other: str, weight: float) -> str:
    """``color`` mixed with ``other`` (``weight`` of ``color``, 0–1), as ``#rrggbb``."""
    parts = []
    for i in (1, 3, 5):
        a, b = int(color[i : i + 2], 16), int(other[i : i + 2], 16)
        parts.append(round(a * weight + b * (1 - weight)))
    return "#" + "".join(f"{p:02x}" for p in parts)


# ------------------------------------------------------------------------------------ logo


def _looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in text[:1024]


def logo_reencode(upload) -> ContentFile:
    """Validate an uploaded logo and return it re-encoded as a clean PNG (a ``ContentFile``
    named with a random uuid). Raises ``ValidationError`` with a message for the form.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    size = getattr(upload, "size", None)
    if size is not None and size > MAX_LOGO_BYTES:
        raise ValidationError(_too_big(), code="too_big")
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_LOGO_BYTES + 1)
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationError(_too_big(), code="too_big")
    if _looks_like_svg(data[:2048]):
        raise ValidationError(
            _(
                "SVG images are not accepted (they can contain scripts). "
                "Upload a PNG, JPEG or WebP."
            ),
            code="svg",
        )
    invalid = ValidationError(
        _("This file is not a PNG, JPEG or WebP image (whatever its name says)."),
        code="invalid_image",
    )
    with warnings.catch_warnings():
        # Pillow warns (and past twice the limit raises) on decompression bombs: refuse both.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Opening reads only the header: the size is known before any pixel is decoded.
            with Image.open(io.BytesIO(data), formats=LOGO_FORMATS) as probe:
                # MPO: a JPEG with extra frames (many phone cameras), opened by the JPEG plugin.
                if probe.format not in (*LOGO_FORMATS, "MPO"):
                    raise invalid
                width, height = probe.size
                if width > MAX_LOGO_SIDE or height > MAX_LOGO_SIDE:
                    raise ValidationError(
                        _(
                            "The logo is %(width)d × %(height)d px; at most %(max)d px "
                            "per side are accepted."
                        ),
                        code="too_large",
                        params={"width": width, "height": height, "max": MAX_LOGO_SIDE},
                    )
                probe.verify()
            # verify() leaves the image unusable: open again to decode it.
            with Image.open(io.BytesIO(data), formats=LOGO_FORMATS) as image:
                image.seek(0)  # the first frame of an animated image
                image.load()
                image = ImageOps.exif_transpose(image)
                has_alpha = image.mode in ("RGBA", "LA", "PA") or (
                    image.mode == "P" and "transparency" in image.info
                )
                image = image.convert("RGBA" if has_alpha else "RGB")
                image.thumbnail((STORED_LOGO_SIDE, STORED_LOGO_SIDE))
                out = io.BytesIO()
                # A new PNG from the pixels alone: no EXIF, no text chunks, nothing appended.
                image.save(out, format="PNG", optimize=True)
        except ValidationError:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise ValidationError(
                _("The logo has far too many pixels; at most %(max)d px per side are accepted."),
                code="too_large",
                params={"max": MAX_LOGO_SIDE},
            ) from exc
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
            EOFError,
        ) as exc:
            raise invalid from exc
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.png")


def _too_big() -> str:
    return _("The logo file is larger than 1 MB. Upload a smaller image.")
