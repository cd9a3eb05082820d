"""Queueing rules shared by every email task (django-tasks): retry backoff, enqueue on commit.

Each email is a delivery record (invoicing.InvoiceDelivery, clients.CommentDelivery); the
task only carries its id, so the record, not the queue, decides whether it is sent.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone, translation

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 60


def retry_delay(attempts: int) -> dt.timedelta:
    """Backoff after the ``attempts``-th failed attempt: 1, 2, 4, 8... minutes."""
    return dt.timedelta(seconds=RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def queue_is_transactional(task) -> bool:
    """Whether queued tasks commit (or roll back) with the current database transaction."""
    from django_tasks_db import DatabaseBackend

    return isinstance(task.get_backend(), DatabaseBackend)


def enqueue(task, ids, *, run_after: dt.datetime | None = None) -> None:
    """Queue ``task(id)`` for each id, as part of the current transaction.

    The database backend writes its task rows in the same transaction (both or neither); a
    Redis-backed one is only given the tasks once the transaction has committed, so a worker
    never runs ahead of (or after a rollback of) the delivery rows it is about to read.
    """
    task = task.using(run_after=run_after) if run_after else task
    ids = list(ids)

    def send():
        for pk in ids:
            task.enqueue(pk)

    if queue_is_transactional(task):
        send()
    else:
        transaction.on_commit(send)


def delivery_attempt(delivery, build_email, *, task) -> str:
    """Send a claimed delivery (status ``sending``) in its recipient's language.

    The one retry rule for every email: a failure is recorded and queued again on ``task``
    after ``retry_delay`` until ``MAX_ATTEMPTS``, then the delivery is ``failed``; a success
    is ``sent``. Returns the status afterwards. The delivery model has ``Status`` choices
    pending / sent / failed and the ``attempts``, ``last_error`` and ``sent_at`` fields.
    """
    Status = type(delivery).Status
    try:
        # User.language, else LANGUAGE_CODE (attachments such as the PDF included).
        with translation.override(delivery.recipient.email_language):
            build_email(delivery).send()
    except Exception as exc:  # SMTP, network, rendering: record it, retry, never crash
        logger.warning(
            "%s %s failed (attempt %s): %s",
            type(delivery).__name__,
            delivery.pk,
            delivery.attempts,
            exc,
        )
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = Status.FAILED
            delivery.save(update_fields=["status", "last_error", "updated_at"])
        else:
            with transaction.atomic():
                delivery.status = Status.PENDING
                delivery.save(update_fields=["status", "last_error", "updated_at"])
                enqueue(
                    task, [delivery.pk], run_after=timezone.now() + retry_delay(delivery.attempts)
                )
        return delivery.status
    delivery.status = Status.SENT
    delivery.sent_at = timezone.now()
    delivery.last_error = ""
    delivery.save(update_fields=["status", "sent_at", "last_error", "updated_at"])
    return delivery.status
