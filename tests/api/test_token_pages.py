"""Token management pages: the portal's /client-portal/settings/api/ and the admin."""

import re

import pytest
from django.urls import reverse

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_hash
from tests.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db

URL = "/client-portal/settings/api/"


def test_the_url_name():
    assert reverse("portal:settings_api") == URL


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_users_without_portal_access_get_403(client, staff_user):
    client.force_login(staff_user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_client_user_creates_a_read_token_and_sees_the_secret_once(client, acme_user):
    client.force_login(acme_user)
    response = client.get(URL)
    assert response.status_code == 200
    assert b"js/copy_secret.js" in response.content
    assert b"<script>" not in response.content  # no inline script (CSP)

    response = client.post(
        URL, {"action": "create", "name": "My sheet", "expires_in": "30", "scope": "write"}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.user == acme_user and token.scope == "read" and token.expires_at
    secret = (
        re.search(rb'id="new-token-secret" value="([^"]+)"', response.content).group(1).decode()
    )
    assert api_token_hash(secret) == token.token_hash
    assert b"data-copy-target" in response.content
    # The list shows the prefix, never the secret again.
    again = client.get(URL)
    assert token.prefix.encode() in again.content
    assert secret.encode() not in again.content


def test_create_needs_a_name(client, acme_user):
    client.force_login(acme_user)
    response = client.post(URL, {"action": "create", "name": ""})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_client_user_revokes_only_their_own_tokens(client, acme_user, globex_user):
    mine, _ = api_token_create(user=acme_user, name="mine", scope="read")
    theirs, _ = api_token_create(user=globex_user, name="theirs", scope="read")
    client.force_login(acme_user)
    assert b"theirs" not in client.get(URL).content
    assert client.post(URL, {"action": "revoke", "token": theirs.pk}).status_code == 404
    for bad in ("abc", "99999999999999999999999", ""):
        assert client.post(URL, {"action": "revoke", "token": bad}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    response = client.post(URL, {"action": "revoke", "token": mine.pk})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.revoked_at is not None


def test_posts_need_csrf(acme_user):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(acme_user)
    assert browser.post(URL, {"action": "create", "name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_other_methods_are_405(client, acme_user):
    client.force_login(acme_user)
    assert client.put(URL).status_code == 405
    assert client.delete(URL).status_code == 405


ADMIN = "/admin/accounts/apitoken/"


def test_admin_creates_a_token_for_anyone_and_sees_the_secret_once(
    client, admin_user, subcontractor
):
    client.force_login(admin_user)
    response = client.post(
        f"{ADMIN}add/", {"user": subcontractor.pk, "name": "deploy", "scope": "write"}, follow=True
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.user == subcontractor and token.scope == "write"
    secret = re.search(rb'class="api-token-secret">([^<]+)<', response.content).group(1).decode()
    assert api_token_hash(secret) == token.token_hash
    assert secret.encode() not in client.get(f"{ADMIN}{token.pk}/change/").content


def test_admin_cannot_give_a_client_user_a_write_token(client, admin_user, acme_user):
    client.force_login(admin_user)
    response = client.post(f"{ADMIN}add/", {"user": acme_user.pk, "name": "x", "scope": "write"})
    assert response.status_code == 200  # the form again, with the error
    assert not ApiToken.objects.exists()


def test_staff_see_and_manage_only_their_own_tokens(client, subcontractor, staff_user):
    mine = ApiTokenFactory(user=subcontractor, name="sub-token")
    other = ApiTokenFactory(user=staff_user, name="staff-token")
    client.force_login(subcontractor)
    listing = client.get(ADMIN)
    assert listing.status_code == 200
    assert b"sub-token" in listing.content and b"staff-token" not in listing.content
    assert client.get(f"{ADMIN}{other.pk}/change/").status_code == 302  # "does not exist"
    # Creating: always for themselves, whatever "user" says.
    client.post(f"{ADMIN}add/", {"user": staff_user.pk, "name": "new", "scope": "read"})
    assert ApiToken.objects.get(name="new").user == subcontractor
    # Revoking through the action: other people's tokens are not in reach.
    client.post(ADMIN, {"action": "revoke_tokens", "_selected_action": [mine.pk, other.pk]})
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.revoked_at is not None and other.revoked_at is None
    assert client.post(f"{ADMIN}{mine.pk}/delete/", {"post": "yes"}).status_code == 403
