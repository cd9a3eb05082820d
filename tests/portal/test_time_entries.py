"""Time entries (§3.6): django-filter filters at their edges, totals, pagination, 400s."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Project
from tests.factories import ProjectFactory, TimeEntryFactory, UserFactory
from tests.portal.conftest import assert_no_globex_data, bulk_entries
from tests.portal.test_dashboard import entry, ny
from tracking.models import TimeEntry
from tracking.services import rollups_rebuild

pytestmark = pytest.mark.django_db

URL = reverse("portal:time_entries")


def notes(response):
    return [e.notes for e in response.context["entries"]]


def test_lists_finished_entries_of_all_projects_newest_first(acme_client, acme):
    now = timezone.now()
    active = ProjectFactory(client=acme)
    archived = ProjectFactory(client=acme, status=Project.Status.ARCHIVED)
    entry(active, now - dt.timedelta(hours=5), 30, notes="older")
    entry(archived, now - dt.timedelta(hours=2), 30, notes="newer, archived project")
    TimeEntryFactory(project=active, start_time=now, end_time=None, notes="running")

    response = acme_client.get(URL)

    assert response.status_code == 200
    assert notes(response) == ["newer, archived project", "older"]
    assert b"running" not in response.content


def test_row_shows_date_project_member_times_duration_notes_billable(settings, acme_client, acme):
    settings.TIME_ZONE = "Europe/Berlin"
    rollups_rebuild()  # what an operator runs after changing TIME_ZONE
    member = UserFactory(first_name="Ada", last_name="Lovelace")
    project = ProjectFactory(client=acme, name="Engine")
    entry(project, ny(2024, 5, 2, 8, 0), 95, user=member, notes="Analysis", billable=False)

    content = acme_client.get(URL).content.decode()

    assert "May 2, 2024" in content  # 14:00 in Berlin, still 2 May (DATE_FORMAT)
    assert "Engine" in content
    assert "Ada Lovelace" in content
    assert "2:00 p.m.–3:35 p.m." in content  # never "noon" or "2 p.m."
    assert '<span class="hours__hm">1:35</span> <span class="hours__decimal">(1.58 h)</span>' in (
        content
    )
    assert "Analysis" in content
    assert 'data-label="Billable">No<' in content


def test_project_filter_accepts_any_own_project(acme_client, acme):
    archived = ProjectFactory(client=acme, status=Project.Status.ARCHIVED, name="Old site")
    other = ProjectFactory(client=acme)
    entry(archived, timezone.now() - dt.timedelta(days=1), 60, notes="archived work")
    entry(other, timezone.now() - dt.timedelta(days=1), 60, notes="other work")

    response = acme_client.get(URL, {"project_id": archived.pk})

    assert response.status_code == 200
    assert notes(response) == ["archived work"]
    assert b"Old site (archived)" in response.content
    assert f'<option value="{archived.pk}" selected>'.encode() in response.content


def test_project_choices_are_only_the_clients_projects(acme_client, acme, globex_data):
    ProjectFactory(client=acme, name="Mine")
    form = acme_client.get(URL).context["filter_form"]
    labels = [label for _value, label in form.fields["project_id"].choices]
    assert labels == ["All projects", "Mine"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"project_id": "abc"}, "project_id", "Choose one of your projects."),
        ({"project_id": "1.0"}, "project_id", "Choose one of your projects."),
        ({"project_id": "null"}, "project_id", "Choose one of your projects."),
        ({"date_from": "2024-13-01"}, "date_from", "Enter a date as YYYY-MM-DD."),
        ({"date_from": "01/02/2024"}, "date_from", "Enter a date as YYYY-MM-DD."),
        ({"date_to": "yesterday"}, "date_to", "Enter a date as YYYY-MM-DD."),
        ({"date_to": "9999-12-31"}, "date_to", "Enter a date between 1900 and 9998."),
        ({"date_from": "0001-01-01"}, "date_from", "Enter a date between 1900 and 9998."),
        (
            {"date_from": "2024-03-02", "date_to": "2024-03-01"},
            "date_to",
            "The end date must not be before the start date.",
        ),
    ],
)
def test_invalid_filter_is_400_with_message_next_to_field_and_no_entries(
    acme_client, acme, params, field, message
):
    entry(
        ProjectFactory(client=acme),
        timezone.now() - dt.timedelta(days=1),
        60,
        notes="secret-entry-note",
    )

    response = acme_client.get(URL, {**params, "page": "3"})

    assert response.status_code == 400
    content = response.content.decode()
    assert f'<p class="field__error" id="id_{field}-error">{message}</p>' in content
    assert f'aria-describedby="id_{field}-error"' in content
    assert "secret-entry-note" not in content
    assert list(response.context["entries"]) == []


def test_foreign_project_id_is_400_and_shows_nothing(acme_client, acme, globex_data):
    entry(ProjectFactory(client=acme), timezone.now() - dt.timedelta(days=1), 60)
    for project in globex_data["projects"]:
        response = acme_client.get(URL, {"project_id": project.pk})
        assert response.status_code == 400
        assert b"Choose one of your projects." in response.content
        assert list(response.context["entries"]) == []
        assert_no_globex_data(response)


def test_date_range_is_inclusive_at_local_midnight(settings, acme_client, acme):
    settings.TIME_ZONE = "America/New_York"
    rollups_rebuild()  # what an operator runs after changing TIME_ZONE
    project = ProjectFactory(client=acme)
    entry(project, ny(2024, 3, 9, 23, 59, 59), 1, notes="day before")
    entry(project, ny(2024, 3, 10, 0, 0), 1, notes="first instant")
    entry(project, ny(2024, 3, 12, 23, 59, 59), 1, notes="last instant")
    entry(project, ny(2024, 3, 13, 0, 0), 1, notes="day after")

    response = acme_client.get(URL, {"date_from": "2024-03-10", "date_to": "2024-03-12"})

    assert notes(response) == ["last instant", "first instant"]


def test_single_day_range_uses_local_day_not_utc_day(settings, acme_client, acme):
    settings.TIME_ZONE = "Asia/Tokyo"
    rollups_rebuild()  # what an operator runs after changing TIME_ZONE
    project = ProjectFactory(client=acme)
    # 08:00 on 5 June in Tokyo is still 4 June in UTC.
    tokyo_morning = dt.datetime(2024, 6, 4, 23, 0, tzinfo=dt.UTC)
    entry(project, tokyo_morning, 30, notes="tokyo morning")

    assert notes(acme_client.get(URL, {"date_from": "2024-06-05", "date_to": "2024-06-05"})) == [
        "tokyo morning"
    ]
    assert notes(acme_client.get(URL, {"date_to": "2024-06-04"})) == []


def test_totals_cover_the_whole_filtered_set_not_the_page(acme_client, acme):
    project = ProjectFactory(client=acme)
    start = timezone.now() - dt.timedelta(days=30)
    bulk_entries(project, 120, start=start, billable=lambda n: n % 3 != 0)
    other = ProjectFactory(client=acme)
    entry(other, start, 600)

    first = acme_client.get(URL, {"project_id": project.pk})
    last = acme_client.get(URL, {"project_id": project.pk, "page": 3})

    assert first.context["totals"] == {
        "count": 120,
        "seconds": 120 * 30 * 60,
        "billable_seconds": 80 * 30 * 60,
    }
    assert len(first.context["entries"]) == 50
    assert len(last.context["entries"]) == 20
    for response in (first, last):
        content = response.content.decode()
        assert '<span class="totals__value" data-figure="entries-count">120</span>' in content
        assert "60:00" in content
        assert "40:00" in content
    assert b"Page 1 of 3" in first.content
    assert f'href="?project_id={project.pk}&amp;page=2"'.encode() in first.content
    assert acme_client.get(URL, {"project_id": project.pk, "page": 4}).status_code == 404


@pytest.mark.parametrize("page", ["2", "abc", "0", "1.5"])
def test_bad_page_is_404(acme_client, acme, page):
    entry(ProjectFactory(client=acme), timezone.now() - dt.timedelta(days=1), 60)
    assert acme_client.get(URL, {"page": page}).status_code == 404


def test_empty_states(acme_client, acme):
    assert b"No time entries yet" in acme_client.get(URL).content
    response = acme_client.get(URL, {"date_from": "2020-01-01", "date_to": "2020-01-02"})
    assert b"No entries match these filters" in response.content
    assert b"Clear filters" in response.content


def test_shows_no_other_client_data(acme_client, acme, globex_data):
    entry(ProjectFactory(client=acme), timezone.now() - dt.timedelta(days=1), 60)
    assert_no_globex_data(acme_client.get(URL))
    assert_no_globex_data(acme_client.get(URL, {"date_from": "2000-01-01"}))


def test_pages_hold_the_right_entries_in_order_with_nothing_lost_or_repeated(acme_client, acme):
    project = ProjectFactory(client=acme)
    start = timezone.now() - dt.timedelta(days=30)
    bulk_entries(project, 120, start=start)
    expected = list(
        TimeEntry.objects.for_client(acme)
        .order_by("-start_time", "-id")
        .values_list("pk", flat=True)
    )
    seen = []
    for page in (1, 2, 3):
        response = acme_client.get(URL, {"page": page})
        seen += [entry.pk for entry in response.context["entries"]]
    assert seen == expected
