"""Fixtures for documents and notifications: an issuer, a draft with items, the worker."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from tests.factories import (
    ClientUserFactory,
)


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
