"""GET /healthz: database, cache and task-queue checks; 200 or 503; no auth, no data."""

import datetime as dt

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from invoicing.tasks import send_invoice_email

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
    }
}


def get_health(client):
    return client.get(reverse("healthz"))


def test_it_reports_ok_with_every_check(client):
    response = get_health(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok"},
            "cache": {"status": "ok"},
            "tasks": {
                "status": "ok",
                "backend": "DatabaseBackend",
                "oldest_pending_age_seconds": 0,
            },
        },
    }
    assert "no-store" in response["Cache-Control"]


def test_it_needs_no_login_and_sets_no_cookie(client):
    response = get_health(client)
    assert response.status_code == 200
    assert not response.cookies


def test_it_reports_the_age_of_the_oldest_pending_task(client):
    send_invoice_email.enqueue(delivery_id=1)
    send_invoice_email.enqueue(delivery_id=2)
    DBTaskResult.objects.filter(args_kwargs__kwargs__delivery_id=1).update(
        enqueued_at=timezone.now() - dt.timedelta(minutes=10)
    )
    tasks = get_health(client).json()["checks"]["tasks"]
    assert 600 <= tasks["oldest_pending_age_seconds"] < 660


def test_a_finished_task_is_not_pending(client):
    send_invoice_email.enqueue(delivery_id=1)
    DBTaskResult.objects.update(
        status="SUCCESSFUL", enqueued_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert get_health(client).json()["checks"]["tasks"]["oldest_pending_age_seconds"] == 0


def test_a_stale_queue_does_not_fail_the_server(client):
    # A stopped worker is not the web server's fault: the load balancer keeps it.
    send_invoice_email.enqueue(delivery_id=1)
    DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(days=1))
    assert get_health(client).status_code == 200


def test_it_runs_at_most_three_queries(client, django_assert_max_num_queries):
    # SELECT 1; the oldest ready task.
    with django_assert_max_num_queries(3):
        assert get_health(client).status_code == 200


def test_it_fails_when_the_database_is_down(client, monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def broken_cursor(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", broken_cursor)
    response = get_health(client)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {"status": "fail", "error": "OperationalError"}
    # The database task backend lives in the same database.
    assert body["checks"]["tasks"]["status"] == "fail"
    assert body["checks"]["cache"] == {"status": "ok"}
    assert b"connection refused" not in response.content  # no details to strangers


def test_it_fails_when_the_cache_is_down(client, settings):
    settings.CACHES = DEAD_REDIS
    response = get_health(client)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["cache"] == {"status": "fail", "error": "ConnectionError"}
    assert body["checks"]["database"] == {"status": "ok"}


def test_it_fails_when_the_task_queue_is_down(client, monkeypatch):
    def broken_ready(self):
        raise OperationalError('relation "django_tasks_database_dbtaskresult" does not exist')

    monkeypatch.setattr(type(DBTaskResult.objects.all()), "ready", broken_ready)
    response = get_health(client)
    assert response.status_code == 503
    assert response.json()["checks"]["tasks"] == {"status": "fail", "error": "OperationalError"}
    assert response.json()["checks"]["database"] == {"status": "ok"}


def test_a_failed_check_is_logged_with_its_traceback(client, settings, caplog):
    settings.CACHES = DEAD_REDIS
    get_health(client)
    failures = [r for r in caplog.records if r.name == "timetracker.health"]
    assert len(failures) == 1
    assert failures[0].exc_info is not None


def test_it_is_not_redirected_to_https(client, settings):
    # A load balancer probes the app over plain http.
    settings.SECURE_SSL_REDIRECT = True
    assert get_health(client).status_code == 200
    assert client.get(reverse("login")).status_code == 301


def test_it_rejects_post(client):
    assert client.post(reverse("healthz")).status_code == 405


def test_it_is_not_throttled(client):
    for _ in range(30):
        assert get_health(client).status_code == 200
