"""With CACHE_URL=redis://... the cache and sessions live in Redis, shared by every app server.

Run by the Redis step of .ci/run; skipped on the default local-memory cache.
"""

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


def raw_redis():
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def test_the_cache_is_redis():
    cache = caches["default"]
    assert type(cache).__name__ == "RedisCache"
    cache.set("ops-shared", "seen by every server", 30)
    assert any(b"ops-shared" in key for key in raw_redis().keys("*ops-shared*"))


def test_a_login_session_is_stored_in_redis_and_readable_by_another_server(
    client, acme_user, password
):
    client.post(reverse("login"), {"username": acme_user.username, "password": password})
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert any(session_key.encode() in key for key in raw_redis().keys("*"))
    # A second app server: its own cache connection, no local state, the same cookie.
    caches["default"].close()
    del caches["default"]
    from django.test import Client

    other_server = Client()
    other_server.cookies[settings.SESSION_COOKIE_NAME] = session_key
    response = other_server.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    assert response.wsgi_request.user == acme_user


def test_healthz_checks_redis(client):
    checks = client.get(reverse("healthz")).json()["checks"]
    assert checks["cache"] == {"status": "ok"}
