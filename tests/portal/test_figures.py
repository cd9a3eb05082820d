"""Leak checks by figure (issue 9): every total, count and amount a client sees equals the
value computed in the test from that client's own rows, never from the page's own queries.

A rival client in the same currency has rows on every figure's path, so a rival amount summed
into a total changes the number even though no rival string appears (a string crawl passes).
Figures are read from the rendered HTML by their ``data-figure`` attribute and compared
with the expected value formatted as the page formats it; the CSV and the API are read as
data. Expected values are ORM aggregates over ``TimeEntry`` / ``Invoice`` rows filtered by
the client in this file, not the rollups or QuerySet methods the pages use.
"""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db.models import Count, F, Max, Q, Sum
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_create
from clients.models import Project
from invoicing.models import Invoice, InvoiceItem
from tests.factories import (
    ClientFactory,
    InvoiceFactory,
    PaymentFactory,
    ProjectFactory,
    StaffUserFactory,
    TimeEntryFactory,
)
from timetracker.dates import local_day_bounds, this_month, today, week_start
from timetracker.formatting import local_date, local_duration, local_money, round_money
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db

VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area"}


class _Figures(HTMLParser):
    """The text of every element with a ``data-figure``, in document order."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._open: list[list] = []  # [name, depth, parts]

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        for capture in self._open:
            capture[1] += 1
        name = dict(attrs).get("data-figure")
        if name:
            self._open.append([name, 1, []])

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        for capture in self._open:
            capture[1] -= 1
        while self._open and self._open[-1][1] == 0:
            name, _depth, parts = self._open.pop()
            self.found.append((name, _text("".join(parts))))

    def handle_data(self, data):
        for capture in self._open:
            capture[2].append(data)


def _text(value: str) -> str:
    return " ".join(value.replace("\xa0", " ").split())


def figures(response) -> dict[str, list[str]]:
    """``{name: [text, ...]}`` of a page's ``data-figure`` elements."""
    assert response.status_code == 200
    parser = _Figures()
    parser.feed(response.content.decode())
    found: dict[str, list[str]] = {}
    for name, text in parser.found:
        found.setdefault(name, []).append(text)
    return found


def hours(seconds) -> str:
    return _text(local_duration(int(seconds or 0)))


def money(amount, currency="EUR") -> str:
    return _text(local_money(amount, currency))


def leading_number(texts: list[str]) -> list[int]:
    return [int(re.match(r"\d+", text).group()) for text in texts]


# --- the books: the same shape for both clients, different figures ---------------------------


def _books(client, *, scale: int, worker) -> None:
    """Active, inactive and archived projects; entries this week, this month, in earlier chart
    weeks and long ago (billable or not, one running); invoices in every state, one with tax,
    one billing some entries. ``scale`` makes every figure differ between clients."""
    now = timezone.now()
    website = ProjectFactory(client=client, name="Website")
    app = ProjectFactory(client=client, name="App")
    old = ProjectFactory(client=client, name="Old site", status=Project.Status.ARCHIVED)
    ProjectFactory(client=client, name="Paused", status=Project.Status.INACTIVE)
    entries = []
    for n, (project, days_ago, billable) in enumerate(
        [
            (website, 0, True),
            (website, 1, False),
            (app, 2, True),
            (website, 9, True),
            (app, 20, True),
            (app, 45, False),
            (website, 70, True),
            (old, 400, True),
        ]
    ):
        start = now - dt.timedelta(days=days_ago, hours=2 + n)
        minutes = 7 * scale + 11 * n  # whole minutes: every figure differs per client
        entries.append(
            TimeEntryFactory(
                project=project,
                user=worker,
                start_time=start,
                end_time=start + dt.timedelta(minutes=minutes),
                billable=billable,
            )
        )
    TimeEntryFactory(
        project=app,
        start_time=now - dt.timedelta(minutes=5),
        end_time=None,  # running
    )

    day = today()
    InvoiceFactory(  # overdue, part paid
        client=client,
        issue_date=day - dt.timedelta(days=60),
        due_date=day - dt.timedelta(days=30),
        items=[{"unit_price": 100 * scale, "time_entries": [entries[3]]}],
        amount_paid=Decimal(scale),
    )
    InvoiceFactory(  # unpaid, not due yet, with tax
        client=client,
        issue_date=day - dt.timedelta(days=5),
        due_date=day + dt.timedelta(days=25),
        tax_rate=Decimal("19"),
        items=[{"unit_price": 10 * scale}, {"quantity": 2, "unit_price": Decimal("3.33") * scale}],
    )
    paid = InvoiceFactory(
        client=client,
        status=Invoice.Status.PAID,
        issue_date=day - dt.timedelta(days=20),
        items=[{"unit_price": 7 * scale, "time_entries": [entries[4]]}],
    )
    PaymentFactory(
        invoice=InvoiceFactory(client=client, issue_date=day - dt.timedelta(days=3)),
        amount=Decimal(5 * scale),
    )
    InvoiceFactory(
        client=client, status=Invoice.Status.CANCELLED, issue_date=day - dt.timedelta(days=1)
    )
    # A draft bills an entry: not invoiced yet, and never shown.
    InvoiceFactory(
        client=client, status=Invoice.Status.DRAFT, items=[{"time_entries": [entries[0]]}]
    )
    assert paid.status == Invoice.Status.PAID


