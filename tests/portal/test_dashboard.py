"""Dashboard (§3.3): cards, lists and the weekly chart, computed in SQL over all data."""

import datetime as dt
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Project
from invoicing.models import Invoice
from tests.factories import InvoiceFactory, PaymentFactory, ProjectFactory, TimeEntryFactory
from tests.portal.conftest import assert_no_globex_data
from tracking.services import rollups_rebuild

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# Friday 15 March 2024, noon in New York (16:00 UTC); that week starts Monday 11 March.
NOW = dt.datetime(2024, 3, 15, 12, 0, tzinfo=NEW_YORK)


@pytest.fixture
def frozen_new_york(settings, monkeypatch):
    settings.TIME_ZONE = "America/New_York"
    rollups_rebuild()  # what an operator runs after changing TIME_ZONE
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))


def ny(*args):
    return dt.datetime(*args, tzinfo=NEW_YORK)


def entry(project, start, minutes, **kwargs):
    return TimeEntryFactory(
        project=project, start_time=start, end_time=start + dt.timedelta(minutes=minutes), **kwargs
    )


def get_dashboard(client):
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    return response


def test_hours_this_month_use_local_month_bounds(frozen_new_york, acme_client, acme, globex):
    project = ProjectFactory(client=acme)
    entry(project, ny(2024, 3, 1, 0, 0), 60)  # first minute of March in New York
    entry(project, ny(2024, 2, 29, 23, 30), 30)  # already 1 March in UTC, still February here
    entry(project, ny(2024, 3, 15, 9, 0), 240)
    TimeEntryFactory(project=project, start_time=ny(2024, 3, 15, 11, 0), end_time=None)
    entry(ProjectFactory(client=globex), ny(2024, 3, 10, 9, 0), 600)

    response = get_dashboard(acme_client)

    assert response.context["seconds_month"] == 5 * 3600
    assert response.context["seconds_all_time"] == 5 * 3600 + 30 * 60
    assert b"5:00" in response.content
    assert b"(5.50 h)" in response.content


def test_chart_buckets_hours_by_local_week(frozen_new_york, acme_client, acme):
    project = ProjectFactory(client=acme)
    entry(project, ny(2024, 3, 11, 0, 0), 120)  # Monday 00:00: this week
    entry(project, ny(2024, 3, 10, 23, 59), 60)  # Sunday 23:59 (Monday in UTC): last week
    entry(project, ny(2023, 12, 25, 0, 0), 30)  # Monday of the oldest charted week
    entry(project, ny(2023, 12, 24, 23, 0), 45)  # before the chart

    response = get_dashboard(acme_client)

    bars = response.context["chart"]["bars"]
    assert len(bars) == 12
    assert bars[0].week == dt.date(2023, 12, 25)
    assert bars[-1].week == dt.date(2024, 3, 11)
    assert [bar.seconds for bar in bars] == [1800] + [0] * 9 + [3600, 7200]
    assert response.context["seconds_week"] == 7200


def test_chart_is_accessible_svg_with_text_alternative(frozen_new_york, acme_client, acme):
    entry(ProjectFactory(client=acme), ny(2024, 3, 12, 9, 0), 90)
    content = get_dashboard(acme_client).content.decode()
    assert '<svg class="chart__svg"' in content
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in content
    assert '<title id="chart-title">' in content
    assert '<desc id="chart-desc">' in content
    assert content.count('<rect class="chart__bar') == 12
    # The visually hidden table lists every week with its hours.
    assert "<caption>Hours tracked per week</caption>" in content
    assert '<span class="hours__hm">1:30</span> <span class="hours__decimal">(1.50 h)</span>' in (
        content
    )
    assert "<script" not in content


def test_chart_coordinates_are_not_localized(frozen_new_york, acme_client, acme):
    entry(ProjectFactory(client=acme), ny(2024, 3, 12, 9, 0), 70)
    content = acme_client.get(reverse("portal:dashboard"), HTTP_ACCEPT_LANGUAGE="de").content
    svg = content[content.index(b"<svg") : content.index(b"</svg>")].decode()
    assert re.search(r'width="\d+\.\d"', svg)
    assert not re.search(r'="\d+,\d+"', svg)


