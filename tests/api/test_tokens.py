"""Personal access tokens: create, use, expire, revoke; read vs write; stored only as a hash."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_hash, api_token_revoke

pytestmark = pytest.mark.django_db


def bearer(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_create_returns_the_secret_once_and_stores_only_its_hash(staff_user):
    token, secret = api_token_create(user=staff_user, name="ci", scope="read")
    token.refresh_from_db()
    assert len(secret) >= 40
    assert token.prefix == secret[:8]
    assert token.token_hash == api_token_hash(secret)
    assert secret not in {getattr(token, f.attname) for f in ApiToken._meta.concrete_fields}


def test_client_users_only_get_read_tokens(acme_user):
    with pytest.raises(ValidationError):
        api_token_create(user=acme_user, name="x", scope="write")


def test_a_valid_token_authenticates_and_marks_last_use(staff_user, django_assert_num_queries):
    token, secret = api_token_create(user=staff_user, name="ci", scope="read")
    client = bearer(secret)
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == staff_user.username
    assert response.json()["token"]["prefix"] == token.prefix
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    # Within a minute: the token lookup only, no write.
    with django_assert_num_queries(1):
        assert client.get("/api/v1/me/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first_use


def test_last_use_is_written_again_after_a_minute(staff_user):
    token, secret = api_token_create(user=staff_user, name="ci", scope="read")
    old = timezone.now() - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=old)
    bearer(secret).get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at > old


@pytest.mark.parametrize(
    "header", ["Bearer nope-not-a-token", "Bearer ", "Bearer a b", "Bearer \u00e9\u00e9"]
)
def test_unknown_or_malformed_tokens_are_401_json(header, staff_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.encode("utf-8").decode("latin-1"))
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert "detail" in response.json()
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_revoked_tokens_are_401(staff_user):
    token, secret = api_token_create(user=staff_user, name="ci", scope="read")
    assert bearer(secret).get("/api/v1/me/").status_code == 200
    api_token_revoke(token=token)
    assert bearer(secret).get("/api/v1/me/").status_code == 401


def test_expired_tokens_are_401(staff_user):
    past = timezone.now() - dt.timedelta(seconds=1)
    _, secret = api_token_create(user=staff_user, name="ci", scope="read", expires_at=past)
    assert bearer(secret).get("/api/v1/me/").status_code == 401
    future = timezone.now() + dt.timedelta(days=1)
    _, secret = api_token_create(user=staff_user, name="ci", scope="read", expires_at=future)
    assert bearer(secret).get("/api/v1/me/").status_code == 200


def test_inactive_users_tokens_are_401(staff_user):
    _, secret = api_token_create(user=staff_user, name="ci", scope="write")
    staff_user.is_active = False
    staff_user.save()
    assert bearer(secret).get("/api/v1/me/").status_code == 401


def test_users_without_any_access_are_403(db):
    from tests.factories import UserFactory

    nobody = UserFactory()
    _, secret = api_token_create(user=nobody, name="ci", scope="read")
    assert bearer(secret).get("/api/v1/clients/").status_code == 403


def test_client_user_of_an_inactive_client_is_403(acme_user):
    _, secret = api_token_create(user=acme_user, name="ci", scope="read")
    acme_user.client.is_active = False
    acme_user.client.save()
    assert bearer(secret).get("/api/v1/clients/").status_code == 403


def test_a_read_token_cannot_write(subcontractor, acme):
    from tests.factories import ProjectFactory
    from tracking.models import TimeEntry

    project = ProjectFactory(client=acme)
    _, secret = api_token_create(user=subcontractor, name="ci", scope="read")
    client = bearer(secret)
    body = {
        "project": project.pk,
        "start_time": "2026-01-05T09:00:00Z",
        "end_time": "2026-01-05T10:00:00Z",
    }
    response = client.post("/api/v1/time-entries/", body, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert (
        client.post("/api/v1/timer/start/", {"project": project.pk}, format="json").status_code
        == 403
    )
    assert not TimeEntry.objects.exists()
    _, write_secret = api_token_create(user=subcontractor, name="ci", scope="write")
    assert (
        bearer(write_secret).post("/api/v1/time-entries/", body, format="json").status_code == 201
    )


def test_invoices_are_read_only_even_with_a_write_token(api, admin_user, world):
    client = api(admin_user)
    assert client.post("/api/v1/invoices/", {}, format="json").status_code == 405
    url = f"/api/v1/invoices/{world.acme_invoice.pk}/"
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)(url, {}, format="json").status_code == 405


def test_the_session_also_authenticates(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/api/v1/me/").status_code == 200
