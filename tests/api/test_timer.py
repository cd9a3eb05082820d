"""The timer endpoints call tracking.services: start, see it running, stop."""

import pytest

from tests.factories import ProjectFactory, TimeEntryFactory
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db


def test_start_show_and_stop(api, subcontractor, acme):
    project = ProjectFactory(client=acme, billable=False)
    client = api(subcontractor)
    response = client.get("/api/v1/timer/")
    assert response.status_code == 200
    assert response.content == b"null"

    response = client.post(
        "/api/v1/timer/start/", {"project": project.pk, "notes": "deploy"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["is_running"] is True and body["end_time"] is None and body["notes"] == "deploy"
    entry = TimeEntry.objects.get(pk=body["id"])
    assert entry.source == "timer" and entry.user == subcontractor and entry.billable is False

    assert client.get("/api/v1/timer/").json()["id"] == entry.pk

    response = client.post("/api/v1/timer/start/", {"project": project.pk}, format="json")
    assert response.status_code == 400
    assert "running timer" in response.json()["detail"]

    response = client.post("/api/v1/timer/stop/")
    assert response.status_code == 200
    assert response.json()["duration_seconds"] is not None
    entry.refresh_from_db()
    assert entry.end_time is not None

    response = client.post("/api/v1/timer/stop/")
    assert response.status_code == 400
    assert "no running timer" in response.json()["detail"]


def test_timers_only_run_on_active_projects(api, subcontractor, acme):
    project = ProjectFactory(client=acme, status="archived")
    response = api(subcontractor).post(
        "/api/v1/timer/start/", {"project": project.pk}, format="json"
    )
    assert response.status_code == 400
    assert not TimeEntry.objects.exists()


def test_someone_elses_running_timer_is_not_yours(api, subcontractor, staff_user, acme):
    TimeEntryFactory(user=staff_user, project=ProjectFactory(client=acme), end_time=None)
    assert api(subcontractor).get("/api/v1/timer/").content == b"null"
    assert api(subcontractor).post("/api/v1/timer/stop/").status_code == 400


def test_client_users_have_no_timer(client, acme_user, acme):
    project = ProjectFactory(client=acme)
    # By session, where no read-only token would stop the write first.
    client.force_login(acme_user)
    assert client.get("/api/v1/timer/").status_code == 403
    response = client.post(
        "/api/v1/timer/start/", {"project": project.pk}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not TimeEntry.objects.exists()
