"""Per-client visibility (§10) in the API: client users get what their portal shows.

Notes hidden → ``""``; names hidden → ``user_name`` "Team member" and ``user`` ``null`` (and
no ``?user=`` filter); budgets hidden (the default) → ``budget_hours`` ``null``. Internal
users see everything in their scope, whatever the client's toggles.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from clients.models import Client
from tests.factories import ProjectFactory, StaffUserFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

NOTE = "NOTE-zanzibar-roadmap"
NAME = "Philippa Quackenbush"
BUDGET = "137.25"
ALL_OFF = {"portal_show_notes": False, "portal_show_team_names": False, "portal_show_budget": False}
ALL_ON = {"portal_show_notes": True, "portal_show_team_names": True, "portal_show_budget": True}


@pytest.fixture
def work(acme):
    project = ProjectFactory(client=acme, name="Acme Website", budget_hours=Decimal(BUDGET))
    worker = StaffUserFactory(first_name="Philippa", last_name="Quackenbush")
    start = timezone.now() - dt.timedelta(hours=3)
    entry = TimeEntryFactory(
        project=project,
        user=worker,
        start_time=start,
        end_time=start + dt.timedelta(hours=1),
        notes=NOTE,
    )
    return {"project": project, "worker": worker, "entry": entry}


def set_visibility(client, **flags):
    Client.objects.filter(pk=client.pk).update(**flags)


def entry_urls(work):
    return ["/api/v1/time-entries/", f"/api/v1/time-entries/{work['entry'].pk}/"]


def project_urls(work):
    return ["/api/v1/projects/", f"/api/v1/projects/{work['project'].pk}/"]


def one_row(body):
    return body["results"][0] if "results" in body else body


@pytest.mark.parametrize("which", [0, 1], ids=["list", "detail"])
def test_client_users_get_notes_by_default(api, acme_user, work, which):
    response = api(acme_user).get(entry_urls(work)[which])
    assert response.status_code == 200
    assert one_row(response.json())["notes"] == NOTE


@pytest.mark.parametrize("which", [0, 1], ids=["list", "detail"])
def test_client_users_get_no_notes_when_notes_are_off(api, acme_user, acme, work, which):
    set_visibility(acme, portal_show_notes=False)
    response = api(acme_user).get(entry_urls(work)[which])
    assert NOTE not in response.content.decode()
    row = one_row(response.json())
    assert row["notes"] == "" and row["user_name"] == NAME


@pytest.mark.parametrize("which", [0, 1], ids=["list", "detail"])
def test_client_users_get_names_by_default(api, acme_user, work, which):
    row = one_row(api(acme_user).get(entry_urls(work)[which]).json())
    assert row["user_name"] == NAME and row["user"] == work["worker"].pk


@pytest.mark.parametrize("which", [0, 1], ids=["list", "detail"])
def test_client_users_get_team_member_when_names_are_off(api, acme_user, acme, work, which):
    set_visibility(acme, portal_show_team_names=False)
    response = api(acme_user).get(entry_urls(work)[which])
    text = response.content.decode()
    assert "Philippa" not in text and "Quackenbush" not in text
    row = one_row(response.json())
    assert row["user_name"] == "Team member" and row["user"] is None
    assert row["notes"] == NOTE


def test_client_users_cannot_filter_by_person_when_names_are_off(api, acme_user, acme, work):
    client = api(acme_user)
    url = f"/api/v1/time-entries/?user={work['worker'].pk}"
    assert len(client.get(url).json()["results"]) == 1
    set_visibility(acme, portal_show_team_names=False)
    response = client.get(url)
    assert response.status_code == 400 and "user" in response.json()


@pytest.mark.parametrize("which", [0, 1], ids=["list", "detail"])
def test_client_users_get_no_budget_by_default(api, acme_user, work, which):
    response = api(acme_user).get(project_urls(work)[which])
    assert BUDGET not in response.content.decode()
    assert one_row(response.json())["budget_hours"] is None


@pytest.mark.parametrize("which", [0, 1], ids=["list", "detail"])
def test_client_users_get_the_budget_when_allowed(api, acme_user, acme, work, which):
    set_visibility(acme, portal_show_budget=True)
    assert one_row(api(acme_user).get(project_urls(work)[which]).json())["budget_hours"] == BUDGET


@pytest.mark.parametrize("persona", ["staff_user", "subcontractor"])
def test_internal_users_see_everything_whatever_the_toggles(api, acme, work, persona, request):
    set_visibility(acme, **ALL_OFF)
    client = api(request.getfixturevalue(persona))
    entry = client.get(entry_urls(work)[1]).json()
    assert entry["notes"] == NOTE and entry["user_name"] == NAME
    assert entry["user"] == work["worker"].pk
    assert client.get(project_urls(work)[1]).json()["budget_hours"] == BUDGET


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/api/v1/time-entries/", 2),  # token (with its user and client), the cursor's rows
        ("/api/v1/projects/", 3),  # token, count, rows
    ],
)
def test_hiding_everything_costs_no_extra_query(
    api, acme_user, acme, work, url, queries, django_assert_num_queries
):
    client = api(acme_user)
    client.get("/api/v1/me/")  # the token's first use writes last_used_at: not counted
    TimeEntryFactory.create_batch(5, project=work["project"], user=work["worker"])
    set_visibility(acme, **ALL_ON)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    set_visibility(acme, **ALL_OFF)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