@pytest.fixture
def books(acme, acme_user, subcontractor):
    worker = StaffUserFactory(first_name="Sam", last_name="Worker")
    rival = ClientFactory(name="Rival GmbH", currency_code=acme.currency_code)
    _books(rival, scale=5, worker=worker)
    _books(acme, scale=2, worker=worker)
    return acme


@pytest.fixture
def portal(client, acme_user):
    client.force_login(acme_user)
    return client


# --- what the client's own rows say ---------------------------------------------------------


def own_entries(acme, **filters):
    return TimeEntry.objects.filter(project__client=acme, end_time__isnull=False, **filters)


def seconds(entries) -> int:
    return entries.aggregate(s=Sum("duration_seconds"))["s"] or 0


def between(first: dt.date, last: dt.date) -> Q:
    return Q(start_time__gte=local_day_bounds(first)[0], start_time__lt=local_day_bounds(last)[1])


def own_invoices(acme):
    return Invoice.objects.filter(client=acme).exclude(status=Invoice.Status.DRAFT)


def due_of(invoices) -> dict:
    return invoices.aggregate(due=Sum(F("total_amount") - F("amount_paid")), count=Count("pk"))


def own_projects(acme):
    return Project.objects.filter(client=acme, status=Project.Status.ACTIVE).order_by("name", "id")


# --- the pages -----------------------------------------------------------------------------


def test_dashboard_cards_and_chart_are_the_clients_own_figures(portal, books):
    acme, day = books, today()
    shown = figures(portal.get(reverse("portal:dashboard")))

    entries = own_entries(acme)
    week = week_start(day)
    assert shown["active-projects"] == [str(own_projects(acme).count())]
    assert shown["hours-all-time"] == [hours(seconds(entries))]
    assert shown["hours-month"] == [hours(seconds(entries.filter(between(*this_month(day)))))]
    assert shown["hours-week"] == [hours(seconds(entries.filter(between(week, day))))]
    weeks = [week - dt.timedelta(weeks=n) for n in range(11, -1, -1)]
    assert shown["week-hours"] == [
        hours(seconds(entries.filter(between(w, w + dt.timedelta(days=6))))) for w in weeks
    ]
    sent = own_invoices(acme).filter(status=Invoice.Status.SENT)
    unpaid, overdue = due_of(sent), due_of(sent.filter(due_date__lt=day))
    assert shown["unpaid-due"] == [money(unpaid["due"])]
    assert leading_number(shown["unpaid-count"]) == [unpaid["count"]]
    assert shown["overdue-due"] == [money(overdue["due"])]
    assert leading_number(shown["overdue-count"]) == [overdue["count"]]
    # The recent lists: the 10 newest entries, the 5 newest issued invoices.
    newest = entries.order_by("-start_time", "-id")[:10]
    assert shown["entry-duration"] == [hours(e.duration_seconds) for e in newest]
    issued = own_invoices(acme).exclude(status=Invoice.Status.CANCELLED)
    recent = issued.order_by("-issue_date", "-id")[:5]
    assert shown["invoice-number"] == [i.invoice_number for i in recent]
    assert shown["invoice-total"] == [money(i.total_amount) for i in recent]
    assert shown["invoice-due"] == [money(i.total_amount - i.amount_paid) for i in recent]


