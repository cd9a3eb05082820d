"""Big change lists (timetracker/admin_bigtables.py, issue 12 item 7): counts from the rollups
or capped, a date hierarchy from the first and last match, autocomplete relation filters —
and the subcontractor's scope unchanged on all of them."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.admin.conftest import assert_no_foreign_data
from tests.factories import ProjectFactory, StaffUserFactory, TimeEntryFactory
from timetracker.admin_bigtables import CappedCountPaginator
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db

URL = reverse("admin:tracking_timeentry_changelist")
AUTOCOMPLETE = reverse("admin:autocomplete")


def at(year, month, day, hour=10):
    start = timezone.make_aware(dt.datetime(year, month, day, hour))
    return {"start_time": start, "end_time": start + dt.timedelta(hours=1)}


@pytest.fixture
def history(world, staff_user):
    """Acme entries on three days of two years, one running; Globex's stay as in ``world``."""
    other = ProjectFactory(client=world.acme, name="Acme Intranet")
    for when, project in [
        (at(2024, 3, 5), world.acme_project),
        (at(2024, 3, 6), other),
        (at(2025, 7, 1), world.acme_project),
        (at(2025, 7, 1, 14), other),
    ]:
        TimeEntryFactory(user=staff_user, project=project, notes="acme history", **when)
    TimeEntryFactory(user=StaffUserFactory(), project=world.acme_project, end_time=None)
    return other


FILTERS = [
    {},
    {"state": "finished"},
    {"state": "running"},
    {"start_time__year": "2024"},
    {"start_time__year": "2025", "start_time__month": "7"},
    {"start_time__year": "2025", "start_time__month": "7", "start_time__day": "1"},
    {"client__id__exact": "{acme}"},
    {"client__id__exact": "{globex}"},
    {"project__id__exact": "{acme_project}"},
    {"project__id__exact": "{acme_project}", "client__id__exact": "{globex}"},
    {"project__id__exact": "{acme_project}", "start_time__year": "2025"},
    {"user__id__exact": "{staff}"},
    {"user__id__exact": "{staff}", "start_time__year": "2024", "start_time__month": "3"},
    {"user__id__exact": "{staff}", "client__id__exact": "{acme}", "project__id__exact": "{p}"},
    {
        "user__id__exact": "{staff}",
        "start_time__year": "2025",
        "start_time__month": "7",
        "start_time__day": "1",
    },  # fmt: skip
    {"billable__exact": "1"},
    {"q": "history"},
    {"q": "history", "client__id__exact": "{acme}"},
]


def fill(params, world, history, staff_user):
    ids = {
        "acme": world.acme.pk,
        "globex": world.globex.pk,
        "acme_project": world.acme_project.pk,
        "p": history.pk,
        "staff": staff_user.pk,
    }
    return {key: value.format(**ids) for key, value in params.items()}


@pytest.mark.parametrize("params", FILTERS)
@pytest.mark.parametrize("who", ["admin", "subcontractor"])
def test_count_is_exact_for_every_filter(
    request, client, world, history, staff_user, admin_user, subcontractor, params, who
):
    client.force_login(admin_user if who == "admin" else subcontractor)
    response = client.get(URL, fill(params, world, history, staff_user))
    assert response.status_code == 200
    cl = response.context["cl"]
    assert cl.result_count == len(cl.result_list) == cl.queryset.count()
    assert not cl.paginator.capped
    if who == "subcontractor":
        assert_no_foreign_data(response)


def test_count_comes_from_the_rollups_without_counting_entries(admin_client, world, history):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(URL, {"client__id__exact": world.acme.pk})
    assert response.context["cl"].result_count == 7
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    # Only the running entries are counted in the entries table; the rest is summed.
    assert len(counts) == 1 and "IS NULL" in counts[0]
    assert any("tracking_client_day" in q["sql"] for q in queries)


