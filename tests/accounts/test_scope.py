import pytest

from clients.models import Client, Project
from invoicing.models import Invoice
from tests.factories import InvoiceFactory, ProjectFactory, TimeEntryFactory, UserFactory
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db


def test_subcontractor_sees_only_assigned_clients(subcontractor, acme, globex):
    assert subcontractor.get_allowed_client_ids() == {acme.pk}
    assert list(Client.objects.visible_to(subcontractor)) == [acme]


def test_time_entries_scoped_through_project(subcontractor, acme, globex):
    mine = TimeEntryFactory(project=ProjectFactory(client=acme))
    TimeEntryFactory(project=ProjectFactory(client=globex))
    assert list(TimeEntry.objects.visible_to(subcontractor)) == [mine]


def test_plain_user_sees_nothing(acme):
    user = UserFactory()
    assert user.get_allowed_client_ids() == set()
    assert not Project.objects.visible_to(user).exists()


def test_client_user_invoices(acme_user, acme, globex):
    inv = InvoiceFactory(client=acme)
    InvoiceFactory(client=globex)
    assert list(Invoice.objects.visible_to(acme_user)) == [inv]
