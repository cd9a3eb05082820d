"""An invoice bills only its own client's work: services and the database refuse the rest.

These tests go around the admin forms on purpose (services, then the raw ORM) and run on
SQLite and PostgreSQL (see invoicing/migrations/0002_invoice_integrity.py).
"""

from decimal import Decimal
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from invoicing.models import Invoice, InvoiceItem
from invoicing.services import invoice_issue, invoice_item_add
from tests.factories import InvoiceFactory, ProjectFactory, TimeEntryFactory
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db

Link = InvoiceItem.time_entries.through
integrity = import_module("invoicing.migrations.0002_invoice_integrity")


@pytest.fixture
def acme_project(acme):
    return ProjectFactory(client=acme, name="Acme Website")


@pytest.fixture
def globex_project(globex):
    return ProjectFactory(client=globex, name="Globex Portal")


@pytest.fixture
def acme_entry(acme_project):
    return TimeEntryFactory(project=acme_project)


@pytest.fixture
def globex_entry(globex_project):
    return TimeEntryFactory(project=globex_project)


@pytest.fixture
def draft(acme):
    return InvoiceFactory(client=acme, status=Invoice.Status.DRAFT, total_amount=Decimal("0"))


def _item(invoice: Invoice) -> InvoiceItem:
    return InvoiceItem.objects.create(
        invoice=invoice, description="Work", quantity=Decimal("1"), unit_price=Decimal("10")
    )


# Services


def test_item_add_refuses_another_clients_time_entries(draft, acme_entry, globex_entry):
    with pytest.raises(ValidationError) as excinfo:
        invoice_item_add(
            invoice=draft,
            description="Work",
            quantity=Decimal("1"),
            unit_price=Decimal("100"),
            time_entries=[acme_entry, globex_entry],
        )

    assert "time_entries" in excinfo.value.message_dict
    assert not draft.items.exists()
    assert not Link.objects.exists()


def test_item_add_refuses_foreign_entries_given_as_ids(draft, globex_entry):
    with pytest.raises(ValidationError):
        invoice_item_add(
            invoice=draft,
            description="Work",
            quantity=Decimal("1"),
            unit_price=Decimal("100"),
            time_entries=[globex_entry.pk],
        )


def test_item_add_links_the_clients_own_entries(draft, acme_entry):
    item = invoice_item_add(
        invoice=draft,
        description="Work",
        quantity=Decimal("1"),
        unit_price=Decimal("100"),
        time_entries=[acme_entry],
    )

    assert list(item.time_entries.all()) == [acme_entry]


def test_issue_refuses_another_clients_project(draft, globex_project):
    _item(draft)
    # Only reachable on a database without the guard: drop it for this test.
    with _integrity_off():
        Invoice.objects.filter(pk=draft.pk).update(project=globex_project)

        with pytest.raises(ValidationError) as excinfo:
            invoice_issue(invoice=draft)

        assert "project" in excinfo.value.message_dict
        assert Invoice.objects.get(pk=draft.pk).status == Invoice.Status.DRAFT
        Invoice.objects.filter(pk=draft.pk).update(project=None)  # let the guard come back


def test_issue_refuses_an_item_with_another_clients_entries(draft, globex_entry):
    item = _item(draft)
    with _integrity_off():
        item.time_entries.add(globex_entry)

        with pytest.raises(ValidationError) as excinfo:
            invoice_issue(invoice=draft)

        assert "time_entries" in excinfo.value.message_dict
        assert Invoice.objects.get(pk=draft.pk).status == Invoice.Status.DRAFT
        item.time_entries.clear()


def test_issue_accepts_own_project_and_entries(draft, acme_project, acme_entry):
    draft.project = acme_project
    draft.save()
    invoice_item_add(
        invoice=draft,
        description="Work",
        quantity=Decimal("2"),
        unit_price=Decimal("50"),
        time_entries=[acme_entry],
    )

    issued = invoice_issue(invoice=draft)

    assert issued.status == Invoice.Status.SENT


# The database, around services and forms


def test_database_refuses_an_invoice_for_another_clients_project(acme, globex_project):
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(client=acme, project=globex_project)


def test_database_refuses_moving_an_invoice_to_another_client_than_its_project(
    acme_project, globex
):
    invoice = InvoiceFactory(client=acme_project.client, project=acme_project)

    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(client=globex)


