"""Cache-Control: no-store, private on everything personal (timetracker.middleware)."""

import pytest
from django.urls import reverse

from tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

PORTAL_PAGES = [
    "portal:dashboard",
    "portal:projects",
    "portal:invoices",
    "portal:time_entries",
]


def assert_private(response):
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, response.get("Cache-Control")
    assert "public" not in directives


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_portal_pages_are_not_stored(client, acme_user, name):
    client.force_login(acme_user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_private(response)


def test_invoice_detail_is_not_stored(client, acme_user, acme):
    invoice = InvoiceFactory(client=acme)
    client.force_login(acme_user)
    response = client.get(reverse("portal:invoice_detail", args=[invoice.pk]))
    assert response.status_code == 200
    assert_private(response)


def test_portal_login_redirect_is_not_stored(client):
    response = client.get(reverse("portal:invoices"))
    assert response.status_code == 302
    assert_private(response)


def test_portal_404_for_logged_in_user_is_not_stored(client, acme_user, globex):
    foreign = InvoiceFactory(client=globex)
    client.force_login(acme_user)
    response = client.get(reverse("portal:invoice_detail", args=[foreign.pk]))
    assert response.status_code == 404
    assert_private(response)


def test_portal_403_is_not_stored(client, staff_user):
    client.force_login(staff_user)  # staff without portal access: the 403 page
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 403
    assert_private(response)


def test_any_404_for_a_logged_in_user_is_not_stored(client, acme_user):
    client.force_login(acme_user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_private(response)


def test_login_redirect_after_password_is_not_stored(client, acme_user, password):
    response = client.post(reverse("login"), {"username": "acme_user", "password": password})
    assert response.status_code == 302
    assert_private(response)


def test_logged_in_pages_outside_the_portal_are_not_stored(client, acme_user):
    client.force_login(acme_user)
    assert_private(client.get(reverse("password_change")))


def test_admin_pages_stay_not_stored(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert_private(response)


def test_api_paths_are_not_stored_even_anonymous(client):
    # The API (/api/v1/) is served by its own app; whatever answers there is private.
    response = client.get("/api/v1/me/")
    assert_private(response)


def test_anonymous_pages_outside_the_portal_are_left_alone(client):
    response = client.get(reverse("password_reset"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_static_files_keep_their_caching(client, acme_user):
    client.force_login(acme_user)
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "private" not in response.get("Cache-Control", "")
