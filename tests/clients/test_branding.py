"""Client branding (§10): what a logo and an accent colour must pass, and how logos are stored."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from PIL import Image, PngImagePlugin

from clients.branding import (
    MAX_LOGO_BYTES,
    contrast_ratio,
    logo_reencode,
    validate_accent_color,
)
from clients.forms import ClientBrandingForm
from clients.models import ClientBranding, branding_of
from tests.branding_helpers import (
    SCRIPT,
    SVG,
    image_bytes,
    make_branding,
    noise_png,
    upload,
)

pytestmark = pytest.mark.django_db


def stored_bytes(branding) -> bytes:
    with branding.logo.open("rb") as handle:
        return handle.read()


def error_codes(excinfo) -> list[str]:
    return [e.code for e in excinfo.value.error_list]


# ------------------------------------------------------------------------ accent colour


def test_contrast_ratio_follows_wcag():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)
    # WCAG's own reference point: #767676 is the lightest grey with 4.5:1 on white.
    assert contrast_ratio("#767676", "#ffffff") >= 4.5 > contrast_ratio("#777777", "#ffffff")


@pytest.mark.parametrize("color", ["#1f5fbf", "#767676", "#000000", "#B3261E"])
def test_dark_enough_colours_are_accepted(color):
    validate_accent_color(color)


def test_low_contrast_colour_is_refused_with_the_ratio():
    with pytest.raises(ValidationError) as excinfo:
        validate_accent_color("#ffcc00")
    message = excinfo.value.messages[0]
    assert "contrast 1.5:1 against white; needs at least 4.5:1" in message
    assert error_codes(excinfo) == ["low_contrast"]


def test_a_ratio_just_below_the_minimum_never_reads_as_the_minimum():
    with pytest.raises(ValidationError) as excinfo:
        validate_accent_color("#777777")  # 4.48:1
    assert "contrast 4.4:1" in excinfo.value.messages[0]


@pytest.mark.parametrize(
    "value",
    ["red", "#fff", "#12345g", "1f5fbf", "#1f5fbf;", "#000000; background:url(x)", "#1f5fbf\n"],
)
def test_anything_but_a_six_digit_hex_is_refused(value):
    with pytest.raises(ValidationError) as excinfo:
        validate_accent_color(value)
    assert error_codes(excinfo) == ["invalid_color"]


@pytest.mark.parametrize("value", ["red;}", "#1f5fb\n", "1f5fbf"])
def test_the_database_refuses_a_colour_that_is_not_hex(acme, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientBranding.objects.create(client=acme, accent_color=value)


def test_the_database_accepts_a_hex_colour_or_none(acme, globex):
    ClientBranding.objects.create(client=acme, accent_color="#1F5fbf")
    ClientBranding.objects.create(client=globex, accent_color="")


def test_the_database_refuses_an_overlong_welcome_text(acme):
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientBranding.objects.create(client=acme, welcome_text="x" * 1001)


def test_the_form_normalises_the_colour_and_title(acme):
    form = ClientBrandingForm(
        data={"accent_color": " #1F5FBF ", "portal_title": "  Acme   Portal ", "welcome_text": ""},
        instance=ClientBranding(client=acme),
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["accent_color"] == "#1f5fbf"
    assert form.cleaned_data["portal_title"] == "Acme Portal"


def test_the_form_shows_the_contrast_error_on_the_field(acme):
    form = ClientBrandingForm(
        data={"accent_color": "#ffcc00"}, instance=ClientBranding(client=acme)
    )
    assert not form.is_valid()
    assert "needs at least 4.5:1" in form.errors["accent_color"][0]


def test_accent_shades_are_derived_from_the_accent(acme):
    branding = ClientBranding(client=acme, accent_color="#1F5FBF")
    assert branding.accent == "#1f5fbf"
    assert contrast_ratio(branding.accent_dark, "#ffffff") > contrast_ratio("#1f5fbf", "#ffffff")
    assert contrast_ratio(branding.accent_soft, "#ffffff") < 1.2
    assert ClientBranding(client=acme).accent == "#1f5fbf"  # the portal's own blue


# --------------------------------------------------------------------------------- logo


def test_a_png_with_a_script_appended_is_stored_re_encoded_without_it(acme, media):
    original = image_bytes("PNG")
    branding = make_branding(acme, logo=original + SCRIPT)
    stored = stored_bytes(branding)
    assert SCRIPT not in stored and b"<script" not in stored
    assert stored.startswith(b"\x89PNG\r\n\x1a\n")
    assert stored.endswith(b"IEND\xaeB`\x82")  # nothing after the image's end
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "PNG" and image.size == (64, 32)
        assert image.getpixel((0, 0)) == (200, 30, 30)


def test_metadata_is_dropped(acme, media):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-location 52.37N 4.89E")
    branding = make_branding(acme, logo=image_bytes("PNG", pnginfo=info))
    assert b"secret-location" not in stored_bytes(branding)
    exif = Image.Exif()
    exif[0x010E] = "camera-serial-123"  # ImageDescription
    jpeg = image_bytes("JPEG", exif=exif.tobytes())
    assert b"camera-serial" in jpeg
    stored = logo_reencode(upload(jpeg, name="photo.jpg")).read()
    assert b"camera-serial" not in stored


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_jpeg_and_webp_are_accepted_and_stored_as_png(acme, media, fmt):
    branding = make_branding(acme, logo=image_bytes(fmt))
    with Image.open(io.BytesIO(stored_bytes(branding))) as image:
        assert image.format == "PNG"


def test_an_svg_renamed_png_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        logo_reencode(upload(SVG, name="logo.png", content_type="image/png"))
    assert error_codes(excinfo) == ["svg"]
    assert "SVG images are not accepted" in excinfo.value.messages[0]


def test_an_svg_without_xml_declaration_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        logo_reencode(upload(b"\n  <svg xmlns='http://www.w3.org/2000/svg'></svg>"))
    assert error_codes(excinfo) == ["svg"]


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>alert(1)</script></html>",
        b"GIF89a" + b"\x00" * 20,
        image_bytes("GIF"),
        image_bytes("BMP"),
        image_bytes("PNG")[:60],  # truncated
        b"",
    ],
    ids=["html", "gif-header", "gif", "bmp", "truncated-png", "empty"],
)
def test_anything_but_png_jpeg_or_webp_is_refused_whatever_its_name(data):
    with pytest.raises(ValidationError) as excinfo:
        logo_reencode(upload(data, name="logo.png"))
    assert error_codes(excinfo) in (["invalid_image"], ["svg"])


def test_a_5_mb_image_is_refused():
    data = noise_png(5 * 1024 * 1024)
    assert len(data) > 5 * 1024 * 1024
    with pytest.raises(ValidationError) as excinfo:
        logo_reencode(upload(data))
    assert error_codes(excinfo) == ["too_big"]
    assert "larger than 1 MB" in excinfo.value.messages[0]


def test_the_size_limit_holds_even_when_the_upload_claims_less():
    class Lying(io.BytesIO):
        size = 10

    with pytest.raises(ValidationError) as excinfo:
        logo_reencode(Lying(noise_png(MAX_LOGO_BYTES + 10)))
    assert error_codes(excinfo) == ["too_big"]


def test_a_5000_px_image_is_refused():
    data = image_bytes("PNG", size=(5000, 10))
    assert len(data) < MAX_LOGO_BYTES
    with pytest.raises(ValidationError) as excinfo:
        logo_reencode(upload(data))
    assert error_codes(excinfo) == ["too_large"]
    assert "5000 × 10 px" in excinfo.value.messages[0]


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    # 12,000 × 12,000 px of one colour: a few kB on disk, 430 MB once decoded as RGB.
    # Pillow's bomb check fires on opening, before our per-side check could.
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, format="PNG")
    assert len(out.getvalue()) < MAX_LOGO_BYTES
    with pytest.raises(ValidationError) as excinfo:
        logo_reencode(upload(out.getvalue()))
    assert error_codes(excinfo) == ["too_large"]


def test_big_logos_are_scaled_down_when_stored(acme, media):
    branding = make_branding(acme, logo=image_bytes("PNG", size=(4000, 1000)))
    with Image.open(io.BytesIO(stored_bytes(branding))) as image:
        assert image.size == (800, 200)


def test_transparency_is_kept(acme, media):
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(out, format="PNG")
    branding = make_branding(acme, logo=out.getvalue())
    with Image.open(io.BytesIO(stored_bytes(branding))) as image:
        assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0


# ------------------------------------------------------------------------------ storage


def test_stored_names_are_random_and_never_the_clients_name(acme, globex, media):
    a = make_branding(acme, logo=image_bytes())
    b = make_branding(globex, logo=image_bytes())
    for branding in (a, b):
        assert re.fullmatch(r"branding/[0-9a-f]{32}\.png", branding.logo.name)
        assert "acme" not in branding.logo.name.lower()
        assert default_storage.exists(branding.logo.name)
        assert (media / branding.logo.name).is_file()
    assert a.logo.name != b.logo.name


def test_the_upload_name_is_never_used(acme, media):
    branding = ClientBranding(client=acme)
    form = ClientBrandingForm(
        data={"accent_color": "", "portal_title": "", "welcome_text": ""},
        files={"logo": upload(image_bytes(), name="../../acme-corp.png")},
        instance=branding,
    )
    assert form.is_valid(), form.errors
    saved = form.save()
    assert re.fullmatch(r"branding/[0-9a-f]{32}\.png", saved.logo.name)


def test_replacing_the_logo_deletes_the_old_file(acme, media, django_capture_on_commit_callbacks):
    branding = make_branding(acme, logo=image_bytes())
    old = branding.logo.name
    form = ClientBrandingForm(
        data={"accent_color": "", "portal_title": "", "welcome_text": ""},
        files={"logo": upload(image_bytes(color=(0, 0, 0)))},
        instance=branding,
    )
    assert form.is_valid(), form.errors
    with django_capture_on_commit_callbacks(execute=True):
        saved = form.save()
    assert saved.logo.name != old
    assert not default_storage.exists(old) and default_storage.exists(saved.logo.name)


def test_branding_of_is_none_without_a_row(acme):
    assert branding_of(acme) is None
