"""Portal test data: a small, realistic set for Acme and a marked one for Globex.

Everything of Globex carries ``GLOBEX-SECRET`` (or a distinct name) so isolation tests can
search any response for it.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from clients.models import Project
from invoicing.models import Invoice
from tests.factories import (
    InvoiceFactory,
    PaymentFactory,
    ProjectFactory,
    StaffUserFactory,
    TimeEntryFactory,
    UserFactory,
)
from timetracker.dates import today
from tracking.models import TimeEntry

SECRET = "GLOBEX-SECRET"


@pytest.fixture
def portal(client):
    """The Django test client logged in as a given user (``portal(acme_user)``)."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def acme_client(portal, acme_user):
    return portal(acme_user)


@pytest.fixture
def acme_project(acme):
    return ProjectFactory(client=acme, name="Acme Website", hourly_rate=Decimal("123.45"))


@pytest.fixture
def acme_invoice(acme):
    return InvoiceFactory(
        client=acme,
        invoice_number="ACME-0001",
        items=[{"description": "Design work", "quantity": 10}],
    )


@pytest.fixture
def globex_data(globex):
    """One of everything for Globex, every visible string marked with SECRET."""
    worker = StaffUserFactory(first_name="Zebulon", last_name="Globexworker")
    projects = [
        ProjectFactory(client=globex, name=f"{SECRET} project {status}", status=status)
        for status in Project.Status.values
    ]
    now = timezone.now()
    entries = [
        TimeEntryFactory(
            project=project,
            user=worker,
            start_time=now - dt.timedelta(days=days),
            notes=f"{SECRET} note {project.status} {days}",
        )
        for project in projects
        for days in (0, 3, 40)
    ]
    invoices = []
    for status in Invoice.Status.values:
        invoice = InvoiceFactory(
            client=globex,
            invoice_number=f"{SECRET}-INV-{status}",
            status=status,
            issue_date=today() - dt.timedelta(days=60),
            due_date=today() - dt.timedelta(days=30),
            billing_name=f"{SECRET} billing",
            items=[{"description": f"{SECRET} item {status}", "quantity": 10}],
        )
        invoices.append(invoice)
    payment = PaymentFactory(invoice=invoices[2], reference=f"{SECRET} payment")
    return {
        "projects": projects,
        "entries": entries,
        "invoices": invoices,
        "payments": [payment],
        "worker": worker,
    }


def bulk_entries(project, count, *, start, minutes=30, user=None, billable=lambda n: True):
    """``count`` finished entries, one every 45 minutes from ``start``, in one INSERT."""
    user = user or UserFactory()
    entries = []
    for n in range(count):
        begin = start + dt.timedelta(minutes=45 * n)
        entries.append(
            TimeEntry(
                project=project,
                user=user,
                start_time=begin,
                end_time=begin + dt.timedelta(minutes=minutes),
                duration_seconds=minutes * 60,
                billable=billable(n),
                notes=f"Work item {n}",
            )
        )
    return TimeEntry.objects.bulk_create(entries)


def response_text(response) -> str:
    """A response as text: HTML, a streamed CSV, or the text extracted from a PDF."""
    if response.get("Content-Type", "").startswith("image/"):
        # Bytes, not text: latin-1 maps each byte to one character, so markers still show.
        return b"".join(response.streaming_content).decode("latin-1")
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    if response.get("Content-Type") == "application/pdf":
        from pypdf import PdfReader

        return "".join(
            page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
        )
    return response.content.decode()


def assert_no_globex_data(response):
    """No trace of Globex in a response: its name, markers, numbers or team member."""
    content = response_text(response)
    for marker in (SECRET, "Globex", "Zebulon", "Globexworker"):
        assert marker not in content, f"{marker!r} leaked into {response.request['PATH_INFO']}"
