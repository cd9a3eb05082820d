"""Projects page (§3.4): every active project with its hours, and nothing internal."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Project
from tests.factories import ProjectFactory, TimeEntryFactory
from tests.portal.conftest import assert_no_globex_data
from tests.portal.test_dashboard import NOW, entry, ny
from tracking.services import rollups_rebuild

pytestmark = pytest.mark.django_db


def get_projects(client):
    response = client.get(reverse("portal:projects"))
    assert response.status_code == 200
    return response


def test_lists_only_active_projects_by_name(acme_client, acme, globex):
    ProjectFactory(client=acme, name="Zeta")
    ProjectFactory(client=acme, name="Alpha")
    ProjectFactory(client=acme, name="Archived thing", status=Project.Status.ARCHIVED)
    ProjectFactory(client=acme, name="Inactive thing", status=Project.Status.INACTIVE)
    ProjectFactory(client=globex, name="Globex thing")

    response = get_projects(acme_client)

    assert [p.name for p in response.context["projects"]] == ["Alpha", "Zeta"]
    content = response.content.decode()
    for hidden in ("Archived thing", "Inactive thing", "Globex thing"):
        assert hidden not in content


def test_shows_hours_per_project(settings, monkeypatch, acme_client, acme):
    settings.TIME_ZONE = "America/New_York"
    rollups_rebuild()  # what an operator runs after changing TIME_ZONE
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))
    project = ProjectFactory(client=acme, name="Website")
    entry(project, ny(2024, 3, 1, 0, 0), 90)
    entry(project, ny(2024, 2, 29, 23, 0), 60, billable=False)
    entry(project, ny(2024, 3, 14, 8, 0), 30, billable=False)
    TimeEntryFactory(project=project, start_time=ny(2024, 3, 15, 11, 0), end_time=None)
    idle = ProjectFactory(client=acme, name="Idle")

    projects = {p.name: p for p in get_projects(acme_client).context["projects"]}

    website = projects["Website"]
    assert website.total_seconds == 3 * 3600
    assert website.billable_seconds == 90 * 60
    assert website.period_seconds == 2 * 3600
    assert website.last_entry_at == ny(2024, 3, 14, 8, 0)
    assert projects["Idle"].total_seconds == 0
    assert projects["Idle"].last_entry_at is None
    content = get_projects(acme_client).content.decode()
    assert "3:00" in content
    assert f'href="/client-portal/time-entries/?project_id={website.pk}"' in content
    assert f'href="/client-portal/time-entries/?project_id={idle.pk}"' in content
    assert "No entries yet" in content


def test_this_months_hours_stop_at_the_months_last_day(settings, monkeypatch, acme_client, acme):
    settings.TIME_ZONE = "America/New_York"
    rollups_rebuild()
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))
    # An entry already logged for next month (a planned workshop) is not this month's.
    project = ProjectFactory(client=acme, name="Website")
    entry(project, ny(2024, 3, 31, 22, 0), 60)
    entry(project, ny(2024, 4, 1, 9, 0), 30)

    (website,) = get_projects(acme_client).context["projects"]

    assert (website.period_seconds, website.total_seconds) == (3600, 90 * 60)


def test_never_shows_rates_or_budgets(acme_client, acme):
    acme.default_hourly_rate = Decimal("987.65")
    acme.save()
    ProjectFactory(
        client=acme,
        description="Our new website.",
        hourly_rate=Decimal("123.45"),
        budget_hours=Decimal("4321.00"),
    )
    content = get_projects(acme_client).content.decode()
    for internal in ("123.45", "123,45", "987.65", "4321", "4,321", "hourly rate", "budget"):
        assert internal not in content.lower()


def test_empty_state_says_whom_to_contact(acme_client, settings):
    settings.SUPPORT_EMAIL = "hello@timetracker.example"
    content = get_projects(acme_client).content.decode()
    assert "No active projects" in content
    assert "hello@timetracker.example" in content


def test_shows_no_other_client_data(acme_client, acme, globex_data):
    entry(ProjectFactory(client=acme), timezone.now() - dt.timedelta(hours=2), 30)
    assert_no_globex_data(get_projects(acme_client))


def test_projects_are_paginated_by_name_with_none_lost(acme_client, acme):
    for n in range(55):
        ProjectFactory(client=acme, name=f"Project {n:02d}", description="")
    first = acme_client.get(reverse("portal:projects"))
    second = acme_client.get(reverse("portal:projects"), {"page": 2})
    names = [p.name for p in first.context["projects"]] + [
        p.name for p in second.context["projects"]
    ]
    assert names == [f"Project {n:02d}" for n in range(55)]
    assert b"Page 1 of 2" in first.content
    assert acme_client.get(reverse("portal:projects"), {"page": 3}).status_code == 404


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Time entries of R&amp;D &lt;Alpha&gt;"),
        ("de", "Zeiteinträge von R&amp;D &lt;Alpha&gt;"),
    ],
)
def test_each_card_links_its_time_entries_in_the_users_language(
    acme_client, acme, acme_user, language, text
):
    project = ProjectFactory(client=acme, name="R&D <Alpha>")
    acme_user.language = language
    acme_user.save()

    content = get_projects(acme_client).content.decode()

    link = f'<a href="{reverse("portal:time_entries")}?project_id={project.pk}">{text}</a>'
    assert link in content
    assert "<Alpha>" not in content
