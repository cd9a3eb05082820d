"""Reports (§4.3): SQL sums per client/project/person/day in TIME_ZONE, scoped, CSV-safe."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from reports.views import csv_safe
from tests.factories import ClientFactory, ProjectFactory, StaffUserFactory, TimeEntryFactory
from timetracker.dates import this_month
from tracking.services import rollups_rebuild

pytestmark = pytest.mark.django_db

URL = reverse("reports:index")
RANGE = {"date_from": "2024-03-10", "date_to": "2024-03-11"}
UTC = dt.UTC


def at(day, hour, minute=0):
    return dt.datetime(2024, 3, day, hour, minute, tzinfo=UTC)


def entry(project, user, start, minutes, billable=True):
    return TimeEntryFactory(
        project=project,
        user=user,
        start_time=start,
        end_time=start + dt.timedelta(minutes=minutes),
        billable=billable,
    )


@pytest.fixture
def berlin(settings, db):
    settings.TIME_ZONE = "Europe/Berlin"
    rollups_rebuild()  # what an operator runs after changing TIME_ZONE


@pytest.fixture
def data(berlin, acme, globex):
    acme.default_hourly_rate = Decimal("100.00")
    acme.save()
    globex.default_hourly_rate = Decimal("50.00")
    globex.save()
    ann = StaffUserFactory(username="ann", first_name="Ann", last_name="Lee")
    bob = StaffUserFactory(username="bob", first_name="Bob", last_name="Ray")
    wil = StaffUserFactory(username="wil", first_name="Wilhelmina", last_name="Globexworker")
    p1 = ProjectFactory(client=acme, name="Website", hourly_rate=Decimal("120.00"))
    p2 = ProjectFactory(client=acme, name="Support", hourly_rate=None)
    zorblax = ProjectFactory(client=globex, name="Zorblax Rollout", hourly_rate=None)
    # 23:30 on 10 March in Berlin (22:30 UTC).
    entry(p1, ann, at(10, 22, 30), 60)
    # 00:30 on 11 March in Berlin, still 10 March in UTC.
    entry(p1, bob, at(10, 23, 30), 30)
    entry(p2, ann, at(11, 8), 120, billable=False)
    entry(p2, ann, at(11, 10), 45)
    entry(zorblax, wil, at(11, 9), 60)
    # Outside the range in Berlin time (23:59 on 9 March, 00:00 on 12 March).
    entry(p1, ann, at(9, 22, 59), 60)
    entry(p1, ann, at(11, 23), 60)
    # A running timer counts for nothing.
    TimeEntryFactory(project=p1, user=bob, start_time=at(10, 12), end_time=None)
    return {"ann": ann, "bob": bob, "wil": wil, "p1": p1, "p2": p2, "zorblax": zorblax}


def table(response):
    report = response.context["report"]
    return [[str(cell) for cell in row] for row in [*report.rows, *report.totals]]


def test_days_are_calendar_days_in_time_zone(admin_client, data):
    response = admin_client.get(URL, {**RANGE, "group_by": "day"})
    assert response.status_code == 200
    assert table(response) == [
        ["2024-03-10", "EUR", "1.00", "1.00", "120.00"],
        ["2024-03-11", "EUR", "3.25", "1.25", "135.00"],
        ["2024-03-11", "USD", "1.00", "1.00", "50.00"],
        ["Total", "EUR", "4.25", "2.25", "255.00"],
        ["Total", "USD", "1.00", "1.00", "50.00"],
    ]


def test_by_client(admin_client, data):
    response = admin_client.get(URL, {**RANGE, "group_by": "client"})
    assert table(response) == [
        ["Acme Corp", "EUR", "4.25", "2.25", "255.00"],
        ["Globex Inc", "USD", "1.00", "1.00", "50.00"],
        ["Total", "EUR", "4.25", "2.25", "255.00"],
        ["Total", "USD", "1.00", "1.00", "50.00"],
    ]


def test_by_project_uses_project_rate_else_client_rate(admin_client, data):
    response = admin_client.get(URL, {**RANGE, "group_by": "project"})
    assert table(response)[:3] == [
        ["Acme Corp", "Support", "EUR", "2.75", "0.75", "75.00"],
        ["Acme Corp", "Website", "EUR", "1.50", "1.50", "180.00"],
        ["Globex Inc", "Zorblax Rollout", "USD", "1.00", "1.00", "50.00"],
    ]


def test_by_user_with_filters(admin_client, data):
    response = admin_client.get(URL, {**RANGE, "group_by": "user", "client": data["p1"].client_id})
    assert table(response) == [
        ["Ann Lee", "EUR", "3.75", "1.75", "195.00"],
        ["Bob Ray", "EUR", "0.50", "0.50", "60.00"],
        ["Total", "EUR", "4.25", "2.25", "255.00"],
    ]
    response = admin_client.get(
        URL, {**RANGE, "group_by": "user", "project": data["p1"].pk, "user": data["bob"].pk}
    )
    assert table(response) == [
        ["Bob Ray", "EUR", "0.50", "0.50", "60.00"],
        ["Total", "EUR", "0.50", "0.50", "60.00"],
    ]


def test_csv_equals_the_table(admin_client, data):
    params = {**RANGE, "group_by": "project"}
    html = admin_client.get(URL, params)
    response = admin_client.get(URL, {**params, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Client",
        "Project",
        "Currency",
        "Hours",
        "Billable hours",
        "Billable amount",
    ]
    assert rows[1:] == table(html)


def test_html_table_shows_the_rows(admin_client, data):
    body = admin_client.get(URL, {**RANGE, "group_by": "client"}).content.decode()
    assert "<td>Acme Corp</td>" in body
    # The page formats like the portal: money with its code, hours as h:mm (decimal h).
    assert '<td class="num">255.00\u00a0EUR</td>' in body
    assert '<span class="hours__hm">' not in body  # plain text cells, no markup
    assert " h)</td>" in body
    assert "format=csv" in body


def test_csv_escapes_formulas(admin_client, berlin):
    evil = ClientFactory(name='=HYPERLINK("http://x")', default_hourly_rate=Decimal("10"))
    for name in ("+1", "-2", "@SUM(A1)", "Plain"):
        project = ProjectFactory(client=evil, name=name)
        entry(project, StaffUserFactory(), at(10, 12), 60)
    response = admin_client.get(URL, {**RANGE, "group_by": "project", "format": "csv"})
    cells = [row[:2] for row in csv.reader(io.StringIO(response.content.decode()))][1:5]
    assert cells == [
        ['\'=HYPERLINK("http://x")', "'+1"],
        ['\'=HYPERLINK("http://x")', "'-2"],
        ['\'=HYPERLINK("http://x")', "'@SUM(A1)"],
        ['\'=HYPERLINK("http://x")', "Plain"],
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("a=b", "a=b"), (3, "3")],
)
def test_csv_safe(value, expected):
    assert csv_safe(value) == expected


def test_subcontractor_sees_only_their_scope(client, subcontractor, data):
    client.force_login(subcontractor)
    for group_by in ("client", "project", "user", "day"):
        response = client.get(URL, {**RANGE, "group_by": group_by})
        assert response.status_code == 200
        body = response.content.decode().lower()
        for foreign in ("globex", "zorblax", "wilhelmina", "usd"):
            assert foreign not in body, (group_by, foreign)
    users = response.context["form"].fields["user"].queryset
    assert set(users) == {data["ann"], data["bob"]}
    totals = response.context["report"].totals
    assert [str(c) for c in totals[0]] == ["Total", "EUR", "4.25", "2.25", "255.00"]


def test_subcontractor_sees_only_their_scope_in_whole_months(client, subcontractor, data):
    # March 2024 whole: by client from the client-month rollup, by project from the
    # project months; neither may carry Globex's hours or currency.
    client.force_login(subcontractor)
    for group_by in ("client", "project"):
        response = client.get(
            URL, {"date_from": "2024-03-01", "date_to": "2024-03-31", "group_by": group_by}
        )
        body = response.content.decode().lower()
        for foreign in ("globex", "zorblax", "usd"):
            assert foreign not in body, (group_by, foreign)
        totals = response.context["report"].totals
        # 375 minutes, 255 billable: 210 at 120.00, 45 at the default 100.00.
        assert [str(c) for c in totals[0][-4:]] == ["EUR", "6.25", "4.25", "495.00"]


def test_subcontractor_cannot_filter_on_foreign_ids(client, subcontractor, data):
    client.force_login(subcontractor)
    for params in (
        {"client": data["zorblax"].client_id},
        {"project": data["zorblax"].pk},
        {"user": data["wil"].pk},
    ):
        response = client.get(URL, {**RANGE, **params})
        assert response.status_code == 400
        assert response.context["report"] is None
        assert "zorblax" not in response.content.decode().lower()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2024-13-01"}, "date_from"),
        ({"date_from": "10/03/2024"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"date_to": "9999-12-31"}, "date_to"),
        ({"date_from": "0001-01-01"}, "date_from"),
        ({"date_from": "2024-03-12", "date_to": "2024-03-10"}, "date_to"),
        ({"group_by": "week"}, "group_by"),
        ({"client": "abc"}, "client"),
        ({"project": "99999999999999999999"}, "project"),
        ({"user": "-1"}, "user"),
        ({"format": "xlsx"}, "format"),
    ],
)
def test_bad_parameters_are_form_errors(admin_client, data, params, field):
    response = admin_client.get(URL, params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    if field != "format":
        response = admin_client.get(URL, {**params, "format": "csv"})
        assert response.status_code == 400


def test_defaults_to_this_month_by_client(admin_client, db):
    response = admin_client.get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert (form.cleaned_data["date_from"], form.cleaned_data["date_to"]) == this_month()
    assert form.cleaned_data["group_by"] == "client"


@pytest.mark.parametrize("persona", ["acme_user", None])
def test_only_staff_reach_reports(client, request, persona):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def _more_rows(data, n):
    for i in range(n):
        entry(data["p2"], data["bob"], at(10, 1) + dt.timedelta(minutes=i), 10)
        entry(data["zorblax"], data["wil"], at(11, 1) + dt.timedelta(minutes=i), 10)


# The report page as an admin: session + user (2); validating the chosen client (1); the
# grouped rows and the totals (2); the client, project and person choices of the form (3);
# the header's running timer (1); saving the session (savepoint, update, release: 3).
# The CSV skips choices and header; none of it grows with the number of entries.
@pytest.mark.parametrize("group_by", ["client", "project", "user", "day"])
def test_report_queries_do_not_grow_with_rows(
    admin_client, data, group_by, django_assert_max_num_queries
):
    params = {**RANGE, "group_by": group_by, "client": data["p1"].client_id}
    _more_rows(data, 5)
    with django_assert_max_num_queries(12):
        small = admin_client.get(URL, params)
    _more_rows(data, 40)
    with django_assert_max_num_queries(12):
        big = admin_client.get(URL, params)
    with django_assert_max_num_queries(8):
        csv_response = admin_client.get(URL, {**params, "format": "csv"})
    # A refused form or an empty table would also stay under budget: check the work was done.
    assert small.status_code == big.status_code == csv_response.status_code == 200
    assert small.context["report"].rows
    assert table(big) != table(small)
    assert csv_response["Content-Type"].startswith("text/csv")


# A subcontractor adds their permissions for the admin's app list (user + group, 2) and one
# read of their assigned clients per scoped queryset (rows, totals, 3 choices: 5).
def test_subcontractor_report_queries_are_fixed(
    client, subcontractor, data, django_assert_max_num_queries
):
    client.force_login(subcontractor)
    _more_rows(data, 30)
    with django_assert_max_num_queries(18):
        response = client.get(URL, {**RANGE, "group_by": "user"})
    assert response.status_code == 200
    assert response.context["report"].rows


# --- By person from the (person, project, month) rollup (reports.report._by_person) --------


@pytest.mark.parametrize(
    ("date_from", "date_to", "months", "edges"),
    [
        # A calendar year: whole months only, no entry read.
        ("2024-01-01", "2024-12-31", ("2024-01-01", "2024-12-01"), []),
        # Inside one month: all entries.
        ("2024-03-10", "2024-03-11", None, [("2024-03-10", "2024-03-11")]),
        ("2024-02-01", "2024-02-28", None, [("2024-02-01", "2024-02-28")]),  # not its last day
        ("2024-02-01", "2024-02-29", ("2024-02-01", "2024-02-01"), []),
        # Both ends partial.
        (
            "2024-01-15",
            "2024-04-10",
            ("2024-02-01", "2024-03-01"),
            [("2024-01-15", "2024-01-31"), ("2024-04-01", "2024-04-10")],
        ),
        # Across a year end, and two partial months with no whole one between.
        ("2023-12-31", "2024-01-31", ("2024-01-01", "2024-01-01"), [("2023-12-31", "2023-12-31")]),
        ("2024-01-20", "2024-02-10", None, [("2024-01-20", "2024-02-10")]),
    ],
)
def test_month_split_covers_the_range_once(date_from, date_to, months, edges):
    from reports.report import month_split

    day = dt.date.fromisoformat
    expected_months = None if months is None else tuple(map(day, months))
    expected_edges = [tuple(map(day, edge)) for edge in edges]
    assert month_split(day(date_from), day(date_to)) == (expected_months, expected_edges)


@pytest.fixture
def months_data(berlin, acme, globex):
    """Entries around month ends in Berlin, on projects with and without rates, in two
    currencies, by three people."""
    acme.default_hourly_rate = Decimal("100.00")
    acme.save()
    globex.currency_code = "USD"
    globex.default_hourly_rate = Decimal("33.33")
    globex.save()
    people = [
        StaffUserFactory(username="cy", first_name="Cy", last_name="Ames"),
        StaffUserFactory(username="al", first_name="", last_name=""),
        StaffUserFactory(username="bo", first_name="Bo", last_name="Zed"),
    ]
    projects = [
        ProjectFactory(client=acme, hourly_rate=Decimal("120.00")),
        ProjectFactory(client=acme, hourly_rate=None),
        ProjectFactory(client=globex, hourly_rate=None),
    ]
    # 23:30 UTC on a month's last day is the next month's first day in Berlin (either DST).
    starts = []
    for month in range(1, 13):
        last = (dt.date(2024, month, 1) + dt.timedelta(days=32)).replace(day=1)
        last -= dt.timedelta(days=1)
        starts += [
            dt.datetime.combine(last, dt.time(23, 30), tzinfo=UTC),
            dt.datetime(2024, month, 15, 9, tzinfo=UTC),
        ]
    for n, start in enumerate(starts):
        entry(projects[n % 3], people[n % 3], start, 17 + n, billable=n % 4 != 0)
        entry(projects[(n + 1) % 3], people[(n + 2) % 3], start, 29, billable=True)
    running = people[0]
    TimeEntryFactory(project=projects[0], user=running, start_time=starts[3], end_time=None)
    return {"people": people, "projects": projects}


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [
        ("2024-01-01", "2024-12-31"),
        ("2024-02-01", "2024-02-29"),
        ("2024-01-31", "2024-04-01"),
        ("2024-03-01", "2024-03-31"),
        ("2024-10-27", "2024-11-01"),
        ("2023-12-01", "2025-01-01"),
    ],
)
@pytest.mark.parametrize("group_by", ["user", "client", "project", "day"])
def test_report_from_rollups_equals_the_entries(
    admin_user, months_data, acme, date_from, date_to, group_by
):
    """Every grouping read from the rollups (months, edge days) gives what the entries give."""
    from reports.report import _from_entries, report_build

    people, projects = months_data["people"], months_data["projects"]
    day = dt.date.fromisoformat
    filters = [
        {},
        {"client": acme},
        {"project": projects[1]},
        {"person": people[1]},
        {"client": acme, "person": people[2]},
    ]
    for extra in filters:
        arguments = {"client": None, "project": None, "person": None, **extra}
        arguments |= {"user": admin_user, "date_from": day(date_from), "date_to": day(date_to)}
        rolled = report_build(group_by=group_by, **arguments)
        raw = _from_entries(group_by=group_by, **arguments)
        assert rolled.rows == raw.rows, extra
        assert rolled.totals == raw.totals, extra
        assert rolled.row_seconds == raw.row_seconds, extra
        assert rolled.rows or extra, extra  # the unfiltered report has rows


def test_a_calendar_year_by_person_reads_no_entry(admin_user, months_data):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.report import GroupBy, _from_entries, report_build

    arguments = {"user": admin_user, "date_from": dt.date(2024, 1, 1)}
    arguments |= {"date_to": dt.date(2024, 12, 31), "group_by": GroupBy.USER}
    with CaptureQueriesContext(connection) as queries:
        report = report_build(**arguments)
    raw = _from_entries(client=None, project=None, person=None, **arguments)
    assert report.rows == raw.rows
    assert {row[1] for row in report.rows} == {"EUR", "USD"}
    # The month rollup and the people's names; no time entry.
    assert len(queries) == 2
    assert not any("tracking_timeentry" in query["sql"] for query in queries.captured_queries)


@pytest.mark.parametrize(
    ("group_by", "months", "labels"),
    [
        ("client", "tracking_client_month", "clients_client"),
        ("project", "tracking_project_month", "clients_project"),
    ],
)
def test_a_calendar_year_by_client_or_project_reads_months_only(
    admin_user, months_data, group_by, months, labels
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.report import _from_entries, report_build

    arguments = {"user": admin_user, "date_from": dt.date(2024, 1, 1)}
    arguments |= {"date_to": dt.date(2024, 12, 31), "group_by": group_by}
    with CaptureQueriesContext(connection) as queries:
        report = report_build(**arguments)
    assert report.rows == _from_entries(client=None, project=None, person=None, **arguments).rows
    # The client-month (a row per client) or project-month rollup, then the labels in
    # order; no day rollup, no person-month rollup (a row per person), no time entry.
    sqls = [query["sql"] for query in queries.captured_queries]
    assert len(sqls) == 2
    assert f'"{months}"' in sqls[0] and labels in sqls[1]
    assert "tracking_project_month" not in sqls[0] or group_by == "project"
    assert not any("tracking_user_project_month" in sql for sql in sqls)
    assert not any("tracking_timeentry" in sql or "tracking_project_day" in sql for sql in sqls)


def test_edge_days_come_from_the_day_rollup(admin_user, months_data):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.report import _from_entries, report_build

    arguments = {"user": admin_user, "date_from": dt.date(2024, 1, 15)}
    arguments |= {"date_to": dt.date(2024, 3, 15), "group_by": "client"}
    with CaptureQueriesContext(connection) as queries:
        report = report_build(**arguments)
    assert report.rows == _from_entries(client=None, project=None, person=None, **arguments).rows
    sqls = [query["sql"] for query in queries.captured_queries]
    assert len(sqls) == 3  # February's month row, both edges in one day-rollup query, labels
    assert not any("tracking_timeentry" in sql for sql in sqls)


# --- Filters as autocomplete boxes (thousands of clients, projects and people at XL) ------

PEOPLE = reverse("reports:people")


def _options(response, name):
    import re

    html = response.content.decode()
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return select, re.findall(r'<option value="(\d*)"', select)


@pytest.mark.parametrize("persona", ["admin_user", "subcontractor"])
def test_filters_render_only_the_chosen_value(client, request, data, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL, {**RANGE, "project": data["p2"].pk, "user": data["bob"].pk})
    assert response.status_code == 200
    select, options = _options(response, "project")
    assert "admin-autocomplete" in select
    assert options == ["", str(data["p2"].pk)] and "Support" in select
    assert "Website" not in select  # another project: asked for when typed, not listed
    select, options = _options(response, "user")
    assert (
        options == ["", str(data["bob"].pk)] and 'data-ajax--url="/admin/reports/people/"' in select
    )
    assert "Ann" not in select
    assert "admin/js/autocomplete.js" in response.content.decode()


def test_people_search_is_scoped_and_paged(client, subcontractor, data):
    client.force_login(subcontractor)
    body = client.get(PEOPLE).json()
    assert [row["text"] for row in body["results"]] == ["Ann Lee", "Bob Ray"]
    assert body["pagination"] == {"more": False}
    # Wilhelmina only worked for Globex: never named to Acme's subcontractor.
    assert client.get(PEOPLE, {"term": "wilhel"}).json()["results"] == []
    assert [r["id"] for r in client.get(PEOPLE, {"term": "ray b"}).json()["results"]] == [
        str(data["bob"].pk)
    ]
    for page in ("0", "-3", "x", "99999999999999999999"):
        assert client.get(PEOPLE, {"page": page, "term": "\x00"}).status_code == 200


def test_people_search_pages_by_twenty(admin_client, data):
    for n in range(25):
        person = StaffUserFactory(username=f"p{n:02d}", first_name="Zed", last_name=f"{n:02d}")
        entry(data["p1"], person, at(12, 9), 10)
    first = admin_client.get(PEOPLE, {"term": "zed"}).json()
    second = admin_client.get(PEOPLE, {"term": "zed", "page": 2}).json()
    assert len(first["results"]) == 20 and first["pagination"] == {"more": True}
    assert len(second["results"]) == 5 and second["pagination"] == {"more": False}
    assert [r["text"] for r in first["results"]][:2] == ["Zed 00", "Zed 01"]


@pytest.mark.parametrize("persona", ["acme_user", None])
def test_people_search_is_for_staff_only(client, request, persona, data):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(PEOPLE)
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
