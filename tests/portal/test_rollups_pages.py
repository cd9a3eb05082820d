"""Portal figures come from the hour rollups: the same query counts at two data sizes, the
same figures as the raw rows, and deep pages found by walking per-day counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from invoicing.models import Invoice
from tests.factories import ProjectFactory, RawInvoiceFactory, StaffUserFactory
from tests.portal.conftest import bulk_entries
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db

BASELINE = 1  # user + client (cached_db: the session comes from the cache)


def seed(acme, globex, *, projects, per_project):
    made = [ProjectFactory(client=acme) for _ in range(projects)]
    start = timezone.now() - dt.timedelta(days=90)
    for n, project in enumerate(made):
        # One entry every 45 minutes: many rows on many local days.
        bulk_entries(project, per_project, start=start + dt.timedelta(hours=n))
    bulk_entries(ProjectFactory(client=globex), 20, start=start)
    return made


@pytest.fixture(params=[(3, 20), (6, 150)], ids=["small", "large"])
def data(request, acme, globex):
    projects, per_project = request.param
    return seed(acme, globex, projects=projects, per_project=per_project)


def test_dashboard_query_count_is_the_same_at_both_sizes(
    acme_client, data, django_assert_num_queries
):
    # 1. seconds overall, this month and per chart week from the client-day rollup;
    # 2. five active projects with their count; 3. invoice balances; 4. recent entries;
    # 5. recent invoices.
    with django_assert_num_queries(BASELINE + 5):
        response = acme_client.get(reverse("portal:dashboard"))
    total = sum(
        TimeEntry.objects.filter(project__in=data).values_list("duration_seconds", flat=True)
    )
    assert response.context["seconds_all_time"] == total


def test_projects_query_count_is_the_same_at_both_sizes(
    acme_client, data, django_assert_num_queries
):
    # 1. the count (paginator); 2. the page of projects with their rollup figures.
    with django_assert_num_queries(BASELINE + 2):
        response = acme_client.get(reverse("portal:projects"))
    for project in response.context["projects"]:
        entries = TimeEntry.objects.filter(project=project)
        assert project.total_seconds == sum(e.duration_seconds for e in entries)
        assert project.last_entry_at == max(e.start_time for e in entries)


@pytest.mark.parametrize("page", ["1", "last"])
def test_time_entries_query_count_is_the_same_at_both_sizes(
    acme_client, data, django_assert_num_queries, page
):
    count = TimeEntry.objects.filter(project__in=data).count()
    if page == "last":
        page = str(-(-count // 50))
    # 1. projects; 2. totals from the rollup; 3. the day walk; 4. the page's rows.
    with django_assert_num_queries(BASELINE + 4):
        response = acme_client.get(reverse("portal:time_entries"), {"page": page})
    assert response.context["totals"]["count"] == count


def _ids(response):
    return [entry.pk for entry in response.context["entries"]]


@pytest.mark.parametrize("filtered", [False, True])
def test_pages_by_day_walk_equal_the_offset_pages(acme_client, acme, globex, filtered):
    projects = seed(acme, globex, projects=4, per_project=90)
    params = {}
    entries = TimeEntry.objects.filter(project__in=projects)
    if filtered:
        day = timezone.localdate(entries.order_by("start_time")[40].start_time)
        params = {"project_id": projects[1].pk, "date_from": day.isoformat()}
        entries = entries.filter(project=projects[1]).started_between(date_from=day)
    expected = list(entries.order_by("-start_time", "-id").values_list("pk", flat=True))
    pages = -(-len(expected) // 50)
    got = []
    for number in range(1, pages + 1):
        got += _ids(acme_client.get(reverse("portal:time_entries"), {**params, "page": number}))
    assert got == expected
    beyond = acme_client.get(reverse("portal:time_entries"), {**params, "page": pages + 1})
    assert beyond.status_code == 404


def test_running_entries_are_neither_listed_nor_counted(acme_client, acme):
    project = ProjectFactory(client=acme)
    bulk_entries(project, 3, start=timezone.now() - dt.timedelta(days=1))
    TimeEntry.objects.create(
        project=project, user=project.time_entries.first().user, start_time=timezone.now()
    )
    response = acme_client.get(reverse("portal:time_entries"))
    assert response.context["totals"]["count"] == 3
    assert len(_ids(response)) == 3


def _dense_days(acme, globex):
    """~700 of Acme's entries on three local days, many starting at the same second (ties
    broken by id), Globex's rows and a running timer interleaved on the same days."""
    projects = [ProjectFactory(client=acme) for _ in range(3)]
    noon = timezone.localtime(timezone.now() - dt.timedelta(days=3)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    user = StaffUserFactory()
    rows = []
    for n in range(700):
        # Every four entries share a start (ties broken by id), on three days.
        start = noon - dt.timedelta(days=n % 3, seconds=(n // 4) * 30)
        rows.append(
            TimeEntry(
                project=projects[n % 3],
                user=user,
                start_time=start,
                end_time=start + dt.timedelta(minutes=20),
                duration_seconds=1200,
            )
        )
    TimeEntry.objects.bulk_create(rows)
    bulk_entries(ProjectFactory(client=globex), 60, start=noon - dt.timedelta(days=2, hours=6))
    TimeEntry.objects.create(project=projects[0], user=StaffUserFactory(), start_time=noon)
    return projects


@pytest.mark.parametrize("filtered", ["none", "project", "dates"])
def test_dense_days_pages_equal_plain_offset_pages(acme_client, acme, globex, filtered):
    """Hundreds of entries a day: a page starts deep inside a day, at a tie of start times;
    every page holds exactly the rows plain ``OFFSET`` pagination gives."""
    projects = _dense_days(acme, globex)
    entries = TimeEntry.objects.for_client(acme).finished()
    params = {}
    if filtered == "project":
        params = {"project_id": projects[1].pk}
        entries = entries.filter(project=projects[1])
    elif filtered == "dates":
        day = timezone.localdate(entries.order_by("-start_time")[0].start_time)
        params = {"date_to": (day - dt.timedelta(days=1)).isoformat()}
        entries = entries.started_between(date_to=day - dt.timedelta(days=1))
    ordered = entries.order_by("-start_time", "-id").values_list("pk", flat=True)
    count = entries.count()
    assert count > 200
    pages = -(-count // 50)
    for number in range(1, pages + 1):
        response = acme_client.get(reverse("portal:time_entries"), {**params, "page": number})
        offset = list(ordered[(number - 1) * 50 : number * 50])
        assert _ids(response) == offset, number
    beyond = acme_client.get(reverse("portal:time_entries"), {**params, "page": pages + 1})
    assert beyond.status_code == 404


@pytest.mark.parametrize("invoices", [3, 60], ids=["small", "large"])
@pytest.mark.parametrize("status", ["all", "paid", "overdue"])
def test_invoice_list_query_count_is_the_same_at_both_sizes(
    acme_client, acme, globex, django_assert_num_queries, invoices, status
):
    day = timezone.localdate()
    for n in range(invoices):
        state = ["paid", "sent", "cancelled"][n % 3]
        due = day - dt.timedelta(days=2 - n % 5)  # some overdue, some not yet due
        RawInvoiceFactory(
            client=acme,
            status=state,
            issue_date=due - dt.timedelta(days=30),
            due_date=due,
            total_amount=100,
            amount_paid=100 if state == "paid" else 0,
        )
    RawInvoiceFactory.create_batch(5, client=globex, status="paid")
    mine = Invoice.objects.for_client(acme).portal_visible()
    # 1. total and paid from the per-status counts; 2. unpaid and overdue among the sent
    # invoices; 3. the page.
    with django_assert_num_queries(BASELINE + 3):
        response = acme_client.get(reverse("portal:invoices"), {"status": status})
    tabs = {tab["value"]: tab["count"] for tab in response.context["tabs"]}
    assert tabs == {
        "all": mine.count(),
        "paid": mine.paid().count(),
        "unpaid": mine.unpaid().count(),
        "overdue": mine.overdue(on=day).count(),
    }
    assert response.context["paginator"].count == tabs[status]
