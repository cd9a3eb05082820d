"""Invoice emails and their PDF never carry entry notes, team names or budgets (§10).

They show the invoice (items typed by staff, totals, payment instructions), so the client's
visibility toggles have nothing to hide there. These guard that an invoice billing a time
entry leaks none of the entry's details, with the toggles off, into either email kind.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from clients.models import Client
from invoicing.notifications import overdue_reminders_send
from invoicing.services import invoice_issue, invoice_item_add
from tests.factories import InvoiceFactory, ProjectFactory, StaffUserFactory, TimeEntryFactory
from tests.invoicing.conftest import run_worker
from timetracker.dates import today

pytestmark = pytest.mark.django_db

HIDDEN = ("NOTE-zanzibar-roadmap", "Philippa", "Quackenbush", "137.25")


@pytest.fixture
def billed(acme, acme_user, profile):
    Client.objects.filter(pk=acme.pk).update(portal_show_notes=False, portal_show_team_names=False)
    project = ProjectFactory(client=acme, budget_hours=Decimal("137.25"))
    start = timezone.now() - dt.timedelta(hours=3)
    entry = TimeEntryFactory(
        project=project,
        user=StaffUserFactory(first_name="Philippa", last_name="Quackenbush"),
        start_time=start,
        end_time=start + dt.timedelta(hours=1),
        notes=HIDDEN[0],
    )
    invoice = InvoiceFactory(client=acme, project=project, status="draft")
    invoice_item_add(
        invoice=invoice,
        description="Design work",
        quantity=Decimal("1"),
        unit_price=Decimal("10.00"),
        time_entries=[entry],
    )
    return invoice


def message_texts(message) -> list[str]:
    texts = [message.subject, message.body, *(body for body, _mime in message.alternatives)]
    for _name, content, _mimetype in message.attachments:
        texts += [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
    return texts


def test_invoice_email_and_its_pdf_show_no_entry_details(billed):
    invoice_issue(invoice=billed)
    run_worker()
    (message,) = mail.outbox
    text = "\n".join(message_texts(message))
    assert billed.invoice_number in text and "Design work" in text
    for hidden in HIDDEN:
        assert hidden not in text


def test_reminder_email_shows_no_entry_details(billed):
    invoice_issue(invoice=billed)
    run_worker()
    mail.outbox.clear()
    overdue_reminders_send(on=today() + dt.timedelta(days=400))
    run_worker()
    (message,) = mail.outbox
    text = "\n".join(message_texts(message))
    assert billed.invoice_number in text
    for hidden in HIDDEN:
        assert hidden not in text
