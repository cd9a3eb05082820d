"""Leak check by figures: every total, count and amount on the portal pages equals the value
computed for the client alone, with a rival client in the same currency whose rows would
change each figure if they were summed in (a string crawl would not notice)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from invoicing.models import Invoice
from tests.factories import ClientFactory, InvoiceFactory, ProjectFactory, TimeEntryFactory
from timetracker.dates import today

pytestmark = pytest.mark.django_db


def _books(client, *, scale: int) -> dict:
    """Projects, entries and invoices for ``client``; returns the figures computed by hand."""
    project = ProjectFactory(client=client)
    ProjectFactory(client=client)
    start = timezone.now() - dt.timedelta(hours=3)
    entries = [
        TimeEntryFactory(
            project=project, start_time=start, end_time=start + dt.timedelta(minutes=30 * n)
        )
        for n in range(1, scale + 1)
    ]
    TimeEntryFactory(project=project, start_time=start, end_time=None)  # running: not counted
    day = today()
    overdue = InvoiceFactory(
        client=client,
        issue_date=day - dt.timedelta(days=60),
        due_date=day - dt.timedelta(days=30),
        total_amount=Decimal(100 * scale),
    )
    unpaid = InvoiceFactory(
        client=client,
        issue_date=day - dt.timedelta(days=5),
        due_date=day + dt.timedelta(days=25),
        total_amount=Decimal(10 * scale),
        amount_paid=Decimal(scale),
    )
    paid = InvoiceFactory(
        client=client,
        status=Invoice.Status.PAID,
        total_amount=Decimal(7 * scale),
        amount_paid=Decimal(7 * scale),
    )
    InvoiceFactory(client=client, status=Invoice.Status.DRAFT)  # never shown
    seconds = sum(30 * 60 * n for n in range(1, scale + 1))
    return {
        "seconds": seconds,
        "entry_count": len(entries),
        "unpaid_count": 2,
        "unpaid_due": overdue.amount_due + unpaid.amount_due,
        "overdue_count": 1,
        "overdue_due": overdue.amount_due,
        "issued": {overdue.pk, unpaid.pk, paid.pk},
        "active_projects": 2,
    }


@pytest.fixture
def books(acme, acme_user, client):
    rival = ClientFactory(name="Rival GmbH", currency_code=acme.currency_code)
    _books(rival, scale=5)
    client.force_login(acme_user)
    return _books(acme, scale=2)


def test_dashboard_figures_are_the_clients_alone(client, books):
    context = client.get(reverse("portal:dashboard")).context

    assert context["seconds_all_time"] == books["seconds"]
    assert context["active_project_count"] == books["active_projects"]
    [balance] = context["balances"]
    assert balance["unpaid_count"] == books["unpaid_count"]
    assert balance["unpaid_due"] == books["unpaid_due"]
    assert balance["overdue_count"] == books["overdue_count"]
    assert balance["overdue_due"] == books["overdue_due"]
    assert {i.pk for i in context["recent_invoices"]} == books["issued"]


def test_invoice_list_counts_and_amounts_are_the_clients_alone(client, books):
    context = client.get(reverse("portal:invoices")).context

    counts = {tab["value"]: tab["count"] for tab in context["tabs"]}
    assert counts["all"] == len(books["issued"])
    assert counts["unpaid"] == books["unpaid_count"]
    assert counts["overdue"] == books["overdue_count"]
    assert counts["paid"] == 1
    listed = list(context["invoices"] if "invoices" in context else context["object_list"])
    assert {i.pk for i in listed} == books["issued"]
    due = sum((i.amount_due for i in listed if i.status == Invoice.Status.SENT), Decimal("0"))
    assert due == books["unpaid_due"]


def test_time_entry_totals_are_the_clients_alone(client, books):
    context = client.get(reverse("portal:time_entries")).context

    assert context["totals"]["count"] == books["entry_count"]
    assert context["totals"]["seconds"] == books["seconds"]
    assert len(context["entries"]) == books["entry_count"]