def test_a_search_count_stops_at_the_cap(admin_client, world, history, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    response = admin_client.get(URL, {"q": "acme"})
    cl = response.context["cl"]
    assert cl.paginator.capped and cl.result_count == 3
    assert "more than 3 time entries" in response.content.decode()
    # Below the cap the count is exact and the page is read by id.
    response = admin_client.get(URL, {"q": "intranet"})
    cl = response.context["cl"]
    assert not cl.paginator.capped and cl.result_count == 2
    assert "2 time entries" in response.content.decode()


def test_date_hierarchy_lists_years_between_first_and_last(admin_client, world, history):
    response = admin_client.get(URL, {"client__id__exact": world.acme.pk})
    body = response.content.decode()
    assert "start_time__year=2024" in body and "start_time__year=2025" in body
    response = admin_client.get(URL, {"start_time__year": "2024"})
    assert "start_time__month=3" in response.content.decode()
    response = admin_client.get(URL, {"start_time__year": "2024", "start_time__month": "3"})
    body = response.content.decode()
    # Every day from the first to the last match.
    assert "start_time__day=5" in body and "start_time__day=6" in body
    assert "start_time__day=7" not in body


def test_no_date_hierarchy_while_searching(admin_client, world, history):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(URL, {"q": "history"})
    assert "start_time__year=" not in response.content.decode()
    assert not any("MAX(" in q["sql"].upper() for q in queries)
    response = admin_client.get(URL, {"source__exact": "manual"})
    assert "start_time__year=" not in response.content.decode()


def test_facets_are_off(admin_client, world):
    response = admin_client.get(URL, {"_facets": "True"})
    assert response.status_code == 200
    assert not response.context["cl"].add_facets


def test_relation_filters_list_only_the_chosen_value(admin_client, world, history):
    body = admin_client.get(URL).content.decode()
    for link in (f"project__id__exact={history.pk}", f"user__id__exact={world.wilhelmina.pk}"):
        assert link not in body
    assert 'class="autocomplete-filter admin-autocomplete"' in body
    body = admin_client.get(URL, {"project__id__exact": history.pk}).content.decode()
    assert f'<option value="{history.pk}" selected>Acme Intranet</option>' in body


def test_subcontractor_filter_never_names_an_out_of_scope_choice(sub_client, world):
    response = sub_client.get(
        URL,
        {
            "client__id__exact": world.globex.pk,
            "project__id__exact": world.globex_project.pk,
            "user__id__exact": world.wilhelmina.pk,
        },
    )
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert_no_foreign_data(response)


def test_subcontractor_person_filter_lists_only_in_scope_people(sub_client, world, staff_user):
    # Subcontractors may not use the people autocomplete: they get the scoped list.
    body = sub_client.get(URL).content.decode()
    assert f"user__id__exact={staff_user.pk}" in body
    assert f"user__id__exact={world.wilhelmina.pk}" not in body
    assert_no_foreign_data(sub_client.get(URL))


@pytest.mark.parametrize("field", ["client", "project"])
def test_filter_autocomplete_is_scoped(sub_client, world, field):
    response = sub_client.get(
        AUTOCOMPLETE,
        {"app_label": "tracking", "model_name": "timeentry", "field_name": field, "term": ""},
    )
    assert response.status_code == 200
    ids = {int(row["id"]) for row in response.json()["results"]}
    assert ids == {world.acme.pk if field == "client" else world.acme_project.pk}


def test_people_autocomplete_is_refused_to_subcontractors(sub_client, world):
    response = sub_client.get(
        AUTOCOMPLETE,
        {"app_label": "tracking", "model_name": "timeentry", "field_name": "user", "term": "w"},
    )
    assert response.status_code == 403


def grow(world, n):
    person = StaffUserFactory()
    TimeEntry.objects.bulk_create(
        TimeEntry(
            user=person,
            project=ProjectFactory(client=world.acme) if i % 10 == 0 else world.acme_project,
            notes=f"bulk {i}",
            billable=bool(i % 2),
            source=TimeEntry.Source.MANUAL,
            **at(2024, 1 + i % 12, 1 + i % 28),
            duration_seconds=3600,
        )
        for i in range(n)
    )


PAGES = [
    ({}, 7),
    ({"p": "2"}, 8),  # + the page's ids, read before its rows
    # + the chosen value, read in scope for the filter's box
    ({"client__id__exact": "{acme}"}, 8),
    ({"project__id__exact": "{acme_project}", "start_time__year": "2024"}, 8),
    ({"user__id__exact": "{staff}"}, 8),
    # + projects, clients and people matching the term; the ids up to the cap
    ({"q": "bulk"}, 8),
    ({"q": "zzqqxx"}, 7),
    ({"billable__exact": "1"}, 7),
]


@pytest.mark.parametrize(("params", "budget"), PAGES)
def test_query_count_does_not_grow_with_the_data(
    admin_client, world, history, staff_user, params, budget, django_assert_max_num_queries
):
    params = fill(params, world, history, staff_user)
    counts = []
    for size in (60, 600):
        grow(world, size)
        admin_client.get(URL, params)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(URL, params)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(budget):
        admin_client.get(URL, params)


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("admin:invoicing_invoice_changelist", "client__id__exact"),
        ("admin:invoicing_payment_changelist", "invoice__client__id__exact"),
        ("admin:clients_project_changelist", "client__id__exact"),
    ],
)
def test_client_boxes_of_other_lists(admin_client, sub_client, world, url, param):
    url = reverse(url)
    body = admin_client.get(url, {param: world.globex.pk}).content.decode()
    assert f'<option value="{world.globex.pk}" selected>Globex Inc</option>' in body
    assert f"{param}={world.acme.pk}" not in body  # not every client as a link
    # The subcontractor: Globex neither listed nor named, nothing of it shown.
    response = sub_client.get(url, {param: world.globex.pk})
    if "payment" in url:  # the Subcontractors group has no payment permission
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert_no_foreign_data(response)


def test_invoice_currency_filter_offers_the_clients_currencies(admin_client, sub_client, world):
    url = reverse("admin:invoicing_invoice_changelist")
    body = admin_client.get(url).content.decode()
    assert "currency_code=EUR" in body and "currency_code=USD" in body
    assert "currency_code=USD" not in sub_client.get(url).content.decode()  # Globex's
    response = admin_client.get(url, {"currency_code": "USD"})
    assert {i.client for i in response.context["cl"].result_list} == {world.globex}


def test_filter_script_loads_after_jquery_and_the_autocomplete(admin_client, world):
    import re

    body = admin_client.get(URL).content.decode()
    scripts = [src.rsplit("/", 1)[-1] for src in re.findall(r'<script[^>]*src="([^"]+)"', body)]
    ours = scripts.index("autocomplete_filter.js")
    assert scripts.index("jquery.init.js") < ours and scripts.index("autocomplete.js") < ours