def test_invoice_cards_show_unpaid_and_overdue_per_currency(frozen_new_york, acme_client, acme):
    today = dt.date(2024, 3, 15)
    InvoiceFactory(client=acme, total_amount=Decimal("1000.00"), due_date=today)
    overdue = InvoiceFactory(
        client=acme,
        total_amount=Decimal("500.00"),
        issue_date=today - dt.timedelta(days=30),
        due_date=today - dt.timedelta(days=1),
    )
    PaymentFactory(invoice=overdue, amount=Decimal("100.00"))  # amount_paid 100, as recorded
    InvoiceFactory(client=acme, currency_code="USD", total_amount=Decimal("200.00"))
    InvoiceFactory(client=acme, status=Invoice.Status.PAID, amount_paid=Decimal("1000.00"))
    InvoiceFactory(client=acme, status=Invoice.Status.CANCELLED, due_date=today)
    InvoiceFactory(client=acme, status=Invoice.Status.DRAFT, total_amount=Decimal("9999.00"))

    response = get_dashboard(acme_client)

    assert response.context["balances"] == [
        {
            "currency_code": "EUR",
            "unpaid_count": 2,
            "unpaid_due": Decimal("1400.00"),
            "overdue_count": 1,
            "overdue_due": Decimal("400.00"),
        },
        {
            "currency_code": "USD",
            "unpaid_count": 1,
            "unpaid_due": Decimal("200.00"),
            "overdue_count": 0,
            "overdue_due": Decimal("0.00"),
        },
    ]
    content = response.content.decode()
    assert "1,400.00\u00a0EUR" in content
    assert "400.00\u00a0EUR" in content
    assert "200.00\u00a0USD" in content
    assert "9,999.00" not in content


def test_money_follows_the_active_locale(acme_client, acme):
    InvoiceFactory(client=acme, total_amount=Decimal("1234.50"))
    content = acme_client.get(reverse("portal:dashboard"), HTTP_ACCEPT_LANGUAGE="de").content
    assert "1.234,50\u00a0EUR".encode() in content


def test_recent_entries_are_the_ten_newest_finished(acme_client, acme):
    project = ProjectFactory(client=acme)
    now = timezone.now()
    entries = [
        entry(project, now - dt.timedelta(hours=3 * n), 60, notes=f"entry-{n:02d}")
        for n in range(1, 13)
    ]
    TimeEntryFactory(project=project, start_time=now, end_time=None, notes="still-running")

    response = get_dashboard(acme_client)

    assert response.context["recent_entries"] == entries[:10]
    content = response.content.decode()
    assert "entry-10" in content
    assert "entry-11" not in content
    assert "still-running" not in content


def test_recent_invoices_are_the_five_newest_issued(acme_client, acme):
    base = timezone.localdate()
    issued = [
        InvoiceFactory(
            client=acme,
            invoice_number=f"ACME-{n}",
            issue_date=base - dt.timedelta(days=n),
            status=Invoice.Status.PAID if n % 2 else Invoice.Status.SENT,
        )
        for n in range(1, 8)
    ]
    InvoiceFactory(client=acme, invoice_number="ACME-CANCELLED", status="cancelled")
    InvoiceFactory(client=acme, invoice_number="ACME-DRAFT", status="draft")

    response = get_dashboard(acme_client)

    assert response.context["recent_invoices"] == issued[:5]
    assert b"ACME-CANCELLED" not in response.content
    assert b"ACME-DRAFT" not in response.content


def test_active_projects_card_counts_all_and_lists_five(acme_client, acme, globex):
    for n in reversed(range(7)):  # by name, not in the order they were created
        ProjectFactory(client=acme, name=f"Active {n}")
    ProjectFactory(client=acme, name="Old one", status=Project.Status.ARCHIVED)
    ProjectFactory(client=acme, name="Paused one", status=Project.Status.INACTIVE)
    ProjectFactory(client=globex)

    response = get_dashboard(acme_client)

    assert response.context["active_project_count"] == 7
    assert [p.name for p in response.context["projects"]] == [f"Active {n}" for n in range(5)]
    content = response.content.decode()
    assert "See all 7 projects" in content
    assert "Old one" not in content
    assert "Paused one" not in content


def test_empty_dashboard_says_what_to_expect(acme_client):
    content = get_dashboard(acme_client).content.decode()
    assert "No time has been tracked for you yet" in content
    assert "No invoices yet" in content
    assert "No active projects right now" in content
    assert '<p class="card__figure" data-figure="active-projects">0</p>' in content
    assert "No hours tracked in the last 12 weeks" in content


def test_dashboard_shows_no_other_client_data(acme_client, acme, globex_data):
    ProjectFactory(client=acme)
    assert_no_globex_data(get_dashboard(acme_client))
