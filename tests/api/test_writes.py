"""Time-entry writes: for the requester, in scope, validated like the admin, never a 500."""

import pytest

from tests.factories import InvoiceItemFactory, StaffUserFactory, TimeEntryFactory
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db

BODY = {"start_time": "2026-01-05T09:00:00+01:00", "end_time": "2026-01-05T10:30:00+01:00"}


def test_create_books_time_for_the_requester(api, subcontractor, world):
    response = api(subcontractor).post(
        "/api/v1/time-entries/",
        {**BODY, "project": world.acme_project.pk, "notes": "hi", "user": world.wilhelmina.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    entry = TimeEntry.objects.get(pk=response.json()["id"])
    # "user" is not theirs to set: ignored.
    assert entry.user == subcontractor
    assert entry.source == "api"
    assert entry.duration_seconds == 5400
    assert entry.client == world.acme
    assert response.json()["start_time"] == "2026-01-05T08:00:00Z"


def test_admins_may_book_time_for_someone_else(api, admin_user, world, staff_user):
    response = api(admin_user).post(
        "/api/v1/time-entries/",
        {**BODY, "project": world.acme_project.pk, "user": staff_user.pk},
        format="json",
    )
    assert response.status_code == 201
    assert TimeEntry.objects.get(pk=response.json()["id"]).user == staff_user


def test_end_before_start_is_a_400_with_a_message(api, subcontractor, world):
    response = api(subcontractor).post(
        "/api/v1/time-entries/",
        {
            "project": world.acme_project.pk,
            "start_time": "2026-01-05T10:00:00Z",
            "end_time": "2026-01-05T09:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "end_time" in response.json()


def test_a_second_running_entry_is_a_400(api, subcontractor, world):
    client = api(subcontractor)
    url = "/api/v1/time-entries/"
    first = client.post(
        url, {"project": world.acme_project.pk, "start_time": "2026-01-05T10:00:00Z"}, format="json"
    )
    assert first.status_code == 201
    second = client.post(
        url, {"project": world.acme_project.pk, "start_time": "2026-01-06T10:00:00Z"}, format="json"
    )
    assert second.status_code == 400
    assert "running timer" in str(second.json())
    assert TimeEntry.objects.running_for(subcontractor).count() == 1


def test_subcontractors_change_only_their_own_entries(api, subcontractor, world):
    client = api(subcontractor)
    other = f"/api/v1/time-entries/{world.other.pk}/"
    assert client.get(other).status_code == 200  # they see colleagues' entries...
    assert client.patch(other, {"notes": "mine now"}, format="json").status_code == 403
    assert client.delete(other).status_code == 403
    world.other.refresh_from_db()
    assert world.other.notes == "acme: colleague"

    own = f"/api/v1/time-entries/{world.own.pk}/"
    response = client.patch(
        own, {"notes": "edited", "end_time": world.own.end_time.isoformat()}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["notes"] == "edited"
    assert client.delete(own).status_code == 204
    assert not TimeEntry.objects.filter(pk=world.own.pk).exists()


def test_unrestricted_staff_change_anyones_entries(api, world):
    other_staff = StaffUserFactory()
    response = api(other_staff).patch(
        f"/api/v1/time-entries/{world.other.pk}/", {"billable": False}, format="json"
    )
    assert response.status_code == 200


def test_billed_entries_cannot_be_deleted(api, subcontractor, world):
    item = InvoiceItemFactory(invoice=world.acme_draft)
    item.time_entries.add(world.own)
    response = api(subcontractor).delete(f"/api/v1/time-entries/{world.own.pk}/")
    assert response.status_code == 400
    assert TimeEntry.objects.filter(pk=world.own.pk).exists()


def test_put_is_not_offered(api, subcontractor, world):
    url = f"/api/v1/time-entries/{world.own.pk}/"
    assert (
        api(subcontractor)
        .put(url, {**BODY, "project": world.acme_project.pk}, format="json")
        .status_code
        == 405
    )


def test_client_users_cannot_write_even_by_session(client, acme_user, world):
    client.force_login(acme_user)
    body = {**BODY, "project": world.acme_project.pk}
    assert (
        client.post("/api/v1/time-entries/", body, content_type="application/json").status_code
        == 403
    )
    url = f"/api/v1/time-entries/{world.other.pk}/"
    assert client.patch(url, {"notes": "x"}, content_type="application/json").status_code == 403
    assert client.delete(url).status_code == 403
    assert TimeEntry.objects.filter(pk=world.other.pk, notes="acme: colleague").exists()


def test_session_writes_need_csrf(subcontractor, world):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(subcontractor)
    body = {**BODY, "project": world.acme_project.pk}
    response = browser.post("/api/v1/time-entries/", body, content_type="application/json")
    assert response.status_code == 403


BAD_BODIES = [
    ("[]", "application/json"),
    ("[1, 2]", "application/json"),
    ('"text"', "application/json"),
    ("42", "application/json"),
    ("null", "application/json"),
    ("{not json", "application/json"),
    ("project=1", "application/x-www-form-urlencoded"),
    ("<xml/>", "text/xml"),
    (
        '{"project": 99999999999999999999999999, "start_time": "2026-01-01T00:00:00Z"}',
        "application/json",
    ),
    ('{"project": "abc", "start_time": "2026-01-01T00:00:00Z"}', "application/json"),
    ('{"project": true, "start_time": "2026-01-01T00:00:00Z"}', "application/json"),
    ('{"project": [1], "start_time": "2026-01-01T00:00:00Z"}', "application/json"),
    ('{"project": -1, "start_time": "not a date"}', "application/json"),
    ('{"start_time": "99999-01-01T00:00:00Z"}', "application/json"),
    ('{"start_time": "0001-01-01T00:00:00+05:00"}', "application/json"),
    ('{"start_time": "9999-12-31T23:59:59-05:00"}', "application/json"),
    ('{"unknown": 1, "billable": "maybe"}', "application/json"),
    ('{"notes": {"a": 1}}', "application/json"),
]


@pytest.mark.parametrize(("body", "content_type"), BAD_BODIES)
def test_bad_bodies_are_4xx_never_500(api, subcontractor, world, body, content_type):
    client = api(subcontractor)
    for method, url in (
        ("post", "/api/v1/time-entries/"),
        ("patch", f"/api/v1/time-entries/{world.own.pk}/"),
        ("post", "/api/v1/timer/start/"),
    ):
        response = getattr(client, method)(url, body, content_type=content_type)
        assert 400 <= response.status_code < 500, (method, url, response.content)


@pytest.mark.parametrize(
    "query",
    [
        "project=abc",
        "project=99999999999999999999999",
        "client=-1",
        "user=1e5",
        "date_from=2026-13-01",
        "date_from=1-1-1",
        "date_from=0001-01-01",
        "date_to=99999-01-01",
        "date_from=2026-02-01&date_to=2026-01-01",
        "billable=maybe",
        "status=nope",
        "status=%00",
        "page=abc",
        "page=99999999999999999999",
        "page_size=100000",
        "page_size=-5",
        "cursor=garbage",
        "cursor=cD1ub3RhZGF0ZQ%3D%3D",
        "group_by=week",
        "format=csv",
    ],
)
def test_bad_query_strings_are_never_500(api, subcontractor, world, query):
    client = api(subcontractor)
    for url in (
        "/api/v1/time-entries/",
        "/api/v1/projects/",
        "/api/v1/invoices/",
        "/api/v1/reports/",
        "/api/v1/clients/",
    ):
        response = client.get(f"{url}?{query}")
        assert response.status_code < 500, (url, query)


def test_non_numeric_and_huge_ids_in_paths_are_404(api, subcontractor):
    client = api(subcontractor)
    for path in ("abc", "1.5", "-1", "99999999999999999999999999", "%00"):
        assert client.get(f"/api/v1/time-entries/{path}/").status_code == 404


def test_time_entry_for_a_colleague_is_visible_but_their_user_is_fixed(api, subcontractor, world):
    entry = TimeEntryFactory(user=subcontractor, project=world.acme_project)
    response = api(subcontractor).patch(
        f"/api/v1/time-entries/{entry.pk}/", {"user": world.wilhelmina.pk}, format="json"
    )
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.user == subcontractor
