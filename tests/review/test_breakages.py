"""Six deliberate breakages that once left the suite green (issue 9); each now fails here."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import User, UserClient
from accounts.services import user_apply_role
from clients.admin import ProjectInline
from clients.models import Client, Project
from invoicing.forms import InvoiceItemForm
from invoicing.models import Invoice, InvoiceItem
from invoicing.services import invoice_item_add
from reports.report import report_build
from tests.factories import (
    InvoiceFactory,
    ProjectFactory,
    TimeEntryFactory,
    UserClientFactory,
)
from timetracker.dates import today

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


# 1. Cancelled invoices among the dashboard's recent issued invoices.


def test_dashboard_recent_invoices_leave_out_cancelled_ones(client, acme_user, acme):
    sent = InvoiceFactory(client=acme, invoice_number="INV-SENT", issue_date=today())
    InvoiceFactory(
        client=acme,
        invoice_number="INV-WITHDRAWN",
        status=Invoice.Status.CANCELLED,
        issue_date=today(),
    )
    client.force_login(acme_user)

    response = client.get(reverse("portal:dashboard"))

    assert [i.pk for i in response.context["recent_invoices"]] == [sent.pk]
    assert "INV-WITHDRAWN" not in response.content.decode()


# 2. The foreign-time-entry check, in the admin form and in the service.


def test_item_form_refuses_another_clients_time_entry(acme, globex):
    invoice = InvoiceFactory(client=acme, status=Invoice.Status.DRAFT)
    foreign = TimeEntryFactory(project=ProjectFactory(client=globex))
    form = InvoiceItemForm(
        data={
            "position": "1",
            "description": "Work",
            "quantity": "1",
            "unit_price": "10",
            "time_entries": [foreign.pk],
        },
        instance=InvoiceItem(invoice=invoice),
    )

    assert not form.is_valid()
    assert "time_entries" in form.errors


def test_item_service_refuses_another_clients_time_entry_with_a_validation_error(acme, globex):
    invoice = InvoiceFactory(client=acme, status=Invoice.Status.DRAFT)
    foreign = TimeEntryFactory(project=ProjectFactory(client=globex))

    with pytest.raises(ValidationError):
        invoice_item_add(
            invoice=invoice,
            description="Work",
            quantity=Decimal("1"),
            unit_price=Decimal("10"),
            time_entries=[foreign],
        )


# 3. The assignment delete in the role service.


def test_leaving_the_subcontractor_role_removes_every_client_assignment(subcontractor, globex):
    UserClientFactory(user=subcontractor, client=globex)
    subcontractor.role = User.Role.USER

    user_apply_role(user=subcontractor)

    assert not UserClient.objects.filter(user=subcontractor).exists()
    assert not subcontractor.groups.filter(name="Subcontractors").exists()


# 4. Admin inline scoping.


def test_inline_querysets_are_scoped_to_the_subcontractors_clients(subcontractor, acme, globex):
    own_project, foreign_project = ProjectFactory(client=acme), ProjectFactory(client=globex)
    request = _request(subcontractor)

    projects = ProjectInline(Client, admin.site).get_queryset(request)

    assert set(projects) == {own_project}
    assert foreign_project not in projects


# 5. Admin search re-scoping of a queryset that did not come through the funnel.


@pytest.mark.parametrize("term", ["", "Corp", "Inc", "Project"])
def test_search_results_are_scoped_even_for_an_unscoped_queryset(subcontractor, acme, globex, term):
    ProjectFactory(client=acme, name="Project Acme")
    ProjectFactory(client=globex)
    request = _request(subcontractor)

    clients, _ = admin.site._registry[Client].get_search_results(
        request, Client.objects.all(), term
    )
    projects, _ = admin.site._registry[Project].get_search_results(
        request, Project.objects.all(), term
    )

    assert set(clients) <= {acme}
    assert {p.client_id for p in projects} <= {acme.pk}
    if term == "":
        assert set(clients) == {acme}


# 6. Running entries in reports.


# Both paths of report_build: the day rollups (by project) and the entries (by user).
@pytest.mark.parametrize("group_by", ["project", "user"])
def test_reports_leave_out_running_entries(admin_user, acme, group_by):
    project = ProjectFactory(client=acme)
    now = timezone.now()
    finished = TimeEntryFactory(project=project)
    TimeEntryFactory(project=project, start_time=now - dt.timedelta(minutes=5), end_time=None)
    running_only = ProjectFactory(client=acme, name="Only running")
    TimeEntryFactory(project=running_only, start_time=now - dt.timedelta(minutes=7), end_time=None)
    day = timezone.localdate(finished.start_time)

    report = report_build(
        user=admin_user,
        date_from=day - dt.timedelta(days=1),
        date_to=day + dt.timedelta(days=1),
        group_by=group_by,
    )

    assert len(report.rows) == 1
    assert "Only running" not in str(report.rows)
    assert report.rows[0][-3:] == report.totals[0][-3:]
