"""The time-entry filter's project list for a big client (§3.6, docs/PORTAL.md): bounded —
the selected project, then the recently booked ones or the matches of ``project_search`` —
so the page costs the same at 20 or 20,000 projects. Any of the client's projects (any
status) stays a valid ``project_id``; anything else is still a 400.

The limits are lowered here (``PROJECT_CHOICES_MAX`` = 5, ``RECENT_ENTRIES`` = 3) so a
"big" client needs a handful of projects.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Project
from portal import filters
from tests.factories import ProjectFactory
from tests.portal.conftest import assert_no_globex_data, bulk_entries
from tests.portal.test_dashboard import entry

pytestmark = pytest.mark.django_db

URL = reverse("portal:time_entries")
BASELINE = 1  # user + client (cached_db: the session comes from the cache)


@pytest.fixture(autouse=True)
def small_limits(monkeypatch):
    monkeypatch.setattr(filters, "PROJECT_CHOICES_MAX", 5)
    monkeypatch.setattr(filters, "RECENT_ENTRIES", 3)


def make_projects(acme, n, **kwargs):
    return [ProjectFactory(client=acme, name=f"Alpha {i:02d}", **kwargs) for i in range(n)]


@pytest.fixture
def big(acme, globex_data):
    """Eight old projects, an archived "Legacy shop" and two with the newest entries."""
    old = make_projects(acme, 8)
    legacy = ProjectFactory(client=acme, name="Legacy shop", status=Project.Status.ARCHIVED)
    busy = [ProjectFactory(client=acme, name=name) for name in ("Zeta app", "Omega api")]
    now = timezone.now()
    for n, project in enumerate(old + [legacy]):
        entry(project, now - dt.timedelta(days=30 + n), 60, notes=f"old {n}")
    for n in range(3):
        entry(busy[n % 2], now - dt.timedelta(hours=n + 1), 30, notes=f"new {n}")
    return {"old": old, "legacy": legacy, "busy": busy}


def options(response):
    return [label for _value, label in response.context["filter_form"].fields["project_id"].choices]


def help_text(response, field="project_id"):
    """The field's whole help paragraph as rendered (``None`` without one)."""
    match = re.search(
        rf'<p class="field__help" id="id_{field}-help">([^<]*)</p>', response.content.decode()
    )
    return match and match[1]


def test_a_small_client_lists_every_project_and_gets_no_search(acme_client, acme):
    make_projects(acme, 4)
    ProjectFactory(client=acme, name="Beta", status=Project.Status.INACTIVE)

    response = acme_client.get(URL, {"project_search": "Beta"})

    assert response.status_code == 200
    assert options(response) == [
        "All projects",
        "Alpha 00",
        "Alpha 01",
        "Alpha 02",
        "Alpha 03",
        "Beta (inactive)",
    ]
    assert "project_search" not in response.context["filter_form"].fields
    assert b'name="project_search"' not in response.content


def test_a_big_client_gets_its_recently_booked_projects_and_a_search_field(acme_client, big):
    response = acme_client.get(URL)

    assert response.status_code == 200
    assert options(response) == ["All projects", "Omega api", "Zeta app"]
    content = response.content.decode()
    # Labelled, described, and a plain GET field: it works without JavaScript.
    assert '<label for="id_project_search">Find a project</label>' in content
    assert (
        '<input type="search" name="project_search" maxlength="100" autocomplete="off" '
        'aria-describedby="id_project_search-help" id="id_project_search">'
    ) in content
    assert help_text(response, "project_search") == (
        "Part of a name, then Filter: the project list shows the matches, any status."
    )
    assert 'aria-describedby="id_project_id-help"' in content
    assert help_text(response) == (
        "The projects with your latest entries. You have 11 projects: search to list any of them."
    )
    # The search right after the list it fills, before the dates.
    fields = response.context["filter_form"].fields
    assert list(fields) == ["project_id", "project_search", "date_from", "date_to"]
    # The search only chooses options: every entry is still listed and counted.
    assert response.context["totals"]["count"] == 12


def test_search_lists_matches_of_any_status_and_filters_no_entry(acme_client, big):
    # Spaces are collapsed, so a pasted name with a double space still matches.
    response = acme_client.get(URL, {"project_search": "  LEGACY \t  shop  "})

    assert response.status_code == 200
    assert options(response) == ["All projects", "Legacy shop (archived)"]
    assert response.context["totals"]["count"] == 12
    assert help_text(response) == "Your projects matching “LEGACY shop” (11 projects in all)."
    # The export link carries the filters, not the search.
    assert "project_search" not in response.context["csv_query"]


def test_search_never_lists_another_clients_project(acme_client, big):
    # Every Globex project name contains "project"; none of Acme's does.
    response = acme_client.get(URL, {"project_search": "project"})

    assert response.status_code == 200
    assert options(response) == ["All projects"]
    assert_no_globex_data(response)


def test_too_many_matches_show_the_first_and_say_so(acme_client, big):
    response = acme_client.get(URL, {"project_search": "alpha"})

    assert options(response) == ["All projects"] + [f"Alpha {i:02d}" for i in range(5)]
    assert help_text(response) == (
        "The first 5 of your projects matching “alpha”: "
        "search for more of the name to narrow the list."
    )


