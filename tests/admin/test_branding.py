"""Branding in the admin (§10): an inline on the client page, validated, scoped."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients.models import ClientBranding
from tests.branding_helpers import (
    SCRIPT,
    SVG,
    image_bytes,
    make_branding,
)

pytestmark = pytest.mark.django_db


def change_url(client):
    return reverse("admin:clients_client_change", args=[client.pk])


def client_form(client, **branding):
    """The client change form as posted, with one branding inline row."""
    data = {
        "name": client.name,
        "is_active": "on",
        "contact_person": client.contact_person,
        "email": client.email,
        "phone": client.phone,
        "address": client.address,
        "currency_code": client.currency_code,
        "default_hourly_rate": "",
        "projects-TOTAL_FORMS": "0",
        "projects-INITIAL_FORMS": "0",
        "projects-MIN_NUM_FORMS": "0",
        "projects-MAX_NUM_FORMS": "1000",
        "branding-TOTAL_FORMS": "1",
        "branding-INITIAL_FORMS": "0",
        "branding-MIN_NUM_FORMS": "0",
        "branding-MAX_NUM_FORMS": "1",
        "branding-0-client": str(client.pk),
        "branding-0-portal_title": "",
        "branding-0-welcome_text": "",
        "branding-0-accent_color": "",
    }
    data.update({f"branding-0-{k}": v for k, v in branding.items()})
    return data


def png_upload(data: bytes, name="logo.png"):
    return SimpleUploadedFile(name, data, content_type="image/png")


def test_admin_sets_branding_on_the_client_page(admin_client, acme, media):
    page = admin_client.get(change_url(acme))
    assert page.status_code == 200
    assert "Branding (portal, invoice PDF and emails)" in page.content.decode()
    response = admin_client.post(
        change_url(acme),
        client_form(
            acme,
            portal_title="Acme Portal",
            accent_color="#7B1FA2",
            welcome_text="Hello",
            logo=png_upload(image_bytes() + SCRIPT, name="acme-corp.png"),
        ),
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    branding = ClientBranding.objects.get(client=acme)
    assert (branding.portal_title, branding.accent_color) == ("Acme Portal", "#7b1fa2")
    assert re.fullmatch(r"branding/[0-9a-f]{32}\.png", branding.logo.name)
    with branding.logo.open("rb") as handle:
        assert SCRIPT not in handle.read()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"accent_color": "#ffcc00"}, "contrast 1.5:1 against white; needs at least 4.5:1"),
        ({"accent_color": "tomato"}, "Enter a colour as # and six hex digits"),
        ({"logo": png_upload(SVG)}, "SVG images are not accepted"),
        ({"logo": png_upload(image_bytes(size=(5000, 10)))}, "at most 4000 px per side"),
        ({"portal_title": "x" * 81}, "at most 80 characters"),
    ],
    ids=["low-contrast", "not-hex", "svg", "too-wide", "long-title"],
)
def test_invalid_branding_is_shown_on_the_field(admin_client, acme, media, fields, message):
    response = admin_client.post(change_url(acme), client_form(acme, **fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ClientBranding.objects.exists()


def test_the_stored_logo_is_previewed_inline_not_linked(admin_client, acme, media):
    branding = make_branding(acme, logo=image_bytes())
    html = admin_client.get(change_url(acme)).content.decode()
    assert 'src="data:image/png;base64,' in html
    assert branding.logo.name not in html  # no link to MEDIA_URL, where nothing is served


def test_staff_with_permission_edits_branding(client, staff_user, acme, media):
    staff_user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["change_client", "view_client", "add_clientbranding"]
        )
    )
    client.force_login(staff_user)
    response = client.post(change_url(acme), client_form(acme, portal_title="By staff"))
    assert response.status_code == 302
    assert ClientBranding.objects.get(client=acme).portal_title == "By staff"


def test_subcontractor_sees_no_branding_of_its_client_and_none_of_others(
    client, subcontractor, acme, globex, media
):
    make_branding(acme, portal_title="Acme Portal")
    make_branding(globex, portal_title="Globex Portal")
    client.force_login(subcontractor)
    page = client.get(change_url(acme))
    assert page.status_code == 200
    assert "Acme Portal" not in page.content.decode()  # no permission on branding
    assert client.get(change_url(globex)).status_code == 403


def test_subcontractor_cannot_post_branding(client, subcontractor, acme, media):
    client.force_login(subcontractor)
    client.post(change_url(acme), client_form(acme, portal_title="Hijacked"))
    assert not ClientBranding.objects.exists()


def test_deleting_the_branding_row_deletes_its_logo_file(
    admin_client, acme, media, django_capture_on_commit_callbacks
):
    branding = make_branding(acme, logo=image_bytes())
    name = branding.logo.name
    assert (media / name).is_file()
    data = client_form(acme, id=str(branding.pk), DELETE="on")
    data["branding-INITIAL_FORMS"] = "1"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(change_url(acme), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert not ClientBranding.objects.filter(client=acme).exists()
    assert not (media / name).exists()