def test_projects_page_figures_are_the_clients_own(portal, books):
    acme, day = books, today()
    shown = figures(portal.get(reverse("portal:projects")))

    expected = {"project-total": [], "project-billable": [], "project-month": [], "last": []}
    for project in own_projects(acme):
        entries = own_entries(acme, project=project)
        expected["project-total"].append(hours(seconds(entries)))
        expected["project-billable"].append(hours(seconds(entries.filter(billable=True))))
        month = entries.filter(between(*this_month(day)))
        expected["project-month"].append(hours(seconds(month)))
        expected["last"].append(local_date(entries.aggregate(m=Max("start_time"))["m"]))
    for name in ("project-total", "project-billable", "project-month"):
        assert shown[name] == expected[name], name
    assert shown["project-last-entry"] == expected["last"]


@pytest.mark.parametrize("name", ["Website", "App", "Old site"])
def test_project_page_figures_are_the_clients_own(portal, books, name):
    acme, day = books, today()
    project = Project.objects.get(client=acme, name=name)
    shown = figures(portal.get(reverse("portal:project_detail", args=[project.pk])))

    entries = own_entries(acme, project=project)
    billed = InvoiceItem.objects.filter(
        invoice__client=acme, invoice__status__in=[Invoice.Status.SENT, Invoice.Status.PAID]
    ).values_list("time_entries", flat=True)
    billed = [pk for pk in billed if pk is not None]
    uninvoiced = entries.filter(billable=True).exclude(pk__in=billed)
    assert shown["project-total"] == [hours(seconds(entries))]
    assert shown["project-billable"] == [hours(seconds(entries.filter(billable=True)))]
    assert shown["project-month"] == [hours(seconds(entries.filter(between(*this_month(day)))))]
    assert shown["project-uninvoiced"] == [hours(seconds(uninvoiced))]
    week = week_start(day)
    weeks = [week - dt.timedelta(weeks=n) for n in range(11, -1, -1)]
    assert shown["week-hours"] == [
        hours(seconds(entries.filter(between(w, w + dt.timedelta(days=6))))) for w in weeks
    ]


def test_invoice_list_counts_totals_and_amounts_due_are_the_clients_own(portal, books):
    acme, day = books, today()
    invoices = own_invoices(acme)
    sent = invoices.filter(status=Invoice.Status.SENT)
    counts = {
        "all": invoices.count(),
        "unpaid": sent.count(),
        "overdue": sent.filter(due_date__lt=day).count(),
        "paid": invoices.filter(status=Invoice.Status.PAID).count(),
    }
    listed = invoices.order_by("-issue_date", "-id")

    for status in ("all", "unpaid", "overdue", "paid"):
        shown = figures(portal.get(reverse("portal:invoices"), {"status": status}))
        assert [shown[f"tab-{s}"] for s in counts] == [[str(n)] for n in counts.values()]
        rows = {
            "all": listed,
            "unpaid": listed.filter(status=Invoice.Status.SENT),
            "overdue": listed.filter(status=Invoice.Status.SENT, due_date__lt=day),
            "paid": listed.filter(status=Invoice.Status.PAID),
        }[status]
        assert shown["invoice-number"] == [i.invoice_number for i in rows], status
        assert shown["invoice-total"] == [money(i.total_amount) for i in rows], status
        assert shown["invoice-due"] == [
            "—" if i.status == Invoice.Status.CANCELLED else money(i.total_amount - i.amount_paid)
            for i in rows
        ], status


def test_invoice_detail_figures_are_the_invoices_own(portal, books):
    for invoice in own_invoices(books).exclude(status=Invoice.Status.CANCELLED):
        shown = figures(portal.get(reverse("portal:invoice_detail", args=[invoice.pk])))

        items = InvoiceItem.objects.filter(invoice=invoice).order_by("position", "id")
        subtotal = items.aggregate(s=Sum("amount"))["s"]
        paid = invoice.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0")
        tax = round_money(subtotal * invoice.tax_rate / 100)
        assert shown["item-amount"] == [money(i.quantity * i.unit_price) for i in items]
        assert shown["subtotal"] == [money(subtotal)]
        assert shown.get("tax", [money(0)]) == [money(tax)]
        assert shown["total"] == [money(subtotal + tax)]
        assert shown.get("payment-amount", []) == [
            money(p.amount) for p in invoice.payments.order_by("date", "id")
        ]
        assert shown["amount-paid"] == [money(paid)]
        assert shown["amount-due"] == [money(subtotal + tax - paid)]


