"""Two tenants with data on every admin page: Acme (in the subcontractor's scope) and Globex.

Everything of Globex carries "globex", "zorblax" or "wilhelmina" in its text, so a test can
assert that no response shown to Acme's subcontractor mentions any of them.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from invoicing.models import Invoice
from invoicing.services import invoice_record_payment
from tests.factories import (
    InvoiceFactory,
    ProjectFactory,
    StaffUserFactory,
    TimeEntryFactory,
)

FOREIGN_MARKERS = ("globex", "zorblax", "wilhelmina")


def assert_no_foreign_data(response, where=""):
    body = b"".join(response) if response.streaming else response.content
    text = body.decode(errors="replace").lower()
    for marker in FOREIGN_MARKERS:
        assert marker not in text, f"{marker!r} leaked in {where or response.request}"


@pytest.fixture
def world(acme, globex, subcontractor, staff_user):
    now = timezone.now()
    acme_project = ProjectFactory(client=acme, name="Acme Website", description="Acme site")
    acme_entry_own = TimeEntryFactory(
        user=subcontractor, project=acme_project, notes="acme: my own work"
    )
    acme_entry_other = TimeEntryFactory(
        user=staff_user, project=acme_project, notes="acme: a colleague's work"
    )
    acme_invoice = InvoiceFactory(
        client=acme,
        project=acme_project,
        invoice_number="INV-ACME-1",
        items=[{"description": "acme: design work", "quantity": 10}],
    )
    acme_payment = invoice_record_payment(
        invoice=acme_invoice, amount=Decimal("100.00"), reference="acme-transfer"
    )

    wilhelmina = StaffUserFactory(
        username="wilhelmina", first_name="Wilhelmina", last_name="Globexworker"
    )
    globex_project = ProjectFactory(
        client=globex, name="Zorblax Rollout", description="globex internal"
    )
    globex_entry = TimeEntryFactory(
        user=wilhelmina,
        project=globex_project,
        notes="globex-secret-note",
        start_time=now - dt.timedelta(hours=5),
        end_time=now - dt.timedelta(hours=4),
    )
    globex_invoice = InvoiceFactory(
        client=globex,
        project=globex_project,
        invoice_number="INV-GLOBEX-1",
        items=[{"description": "globex-item-desc", "quantity": 10}],
    )
    globex_payment = invoice_record_payment(
        invoice=globex_invoice, amount=Decimal("10.00"), reference="globex-payment-ref"
    )
    globex_draft = InvoiceFactory(
        client=globex, invoice_number="INV-GLOBEX-DRAFT", status=Invoice.Status.DRAFT
    )
    return SimpleNamespace(
        acme=acme,
        acme_project=acme_project,
        acme_entry_own=acme_entry_own,
        acme_entry_other=acme_entry_other,
        acme_invoice=acme_invoice,
        acme_payment=acme_payment,
        globex=globex,
        globex_project=globex_project,
        globex_entry=globex_entry,
        globex_invoice=globex_invoice,
        globex_payment=globex_payment,
        globex_draft=globex_draft,
        wilhelmina=wilhelmina,
    )


@pytest.fixture
def sub_client(client, subcontractor):
    client.force_login(subcontractor)
    return client


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client