def test_exactly_the_limit_of_matches_is_the_whole_answer(acme_client, acme):
    make_projects(acme, 5)
    ProjectFactory(client=acme, name="Beta")

    response = acme_client.get(URL, {"project_search": "alpha"})

    assert options(response) == ["All projects"] + [f"Alpha {i:02d}" for i in range(5)]
    assert help_text(response) == "Your projects matching “alpha” (6 projects in all)."


def test_exactly_the_limit_of_projects_is_a_small_client(acme_client, acme):
    make_projects(acme, 5)

    response = acme_client.get(URL)

    assert options(response) == ["All projects"] + [f"Alpha {i:02d}" for i in range(5)]
    assert "project_search" not in response.context["filter_form"].fields
    assert help_text(response) is None


def test_recently_booked_means_the_latest_start_not_the_latest_logged(acme_client, big):
    # Logged last, but for a day weeks ago: not one of the newest entries.
    entry(big["old"][0], timezone.now() - dt.timedelta(days=90), 60, notes="late")

    response = acme_client.get(URL)

    assert options(response) == ["All projects", "Omega api", "Zeta app"]


@pytest.mark.parametrize("search", ["", "zeta"])
def test_the_selected_project_is_listed_first_and_valid_whatever_its_status(
    acme_client, big, search
):
    legacy = big["legacy"]

    response = acme_client.get(URL, {"project_id": legacy.pk, "project_search": search})

    assert response.status_code == 200
    # First, then the list it would be without it.
    others = ["Zeta app"] if search else ["Omega api", "Zeta app"]
    assert options(response) == ["All projects", "Legacy shop (archived)"] + others
    assert f'<option value="{legacy.pk}" selected>'.encode() in response.content
    assert [e.notes for e in response.context["entries"]] == ["old 8"]


def test_the_selected_project_stays_first_when_the_matches_are_cut(acme_client, big):
    # "Zeta app" sorts after every match: only its place first keeps it in the list.
    zeta = big["busy"][0]

    response = acme_client.get(URL, {"project_id": zeta.pk, "project_search": "alpha"})

    assert response.status_code == 200
    assert options(response) == ["All projects", "Zeta app"] + [f"Alpha {i:02d}" for i in range(4)]
    assert help_text(response).startswith("The first 5 of your projects matching “alpha”: ")


def test_a_small_client_lists_by_name_whatever_is_selected(acme_client, acme):
    projects = make_projects(acme, 4)

    response = acme_client.get(URL, {"project_id": projects[2].pk})

    assert response.status_code == 200
    assert options(response) == ["All projects"] + [f"Alpha {i:02d}" for i in range(4)]


def test_the_largest_bigint_id_is_a_project_like_any_other(acme_client, acme, big):
    # Created last: SQLite allocates no id after the largest.
    ProjectFactory(client=acme, id=filters.MAX_ID, name="Archive")

    response = acme_client.get(URL, {"project_id": filters.MAX_ID})

    assert response.status_code == 200
    assert options(response)[:2] == ["All projects", "Archive"]


def test_an_old_project_not_in_the_list_is_still_a_valid_filter(acme_client, big):
    project = big["old"][7]
    response = acme_client.get(URL, {"project_id": project.pk})
    assert response.status_code == 200
    assert response.context["totals"]["count"] == 1


@pytest.mark.parametrize(
    "value", ["abc", "1.0", "-1", "0", "007", "٣", "99999999999999999999", "9223372036854775808"]
)
def test_a_malformed_project_id_is_400_for_a_big_client(acme_client, big, value):
    response = acme_client.get(URL, {"project_id": value})
    assert response.status_code == 400
    assert b"Choose one of your projects." in response.content
    # The error and the list's help, both read out with the field.
    assert b'aria-describedby="id_project_id-error id_project_id-help"' in response.content
    assert list(response.context["entries"]) == []


def test_a_foreign_project_id_is_400_for_a_big_client(acme_client, big, globex_data):
    for project in globex_data["projects"]:
        response = acme_client.get(URL, {"project_id": project.pk, "project_search": "SECRET"})
        assert response.status_code == 400
        assert b"Choose one of your projects." in response.content
        assert list(response.context["entries"]) == []
        assert_no_globex_data(response)


@pytest.mark.parametrize("projects", [6, 40])
@pytest.mark.parametrize("params", [{}, {"project_search": "alpha"}, {"project_id": "first"}])
def test_query_count_and_option_count_stay_flat_in_the_clients_projects(
    acme_client, acme, django_assert_num_queries, projects, params
):
    made = make_projects(acme, projects)
    start = timezone.now() - dt.timedelta(days=10)
    for n, project in enumerate(made):
        bulk_entries(project, 3, start=start + dt.timedelta(hours=n))
    if params.get("project_id"):
        params = {"project_id": made[0].pk}
    # 1. the project options (count, recent or matching, selected: one query); 2. totals;
    # 3. the day walk; 4. the page's rows.
    with django_assert_num_queries(BASELINE + 4):
        response = acme_client.get(URL, params)
    assert response.status_code == 200
    assert len(options(response)) <= 1 + 5


@pytest.mark.parametrize("search", ["nothing like it", ""])
def test_a_big_client_keeps_the_search_when_the_list_comes_back_empty(acme_client, acme, search):
    make_projects(acme, 6)  # no entries: nothing recently booked

    response = acme_client.get(URL, {"project_search": search})

    assert response.status_code == 200
    assert "project_search" in response.context["filter_form"].fields