def test_database_refuses_moving_an_invoiced_project_to_another_client(acme_project, globex):
    InvoiceFactory(client=acme_project.client, project=acme_project)

    acme_project.client = globex
    with pytest.raises(IntegrityError), transaction.atomic():
        acme_project.save()


def test_database_refuses_linking_another_clients_entry(draft, globex_entry):
    item = _item(draft)

    with pytest.raises(IntegrityError), transaction.atomic():
        item.time_entries.add(globex_entry)
    with pytest.raises(IntegrityError), transaction.atomic():
        Link.objects.create(invoiceitem_id=item.pk, timeentry_id=globex_entry.pk)
    assert not Link.objects.exists()


def test_database_refuses_repointing_a_link_to_another_clients_entry(
    draft, acme_entry, globex_entry
):
    item = _item(draft)
    item.time_entries.add(acme_entry)

    with pytest.raises(IntegrityError), transaction.atomic():
        Link.objects.filter(invoiceitem_id=item.pk).update(timeentry_id=globex_entry.pk)


def test_database_refuses_moving_an_invoiced_entry_to_another_client(
    draft, acme_entry, globex_project
):
    _item(draft).time_entries.add(acme_entry)

    acme_entry.project = globex_project
    with pytest.raises(IntegrityError), transaction.atomic():
        acme_entry.save()
    assert TimeEntry.objects.get(pk=acme_entry.pk).client_id == draft.client_id


def test_database_refuses_moving_a_project_with_invoiced_entries(draft, acme_entry, globex):
    _item(draft).time_entries.add(acme_entry)
    project = acme_entry.project

    project.client = globex
    with pytest.raises(IntegrityError), transaction.atomic():
        project.save()


def test_a_project_without_invoiced_work_still_moves_with_its_entries(acme_entry, globex):
    project = acme_entry.project

    project.client = globex
    project.save()

    assert TimeEntry.objects.get(pk=acme_entry.pk).client_id == globex.pk


def test_database_refuses_moving_an_invoice_with_linked_entries(draft, acme_entry, globex):
    _item(draft).time_entries.add(acme_entry)

    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=draft.pk).update(client=globex)


def test_database_refuses_moving_an_item_to_another_clients_invoice(draft, acme_entry, globex):
    item = _item(draft)
    item.time_entries.add(acme_entry)
    globex_invoice = InvoiceFactory(client=globex, status=Invoice.Status.DRAFT)

    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceItem.objects.filter(pk=item.pk).update(invoice=globex_invoice)


def test_an_item_moves_to_another_invoice_of_the_same_client(draft, acme, acme_entry):
    item = _item(draft)
    item.time_entries.add(acme_entry)
    other = InvoiceFactory(client=acme, status=Invoice.Status.DRAFT)

    InvoiceItem.objects.filter(pk=item.pk).update(invoice=other)

    assert other.items.get() == item


EXPECTED_TRIGGERS = {
    "sqlite": {
        "invoice_project_insert",
        "invoice_project_update",
        "invoice_project_moves",
        "invoice_item_entry_link_insert",
        "invoice_item_entry_link_update",
        "invoice_item_entry_entry_client",
        "invoice_item_entry_invoice_client",
        "invoice_item_entry_item_invoice",
    },
    "postgresql": {
        "invoice_item_entry_link",
        "invoice_item_entry_entry_client",
        "invoice_item_entry_invoice_client",
        "invoice_item_entry_item_invoice",
    },
}


def _trigger_names() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cursor.fetchall()}


def test_every_integrity_trigger_is_installed():
    # A later migration that makes SQLite rebuild one of these tables drops its triggers;
    # it must call install_invoice_integrity again.
    assert EXPECTED_TRIGGERS[connection.vendor] <= _trigger_names()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_constraint WHERE conname = 'invoice_project_is_client_project'"
            )
            assert cursor.fetchone()


class _integrity_off:
    """Drop the integrity guard for a block (inside the test's transaction), then restore it."""

    def __enter__(self):
        self.cursor = connection.cursor()
        self.editor = SimpleNamespace(connection=connection, execute=self.cursor.execute)
        self._alter(integrity.uninstall_invoice_integrity)

    def __exit__(self, *exc):
        self._alter(integrity.install_invoice_integrity)
        self.cursor.close()

    def _alter(self, change) -> None:
        postgres = connection.vendor == "postgresql"
        if postgres:  # ALTER TABLE refuses while deferred FK checks are pending.
            self.cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        change(None, self.editor)
        if postgres:
            self.cursor.execute("SET CONSTRAINTS ALL DEFERRED")
