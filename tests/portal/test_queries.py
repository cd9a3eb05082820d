"""Query counts of every portal page (§3.7, §7): fixed, whatever the data size.

Each page pays the same baseline, named once here:
  1. the session row;
  2. the user joined with their client and its branding (accounts.backends.ModelBackend);
The session is not saved on these requests: the idle timeout is renewed at most once a
minute (accounts.middleware.SessionLifetimeMiddleware) and login stamped the session.
So a page's budget below is 2 + its own queries, within the spec's 10.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Project
from invoicing.models import Invoice
from tests.factories import InvoiceFactory, PaymentFactory, ProjectFactory
from tests.portal.conftest import bulk_entries

pytestmark = pytest.mark.django_db

BASELINE = 2


@pytest.fixture
def lots_of_data(acme, globex):
    """Hundreds of rows for Acme (and some for Globex): counts must not grow with them."""
    projects = [
        ProjectFactory(client=acme, status=status)
        for status in [Project.Status.ACTIVE] * 8 + [Project.Status.ARCHIVED] * 2
    ]
    start = timezone.now() - dt.timedelta(days=60)
    for n, project in enumerate(projects):
        bulk_entries(
            project, 40, start=start + dt.timedelta(hours=n), billable=lambda i: i % 4 != 0
        )
    bulk_entries(ProjectFactory(client=globex), 50, start=start)
    statuses = ["sent", "paid", "cancelled", "draft"]
    invoices = [
        InvoiceFactory(
            client=acme,
            status=statuses[n % 4],
            currency_code="USD" if n % 5 == 0 else "EUR",
            issue_date=timezone.localdate() - dt.timedelta(days=n),
            due_date=timezone.localdate() - dt.timedelta(days=n) + dt.timedelta(days=14),
            # The first (sent) invoice has 30 items; the others one line, or none (drafts).
            items=[{"description": f"Item {i}", "unit_price": 10} for i in range(30)]
            if n == 0
            else None,
        )
        for n in range(80)
    ]
    for _n in range(10):
        PaymentFactory(invoice=invoices[0], amount=Decimal("1.00"))
    return {"projects": projects, "invoice": invoices[0]}


def test_dashboard_queries(acme_client, lots_of_data, django_assert_max_num_queries):
    # Page queries: 1. hours overall, this month and per chart week (one aggregate);
    # 2. first 5 active projects with their total count (window function); 3. unpaid and
    # overdue balances per currency; 4. 10 recent entries with project and user;
    # 5. 5 recent issued invoices.
    with django_assert_max_num_queries(BASELINE + 5):
        response = acme_client.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    assert response.context["active_project_count"] == 8


def test_projects_queries(acme_client, lots_of_data, django_assert_max_num_queries):
    # Page queries: 1. the paginator's count of active projects; 2. one page of them
    # annotated with their hours (one GROUP BY).
    with django_assert_max_num_queries(BASELINE + 2):
        response = acme_client.get(reverse("portal:projects"))
    assert len(response.context["projects"]) == 8


@pytest.mark.parametrize("status", ["all", "paid", "unpaid", "overdue"])
def test_invoice_list_queries(acme_client, lots_of_data, django_assert_max_num_queries, status):
    # Page queries: 1. total and paid from the client's per-status counts; 2. unpaid and
    # overdue among its sent invoices (with 1., the tabs and the paginator's count); 3. the
    # page of invoices. (BASELINE allows two for the user; it takes one.)
    with django_assert_max_num_queries(BASELINE + 2):
        response = acme_client.get(reverse("portal:invoices"), {"status": status})
    assert response.status_code == 200
    # Rows rendered: an empty page would stay under the budget without exercising it.
    assert response.context["invoices"]


def test_invoice_list_with_bad_status_queries(
    acme_client, lots_of_data, django_assert_max_num_queries
):
    # Page queries: 1.–2. the counts per status, for the tabs above the error.
    with django_assert_max_num_queries(BASELINE + 1):
        response = acme_client.get(reverse("portal:invoices"), {"status": "nope"})
    assert response.status_code == 400


def test_invoice_detail_queries(acme_client, lots_of_data, django_assert_max_num_queries):
    invoice = lots_of_data["invoice"]
    # Page queries: 1. the invoice (scoped); 2. its items; 3. its payments; 4. the current
    # business profile, only because this invoice predates issuer snapshots (none stored);
    # 5. the audit event's INSERT, which inside the test's transaction comes with
    # 6. SAVEPOINT and 7. RELEASE (served outside a transaction, the page runs the INSERT alone).
    with django_assert_max_num_queries(BASELINE + 7):
        response = acme_client.get(reverse("portal:invoice_detail", args=[invoice.pk]))
    assert len(response.context["items"]) == 30
    # With the snapshot taken on issue, the "From" block costs no query (the audit INSERT
    # with its SAVEPOINT and RELEASE still does).
    invoice.issuer = {"legal_name": "Issuer"}
    invoice.save(update_fields=["issuer"])
    with django_assert_max_num_queries(BASELINE + 6):
        acme_client.get(reverse("portal:invoice_detail", args=[invoice.pk]))


@pytest.mark.parametrize(
    "params",
    # An empty project_id is "all projects" (the form's blank choice).
    [{}, {"page": "3"}, {"date_from": "2000-01-01", "date_to": "2100-01-01"}, {"project_id": ""}],
)
def test_time_entries_queries(acme_client, lots_of_data, django_assert_max_num_queries, params):
    # Page queries: 1. the client's projects (filter choices and validation); 2. totals of
    # the filtered set from the day rollup (also the paginator's count); 3. the walk over
    # cumulative per-day counts to the page's first day; 4. the page with project and user.
    with django_assert_max_num_queries(BASELINE + 4):
        response = acme_client.get(reverse("portal:time_entries"), params)
    assert response.context["totals"]["count"] == 400
    assert len(response.context["entries"]) == 50


def test_time_entries_with_project_filter_queries(
    acme_client, lots_of_data, django_assert_max_num_queries
):
    project = lots_of_data["projects"][-1]
    # As above: projects, totals (project-day rollup), the day walk, the page.
    with django_assert_max_num_queries(BASELINE + 4):
        response = acme_client.get(reverse("portal:time_entries"), {"project_id": project.pk})
    assert response.context["totals"]["count"] == 40


def test_time_entries_with_invalid_filter_queries(
    acme_client, lots_of_data, django_assert_max_num_queries
):
    # Page query: 1. the client's projects, to validate and redisplay the form.
    with django_assert_max_num_queries(BASELINE + 1):
        response = acme_client.get(reverse("portal:time_entries"), {"date_from": "bad"})
    assert response.status_code == 400


@pytest.mark.parametrize("project_id", ["x", "999999"])
def test_time_entries_with_invalid_project_queries(
    acme_client, lots_of_data, django_assert_max_num_queries, project_id
):
    # Page query: 1. the client's projects, to validate and redisplay the form.
    with django_assert_max_num_queries(BASELINE + 1):
        response = acme_client.get(reverse("portal:time_entries"), {"project_id": project_id})
    assert response.status_code == 400


def test_every_invoice_status_is_counted(lots_of_data):
    # Guards the fixture: all four states exist, so each list above renders rows.
    assert set(Invoice.objects.values_list("status", flat=True)) == {
        "sent",
        "paid",
        "cancelled",
        "draft",
    }
