"""Isolation paths the crawls do not walk: colleagues' rows in scope, scope changes, writes."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import UserClient
from invoicing.models import Invoice
from tests.admin.conftest import assert_no_foreign_data
from tests.factories import InvoiceFactory, ProjectFactory, TimeEntryFactory
from tracking.models import TimeEntry
from tracking.services import timer_start

pytestmark = pytest.mark.django_db


def test_subcontractor_cannot_bulk_delete_a_colleagues_entry(sub_client, world):
    response = sub_client.post(
        reverse("admin:tracking_timeentry_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [world.acme_entry_other.pk],
            "post": "yes",
        },
        follow=True,
    )
    assert response.status_code in (200, 403)
    assert TimeEntry.objects.filter(pk=world.acme_entry_other.pk).exists()


def test_subcontractor_cannot_change_a_colleagues_entry(sub_client, world):
    entry = world.acme_entry_other
    url = reverse("admin:tracking_timeentry_change", args=[entry.pk])
    response = sub_client.post(
        url,
        {
            "project": entry.project_id,
            "start_time_0": "2024-01-01",
            "start_time_1": "09:00:00",
            "end_time_0": "2024-01-01",
            "end_time_1": "10:00:00",
            "notes": "hijacked",
        },
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.notes != "hijacked"


def _entry_form(project, **extra):
    return {
        "project": project.pk,
        "start_time_0": "2024-01-01",
        "start_time_1": "09:00:00",
        "end_time_0": "2024-01-01",
        "end_time_1": "10:00:00",
        "notes": "probe",
        **extra,
    }


def test_subcontractor_cannot_add_an_entry_on_a_foreign_project(sub_client, world):
    response = sub_client.post(
        reverse("admin:tracking_timeentry_add"), _entry_form(world.globex_project)
    )
    assert response.status_code == 200
    assert "project" in response.context["adminform"].form.errors
    assert not TimeEntry.objects.filter(notes="probe").exists()
    assert_no_foreign_data(response)


def test_subcontractor_cannot_move_own_entry_to_a_foreign_project(sub_client, world):
    entry = world.acme_entry_own
    response = sub_client.post(
        reverse("admin:tracking_timeentry_change", args=[entry.pk]),
        _entry_form(world.globex_project),
    )
    assert response.status_code == 200
    assert "project" in response.context["adminform"].form.errors
    entry.refresh_from_db()
    assert entry.project_id == world.acme_project.pk


def test_subcontractor_adds_entries_only_for_themselves(sub_client, subcontractor, world):
    response = sub_client.post(
        reverse("admin:tracking_timeentry_add"),
        _entry_form(world.acme_project, user=world.wilhelmina.pk),
    )
    assert response.status_code == 302
    assert TimeEntry.objects.get(notes="probe").user == subcontractor


def test_running_timer_on_a_client_no_longer_in_scope_is_not_named(
    sub_client, subcontractor, world
):
    timer_start(user=subcontractor, project=world.acme_project)
    UserClient.objects.filter(user=subcontractor).delete()
    UserClient.objects.create(user=subcontractor, client=world.globex)
    # Now Acme is the foreign client: its name must not appear in the admin header.
    for url in (reverse("admin:index"), reverse("timer:page")):
        response = sub_client.get(url)
        assert response.status_code == 200
        content = response.content.decode()
        assert "Acme" not in content
        assert "no longer assigned to you" in content
    # ...and they can still stop it.
    sub_client.post(reverse("timer:stop"))
    assert not TimeEntry.objects.running().filter(user=subcontractor).exists()


def test_portal_cannot_reach_another_clients_issued_invoice(client, acme_user, world):
    client.force_login(acme_user)
    for invoice in (world.globex_invoice, world.globex_draft):
        response = client.get(reverse("portal:invoice_detail", args=[invoice.pk]))
        assert response.status_code == 404
        assert_no_foreign_data(response)


def test_portal_own_draft_is_404_and_own_cancelled_is_shown(client, acme_user, acme):
    draft = InvoiceFactory(client=acme, status=Invoice.Status.DRAFT)
    cancelled = InvoiceFactory(client=acme, status=Invoice.Status.CANCELLED)
    client.force_login(acme_user)
    assert client.get(reverse("portal:invoice_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("portal:invoice_detail", args=[cancelled.pk])).status_code == 200
    listing = client.get(reverse("portal:invoices")).content.decode()
    assert cancelled.invoice_number in listing
    assert draft.invoice_number not in listing


@pytest.mark.parametrize("status", ["paid", "unpaid", "overdue", "all"])
def test_portal_status_filters_never_list_drafts(client, acme_user, acme, status):
    long_ago = timezone.localdate() - dt.timedelta(days=90)
    draft = InvoiceFactory(
        client=acme,
        status=Invoice.Status.DRAFT,
        issue_date=long_ago,
        due_date=long_ago + dt.timedelta(days=10),
    )
    client.force_login(acme_user)
    response = client.get(reverse("portal:invoices"), {"status": status})
    assert response.status_code == 200
    assert draft.invoice_number not in response.content.decode()


def test_portal_time_entries_refuse_a_foreign_project_id(client, acme_user, world):
    client.force_login(acme_user)
    response = client.get(reverse("portal:time_entries"), {"project_id": world.globex_project.pk})
    assert response.status_code == 400
    assert list(response.context["entries"]) == []
    assert response.context["filter_form"].errors["project_id"]
    assert_no_foreign_data(response)


def test_portal_time_entries_include_inactive_projects(client, acme_user, acme):
    archived = ProjectFactory(client=acme, status="archived", name="Old Archived Thing")
    TimeEntryFactory(project=archived, notes="archived work")
    client.force_login(acme_user)
    response = client.get(reverse("portal:time_entries"), {"project_id": archived.pk})
    assert response.status_code == 200
    assert "archived work" in response.content.decode()


def test_subcontractor_without_assignments_sees_an_empty_report(client, world):
    from tests.factories import SubcontractorFactory

    loner = SubcontractorFactory()
    client.force_login(loner)
    response = client.get(
        reverse("reports:index"),
        {"date_from": "2000-01-01", "date_to": "2100-12-31", "format": "csv"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Acme" not in body
    assert_no_foreign_data(response)


def test_subcontractor_project_scope_includes_archived_projects(subcontractor, acme):
    archived = ProjectFactory(client=acme, status="archived")
    assert archived.pk in subcontractor.get_allowed_project_ids()


def test_portal_data_has_exactly_the_spec_keys(acme_user):
    assert set(acme_user.get_client_portal_data()) == {
        "client",
        "projects",
        "invoices",
        "time_entries",
    }


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options", "trace"])
@pytest.mark.parametrize(
    "name", ["portal:dashboard", "portal:projects", "portal:invoices", "portal:time_entries"]
)
def test_portal_pages_accept_only_get_and_head(client, acme_user, method, name):
    client.force_login(acme_user)
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_portal_invoice_detail_accepts_only_get_and_head(client, acme_user, world, method):
    client.force_login(acme_user)
    url = reverse("portal:invoice_detail", args=[world.acme_invoice.pk])
    assert getattr(client, method)(url).status_code == 405


@pytest.mark.parametrize("page", ["2", "99999999999999999999", "abc", "0", "-1"])
@pytest.mark.parametrize("name", ["portal:invoices", "portal:time_entries", "portal:projects"])
def test_portal_page_beyond_the_last_is_404(client, acme_user, world, name, page):
    client.force_login(acme_user)
    assert client.get(reverse(name), {"page": page}).status_code == 404
