"""Lists: filters with the portal's semantics, newest first, pagination, pinned query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from invoicing.models import Invoice
from reports.report import report_build
from tests.factories import InvoiceFactory, ProjectFactory, StaffUserFactory, TimeEntryFactory
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db


def bulk_entries(project, count, *, start, user, same_start_every=1):
    """``count`` finished entries, newest last; ``same_start_every`` > 1 repeats start times."""
    rows = []
    for n in range(count):
        begin = start + dt.timedelta(minutes=45 * (n // same_start_every))
        rows.append(
            TimeEntry(
                project=project,
                user=user,
                start_time=begin,
                end_time=begin + dt.timedelta(minutes=30),
                duration_seconds=1800,
                notes=f"Work item {n}",
            )
        )
    return TimeEntry.objects.bulk_create(rows)


@pytest.mark.parametrize("same_start_every", [1, 3])
def test_cursor_pagination_walks_every_entry_once_newest_first(
    api, subcontractor, acme, same_start_every
):
    project = ProjectFactory(client=acme)
    start = timezone.now() - dt.timedelta(days=30)
    entries = bulk_entries(
        project, 130, start=start, user=subcontractor, same_start_every=same_start_every
    )
    client = api(subcontractor)
    url, seen, pages = "/api/v1/time-entries/?page_size=25", [], 0
    while url:
        body = client.get(url).json()
        assert "count" not in body  # a cursor page never counts the table
        seen.extend(row["id"] for row in body["results"])
        url, pages = body["next"], pages + 1
    assert pages == 6
    assert len(seen) == len(set(seen)) == 130
    expected = list(
        TimeEntry.objects.filter(pk__in=[e.pk for e in entries])
        .order_by("-start_time", "-id")
        .values_list("pk", flat=True)
    )
    assert seen == expected


def test_page_size_is_capped_at_200(api, subcontractor, acme):
    project = ProjectFactory(client=acme)
    bulk_entries(project, 210, start=timezone.now() - dt.timedelta(days=30), user=subcontractor)
    client = api(subcontractor)
    assert len(client.get("/api/v1/time-entries/?page_size=500").json()["results"]) == 200
    assert len(client.get("/api/v1/time-entries/").json()["results"]) == 50


def test_other_lists_page_by_number(api, staff_user):
    ProjectFactory.create_batch(7)
    body = api(staff_user).get("/api/v1/projects/?page_size=5&page=2").json()
    assert body["count"] == 7 and len(body["results"]) == 2 and body["previous"]
    assert api(staff_user).get("/api/v1/projects/?page=9").status_code == 404


@override_settings(TIME_ZONE="Europe/Berlin")
def test_date_filters_are_inclusive_local_days(api, subcontractor, acme):
    project = ProjectFactory(client=acme)
    # 23:30 UTC on Jan 4 is Jan 5 in Berlin.
    late = TimeEntryFactory(
        user=subcontractor,
        project=project,
        start_time=dt.datetime(2026, 1, 4, 23, 30, tzinfo=dt.UTC),
        end_time=dt.datetime(2026, 1, 5, 0, 30, tzinfo=dt.UTC),
    )
    TimeEntryFactory(
        user=subcontractor,
        project=project,
        start_time=dt.datetime(2026, 1, 4, 22, 30, tzinfo=dt.UTC),
        end_time=dt.datetime(2026, 1, 4, 22, 45, tzinfo=dt.UTC),
    )
    client = api(subcontractor)
    body = client.get("/api/v1/time-entries/?date_from=2026-01-05&date_to=2026-01-05").json()
    assert [row["id"] for row in body["results"]] == [late.pk]
    response = client.get("/api/v1/time-entries/?date_from=2026-01-06&date_to=2026-01-05")
    assert response.status_code == 400
    assert "date_to" in response.json()
    response = client.get("/api/v1/time-entries/?date_from=05.01.2026")
    assert response.status_code == 400 and "date_from" in response.json()


def test_time_entry_filters(api, staff_user, acme, globex):
    a, b = ProjectFactory(client=acme), ProjectFactory(client=globex)
    worker = StaffUserFactory()
    e1 = TimeEntryFactory(project=a, user=worker, billable=False)
    e2 = TimeEntryFactory(project=b, user=staff_user)
    client = api(staff_user)

    def ids(query):
        response = client.get(f"/api/v1/time-entries/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(f"project={a.pk}") == {e1.pk}
    assert ids(f"client={globex.pk}") == {e2.pk}
    assert ids(f"user={worker.pk}") == {e1.pk}
    assert ids("billable=false") == {e1.pk}
    assert ids("billable=true") == {e2.pk}


def test_client_users_see_only_finished_entries(api, acme_user, world):
    ids = {row["id"] for row in api(acme_user).get("/api/v1/time-entries/").json()["results"]}
    assert ids == {world.own.pk, world.other.pk}
    assert api(acme_user).get(f"/api/v1/time-entries/{world.running.pk}/").status_code == 404


def test_invoice_status_filter(api, staff_user, acme_user, acme):
    today = timezone.localdate()
    paid = InvoiceFactory(client=acme, status="paid", amount_paid=Decimal("1000.00"))
    unpaid = InvoiceFactory(client=acme, status="sent", due_date=today + dt.timedelta(days=5))
    overdue = InvoiceFactory(
        client=acme,
        status="sent",
        issue_date=today - dt.timedelta(days=40),
        due_date=today - dt.timedelta(days=3),
    )
    cancelled = InvoiceFactory(client=acme, status="cancelled")
    draft = InvoiceFactory(client=acme, status="draft")

    def ids(user, status):
        response = api(user).get(f"/api/v1/invoices/?status={status}")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(acme_user, "all") == {paid.pk, unpaid.pk, overdue.pk, cancelled.pk}
    assert ids(staff_user, "all") == {paid.pk, unpaid.pk, overdue.pk, cancelled.pk, draft.pk}
    assert ids(acme_user, "paid") == {paid.pk}
    assert ids(acme_user, "unpaid") == {unpaid.pk, overdue.pk}
    assert ids(acme_user, "overdue") == {overdue.pk}
    body = api(acme_user).get("/api/v1/invoices/?status=overdue").json()["results"][0]
    assert body["days_overdue"] == 3 and body["display_status"] == "overdue"
    assert body["amount_due"] == "1000.00" and body["currency"] == "EUR"
    response = api(acme_user).get("/api/v1/invoices/?status=bogus")
    assert response.status_code == 400 and "status" in response.json()


def test_invoice_detail_has_items_and_payments(api, acme_user, world):
    body = api(acme_user).get(f"/api/v1/invoices/{world.acme_invoice.pk}/").json()
    assert [item["description"] for item in body["items"]] == ["acme: design work"]
    assert [p["reference"] for p in body["payments"]] == ["acme-transfer"]
    assert body["payments"][0]["amount"] == "100.00"


def test_projects_filter_by_status_and_show_no_rates(api, acme_user, world):
    body = api(acme_user).get("/api/v1/projects/?status=archived").json()
    assert [row["id"] for row in body["results"]] == [world.acme_old.pk]
    assert "hourly_rate" not in body["results"][0]
    # Budgets follow the client's visibility policy, off by default (§10).
    assert body["results"][0]["budget_hours"] is None
    assert api(acme_user).get("/api/v1/projects/?status=bogus").status_code == 400


def test_reports_match_the_admin_report(api, subcontractor, world):
    today = timezone.localdate()
    first = today.replace(day=1)
    since = first - dt.timedelta(days=40)
    response = api(subcontractor).get(
        "/api/v1/reports/", {"group_by": "project", "date_from": since, "date_to": today}
    )
    assert response.status_code == 200
    body = response.json()
    report = report_build(
        user=subcontractor,
        date_from=first - dt.timedelta(days=40),
        date_to=today,
        group_by="project",
    )
    assert [
        [
            r["client"],
            r["project"],
            r["currency"],
            r["hours"],
            r["billable_hours"],
            r["billable_amount"],
        ]
        for r in body["rows"]
    ] == [[str(c) for c in row] for row in report.rows]
    assert [t["billable_amount"] for t in body["totals"]] == [str(row[-1]) for row in report.totals]


@pytest.mark.parametrize("group_by", ["client", "project", "user", "day"])
def test_report_body_is_what_the_report_serializer_gives(api, admin_user, world, group_by):
    """The API builds the report's JSON without DRF's serializer (for speed): the same
    output as ``ReportSerializer`` over the same report, and the totals the rows add up to."""
    from api.serializers import ReportSerializer
    from api.views import REPORT_LABELS

    today = timezone.localdate()
    since = today - dt.timedelta(days=70)
    TimeEntryFactory(  # hours ≠ billable hours in Acme's rows
        project=world.acme_project,
        billable=False,
        start_time=timezone.now() - dt.timedelta(days=3, hours=2),
        end_time=timezone.now() - dt.timedelta(days=3),
    )
    params = {"group_by": group_by, "date_from": since, "date_to": today}
    body = api(admin_user).get("/api/v1/reports/", params).json()
    report = report_build(user=admin_user, date_from=since, date_to=today, group_by=group_by)
    labels = REPORT_LABELS[group_by]
    figures = ("currency", "hours", "billable_hours", "billable_amount")
    expected = ReportSerializer(
        {
            "date_from": since,
            "date_to": today,
            "group_by": group_by,
            "rows": [dict(zip((*labels, *figures), row, strict=True)) for row in report.rows],
            "totals": [
                dict(zip(figures, row[len(labels) :], strict=True)) for row in report.totals
            ],
        }
    ).data
    assert body == expected
    assert len(body["rows"]) >= 2
    for total in body["totals"]:
        rows = [row for row in body["rows"] if row["currency"] == total["currency"]]
        for name in ("hours", "billable_hours"):
            # Rounded per row and per total: within a cent per row.
            assert abs(sum(Decimal(r[name]) for r in rows) - Decimal(total[name])) <= Decimal(
                "0.01"
            ) * len(rows)


def test_report_filters_outside_scope_are_400(api, subcontractor, world):
    response = api(subcontractor).get(f"/api/v1/reports/?client={world.globex.pk}")
    assert response.status_code == 400 and "client" in response.json()


def many_rows(acme, subcontractor, n):
    project = ProjectFactory(client=acme)
    long_ago = timezone.localdate() - dt.timedelta(days=90)
    for _ in range(n):
        ProjectFactory(client=acme)
        InvoiceFactory(client=acme)
        InvoiceFactory(client=acme, issue_date=long_ago, due_date=long_ago)  # overdue
    bulk_entries(project, n * 10, start=timezone.now() - dt.timedelta(days=60), user=subcontractor)


# One query for the token; then per list: [count,] rows (+ prefetches on a detail).
LIST_QUERIES = [
    ("/api/v1/me/", 2),  # token (+ user + client, one join), assignments (scope)
    ("/api/v1/clients/", 4),  # token, assignments, count, rows
    ("/api/v1/projects/", 4),  # token, assignments (scope), count, rows
    ("/api/v1/projects/?status=active", 4),
    ("/api/v1/time-entries/", 3),  # token, assignments, rows with user and project joined
    ("/api/v1/time-entries/?date_from=2020-01-01&date_to=2030-01-01", 3),
    ("/api/v1/invoices/", 4),  # token, assignments, count, rows
    ("/api/v1/invoices/?status=overdue", 4),
    ("/api/v1/reports/", 3),  # token, assignments, this month's rows (none: no labels query)
    # token, assignments, month rollup, labels (totals are the rows added up)
    ("/api/v1/reports/?date_from=2020-01-01&date_to=2030-12-31", 4),
    # ... and the edge days from the day rollup
    ("/api/v1/reports/?date_from=2020-01-15&date_to=2030-12-15&group_by=project", 5),
    ("/api/v1/reports/?date_from=2020-01-15&date_to=2030-12-15&group_by=day", 3),
    ("/api/v1/timer/", 3),  # token, assignments, running entry
]


@pytest.mark.parametrize(("url", "queries"), LIST_QUERIES)
def test_query_counts_are_pinned_with_many_rows(
    api, subcontractor, acme, url, queries, django_assert_num_queries
):
    client = api(subcontractor)
    client.get("/api/v1/me/")  # the token's first use writes last_used_at: not counted
    many_rows(acme, subcontractor, 5)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    many_rows(acme, subcontractor, 25)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_invoice_detail_query_count(api, acme_user, world, django_assert_num_queries):
    client = api(acme_user)
    client.get("/api/v1/me/")
    with django_assert_num_queries(4):  # token, invoice, items, payments
        assert client.get(f"/api/v1/invoices/{world.acme_invoice.pk}/").status_code == 200


def test_invoice_overdue_list_query_count_for_client_users(
    api, acme_user, acme, django_assert_num_queries
):
    client = api(acme_user)
    client.get("/api/v1/me/")
    long_ago = timezone.localdate() - dt.timedelta(days=90)
    InvoiceFactory.create_batch(
        30, client=acme, status=Invoice.Status.SENT, issue_date=long_ago, due_date=long_ago
    )
    with django_assert_num_queries(3):  # token, count, rows: the portal scope needs no lookup
        assert client.get("/api/v1/invoices/?status=overdue").status_code == 200
