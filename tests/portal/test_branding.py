"""Branding in the portal (§10): the header, the dashboard's welcome text, the logo view.

Personas: Acme's user (branded), Globex's user (branded differently, or not at all),
anonymous, staff without portal access.
"""

import re

import pytest
from django.urls import reverse

from tests.branding_helpers import (
    image_bytes,
    make_branding,
)
from tests.portal.test_queries import BASELINE

pytestmark = pytest.mark.django_db

LOGO_URL = "/client-portal/branding/logo/"


@pytest.fixture
def acme_branding(acme, media):
    return make_branding(
        acme,
        logo=image_bytes(color=(10, 20, 30)),
        accent_color="#7b1fa2",
        portal_title="Acme <b>Portal</b>",
        welcome_text="Welcome!\n<script>alert(1)</script> Call us.",
    )


def body(response) -> str:
    return response.content.decode()


def test_logo_url_is_the_named_route():
    assert reverse("portal:branding_logo") == LOGO_URL


def test_logo_is_served_to_its_own_client(acme_client, acme_branding):
    response = acme_client.get(LOGO_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    with acme_branding.logo.open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()


def test_another_client_cannot_fetch_the_logo(portal, globex_user, acme_branding):
    # Globex has no branding: 404, and no path exists that names Acme's file.
    response = portal(globex_user).get(LOGO_URL)
    assert response.status_code == 404


def test_each_client_gets_its_own_logo(portal, globex, globex_user, acme_branding):
    globex_branding = make_branding(globex, logo=image_bytes(color=(250, 250, 0)))
    response = portal(globex_user).get(LOGO_URL)
    served = b"".join(response.streaming_content)
    with globex_branding.logo.open("rb") as handle:
        assert served == handle.read()
    with acme_branding.logo.open("rb") as handle:
        assert served != handle.read()


def test_logo_needs_login(client, acme_branding):
    response = client.get(LOGO_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logo_needs_portal_access(portal, staff_user, acme_branding):
    assert portal(staff_user).get(LOGO_URL).status_code == 403


def test_no_logo_is_404(acme_client, acme, media):
    make_branding(acme, portal_title="Only a title")
    assert acme_client.get(LOGO_URL).status_code == 404


def test_a_logo_missing_from_storage_is_404(acme_client, acme_branding):
    acme_branding.logo.storage.delete(acme_branding.logo.name)
    assert acme_client.get(LOGO_URL).status_code == 404


def test_logo_is_read_only(acme_client, acme_branding):
    assert acme_client.post(LOGO_URL).status_code == 405


def test_logo_costs_no_query_beyond_the_baseline(
    acme_client, acme_branding, django_assert_max_num_queries
):
    with django_assert_max_num_queries(BASELINE):
        response = acme_client.get(LOGO_URL)
    assert response.status_code == 200


def test_header_shows_the_clients_logo_title_and_accent(acme_client, acme_branding):
    response = acme_client.get(reverse("portal:projects"))
    html = body(response)
    assert f'<img class="brand__logo" src="{LOGO_URL}"' in html
    # Plain text: escaped, never markup.
    assert "Acme &lt;b&gt;Portal&lt;/b&gt;" in html and "<b>Portal" not in html
    style = re.search(r'<style nonce="([^"]+)">([^<]*)</style>', html)
    assert style, "the accent comes in a nonce'd <style> block"
    assert "--brand: #7b1fa2;" in style.group(2)
    assert f"'nonce-{style.group(1)}'" in response["Content-Security-Policy"]
    assert ' style="' not in html  # no inline style attributes (CSP)


def test_header_without_branding_is_the_default(portal, globex_user, acme_branding):
    html = body(portal(globex_user).get(reverse("portal:dashboard")))
    assert "Client Portal" in html and "brand__mark" in html
    assert "Acme" not in html and LOGO_URL not in html and "#7b1fa2" not in html
    assert "<style" not in html


def test_login_page_stays_neutral(client, acme_branding, acme_user):
    html = body(client.get(reverse("login")))
    assert "Acme" not in html and LOGO_URL not in html
    assert "#7b1fa2" not in html and "<style" not in html


def test_welcome_text_is_escaped_with_line_breaks(acme_client, acme_branding):
    html = body(acme_client.get(reverse("portal:dashboard")))
    assert '<div class="welcome-text"><p>Welcome!<br>&lt;script&gt;alert(1)&lt;/script&gt;' in html
    assert "<script>alert(1)" not in html


def test_welcome_text_only_on_the_dashboard(acme_client, acme_branding):
    assert "welcome-text" not in body(acme_client.get(reverse("portal:projects")))


def test_branded_dashboard_keeps_its_query_budget(
    acme_client, acme_branding, django_assert_max_num_queries
):
    # The branding comes in the user's query (accounts.backends): the dashboard's pinned
    # budget (tests/portal/test_queries.py) holds with it.
    with django_assert_max_num_queries(BASELINE + 5):
        response = acme_client.get(reverse("portal:dashboard"))
    assert response.context["branding"] == acme_branding
