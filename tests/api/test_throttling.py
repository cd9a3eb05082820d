"""Rate limits: per token and per anonymous IP; 429 with Retry-After."""

import pytest
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from accounts.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "2/minute"}
    )


def test_rates_come_from_settings():
    assert api_settings.DEFAULT_THROTTLE_RATES["user"] == "1000/hour"


def test_each_token_has_its_own_budget(low_rates, staff_user):
    clients = []
    for _ in range(2):
        _, secret = api_token_create(user=staff_user, name="t", scope="read")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        clients.append(api)
    for _ in range(3):
        assert clients[0].get("/api/v1/me/").status_code == 200
    response = clients[0].get("/api/v1/me/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert clients[1].get("/api/v1/me/").status_code == 200


def test_anonymous_requests_are_limited_per_ip(low_rates):
    api = APIClient()
    assert [api.get("/api/v1/me/").status_code for _ in range(3)] == [401, 401, 429]
    assert "Retry-After" in api.get("/api/v1/me/")


def test_guessing_tokens_is_limited_per_ip(low_rates):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer guess-guess-guess")
    assert [api.get("/api/v1/me/").status_code for _ in range(3)] == [401, 401, 429]
