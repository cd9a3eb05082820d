"""Fixtures for documents and notifications: an issuer, a draft with items, the worker."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from invoicing.models import Invoice
from tests.factories import (
    BusinessProfileFactory,
    ClientUserFactory,
    InvoiceFactory,
    InvoiceItemFactory,
)


@pytest.fixture
def profile(db):
    return BusinessProfileFactory()


@pytest.fixture
def draft(acme):
    invoice = InvoiceFactory(
        client=acme,
        invoice_number="ACME-2024-007",
        status=Invoice.Status.DRAFT,
        tax_rate=Decimal("19"),
        subtotal=Decimal("0"),
        total_amount=Decimal("0"),
    )
    InvoiceItemFactory(
        invoice=invoice,
        description="Design & <build>",
        quantity=Decimal("2"),
        unit_price=Decimal("150.00"),
        amount=Decimal("300.00"),
    )
    return invoice


@pytest.fixture
def acme_users(acme, acme_user):
    """Acme's portal users: two opted in, one opted out, one inactive, one without portal."""
    return {
        "on": [acme_user, ClientUserFactory(username="acme_second", client=acme)],
        "opted_out": ClientUserFactory(username="acme_quiet", client=acme, notify_invoices=False),
        "inactive": ClientUserFactory(username="acme_gone", client=acme, is_active=False),
        "no_portal": ClientUserFactory(
            username="acme_noportal", client=acme, client_portal_enabled=False
        ),
    }


def run_worker() -> None:
    """``manage.py db_worker --batch`` in-process: every task that is due, then return.

    The worker closes "old" connections between tasks; inside a test the connection holds
    the test's transaction, so (like Django's test client) that step is switched off.
    """
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        _worker().run()


def _worker() -> Worker:
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def make_retries_due() -> None:
    """Skip the backoff wait: every deferred task becomes due now."""
    DBTaskResult.objects.filter(run_after__gt=timezone.now()).update(
        run_after=timezone.now() - dt.timedelta(seconds=1)
    )


@pytest.fixture
def worker():
    return run_worker