def _filters(acme) -> list[dict]:
    website = Project.objects.get(client=acme, name="Website")
    day = today()
    return [
        {},
        {"project_id": website.pk},
        {"date_from": (day - dt.timedelta(days=30)).isoformat()},
        {"date_to": (day - dt.timedelta(days=5)).isoformat(), "project_id": website.pk},
    ]


def _own_filtered(acme, params: dict):
    entries = own_entries(acme)
    if "project_id" in params:
        entries = entries.filter(project_id=params["project_id"])
    if "date_from" in params:
        entries = entries.filter(
            start_time__gte=local_day_bounds(dt.date.fromisoformat(params["date_from"]))[0]
        )
    if "date_to" in params:
        entries = entries.filter(
            start_time__lt=local_day_bounds(dt.date.fromisoformat(params["date_to"]))[1]
        )
    return entries


def test_time_entry_totals_for_each_filter_are_the_clients_own(portal, books):
    for params in _filters(books):
        shown = figures(portal.get(reverse("portal:time_entries"), params))

        entries = _own_filtered(books, params)
        assert shown["entries-count"] == [str(entries.count())], params
        assert shown["entries-total"] == [hours(seconds(entries))], params
        assert shown["entries-billable"] == [hours(seconds(entries.filter(billable=True)))], params
        newest = entries.order_by("-start_time", "-id")
        assert shown.get("entry-duration", []) == [hours(e.duration_seconds) for e in newest]


def test_csv_rows_add_up_to_the_clients_own_totals(portal, books):
    for params in _filters(books):
        response = portal.get(reverse("portal:time_entries_csv"), params)
        assert response.status_code == 200
        body = b"".join(response.streaming_content).decode()
        header, *rows = list(csv.reader(io.StringIO(body)))
        column = header.index("Duration (h:mm)") if "Duration (h:mm)" in header else 5
        minutes = sum(int(h) * 60 + int(m) for h, m in (row[column].split(":") for row in rows))

        entries = _own_filtered(books, params)
        assert len(rows) == entries.count(), params
        assert minutes * 60 == seconds(entries), params


def _api(user) -> APIClient:
    _token, secret = api_token_create(user=user, name="figures", scope="read")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api


def test_api_invoice_amounts_are_the_clients_own(acme_user, books):
    response = _api(acme_user).get("/api/v1/invoices/", {"page_size": 100})
    assert response.status_code == 200
    body = response.json()
    listed = body["results"] if isinstance(body, dict) else body

    expected = {
        i.invoice_number: (i.total_amount, i.total_amount - i.amount_paid)
        for i in own_invoices(books)
    }
    assert {
        row["invoice_number"]: (Decimal(row["total_amount"]), Decimal(row["amount_due"]))
        for row in listed
    } == expected


def test_api_report_for_the_subcontractor_sums_only_the_assigned_clients_rows(subcontractor, books):
    # The subcontractor is assigned to Acme only; the rival's hours are on the same days.
    day = today()
    response = _api(subcontractor).get(
        "/api/v1/reports/",
        {"date_from": "2000-01-01", "date_to": day.isoformat(), "group_by": "project"},
    )
    assert response.status_code == 200, response.content
    [totals] = response.json()["totals"]

    entries = own_entries(books)
    billable = seconds(entries.filter(billable=True))
    rate = books.default_hourly_rate
    assert Decimal(totals["hours"]) == round_money(Decimal(seconds(entries)) / 3600)
    assert Decimal(totals["billable_hours"]) == round_money(Decimal(billable) / 3600)
    assert Decimal(totals["billable_amount"]) == round_money(Decimal(billable) * rate / 3600)
    assert {row["project"] for row in response.json()["rows"]} <= {
        p.name for p in Project.objects.filter(client=books)
    }
