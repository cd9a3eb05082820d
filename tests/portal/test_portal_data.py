"""User.is_client_portal_user and User.get_client_portal_data() (§2)."""

import datetime as dt

import pytest
from django.db.models import QuerySet
from django.utils import timezone

from clients.models import Project
from invoicing.models import Invoice
from tests.factories import (
    ClientFactory,
    InvoiceFactory,
    ProjectFactory,
    StaffUserFactory,
    TimeEntryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("enabled", "has_client", "expected"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
)
def test_is_client_portal_user_needs_flag_and_client(enabled, has_client, expected):
    user = UserFactory(
        client_portal_enabled=enabled, client=ClientFactory() if has_client else None
    )
    assert user.is_client_portal_user is expected


def test_staff_is_not_a_portal_user_by_default():
    assert StaffUserFactory().is_client_portal_user is False


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: UserFactory(client=ClientFactory()), id="disabled"),
        pytest.param(lambda: UserFactory(client_portal_enabled=True), id="no-client"),
        pytest.param(lambda: StaffUserFactory(), id="staff"),
    ],
)
def test_portal_data_is_none_without_access(make_user):
    assert make_user().get_client_portal_data() is None


def test_portal_data_has_exactly_the_four_keys(acme_user, acme):
    data = acme_user.get_client_portal_data()
    assert set(data) == {"client", "projects", "invoices", "time_entries"}
    assert data["client"] == acme


def test_portal_data_is_lazy(acme_user, django_assert_num_queries):
    acme_user.client  # noqa: B018 - load the client so only the querysets are measured
    with django_assert_num_queries(0):
        data = acme_user.get_client_portal_data()
    for key in ("projects", "invoices", "time_entries"):
        assert isinstance(data[key], QuerySet)


def test_portal_data_projects_are_the_clients_active_projects(acme_user, acme, globex):
    active = ProjectFactory(client=acme)
    ProjectFactory(client=acme, status=Project.Status.INACTIVE)
    ProjectFactory(client=acme, status=Project.Status.ARCHIVED)
    ProjectFactory(client=globex)
    assert list(acme_user.get_client_portal_data()["projects"]) == [active]


def test_portal_data_invoices_are_issued_and_cancelled_never_drafts(acme_user, acme, globex):
    visible = {
        InvoiceFactory(client=acme, status=status).pk
        for status in (Invoice.Status.SENT, Invoice.Status.PAID, Invoice.Status.CANCELLED)
    }
    InvoiceFactory(client=acme, status=Invoice.Status.DRAFT)
    InvoiceFactory(client=globex, status=Invoice.Status.SENT)
    invoices = acme_user.get_client_portal_data()["invoices"]
    assert {invoice.pk for invoice in invoices} == visible


def test_portal_data_time_entries_are_finished_entries_of_any_project(acme_user, acme, globex):
    now = timezone.now()
    on_active = TimeEntryFactory(project=ProjectFactory(client=acme))
    on_archived = TimeEntryFactory(
        project=ProjectFactory(client=acme, status=Project.Status.ARCHIVED),
        start_time=now - dt.timedelta(days=2),
    )
    TimeEntryFactory(project=ProjectFactory(client=acme), start_time=now, end_time=None)
    TimeEntryFactory(project=ProjectFactory(client=globex))
    entries = acme_user.get_client_portal_data()["time_entries"]
    assert set(entries) == {on_active, on_archived}


def test_portal_data_is_not_truncated(acme_user, acme):
    project = ProjectFactory(client=acme)
    start = timezone.now() - dt.timedelta(days=20)
    for n in range(120):
        TimeEntryFactory(project=project, start_time=start + dt.timedelta(hours=2 * n))
    assert acme_user.get_client_portal_data()["time_entries"].count() == 120
