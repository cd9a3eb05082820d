"""Queueing rules shared by every email task (django-tasks): retry backoff, enqueue on commit.

Each email is a delivery record (invoicing.InvoiceDelivery, clients.CommentDelivery); the
task only carries its id, so the record, not the queue, decides whether it is sent.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

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
