"""Background tasks (django-tasks; worker: ``python manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from .notifications import delivery_send


@task()
def send_invoice_email(delivery_id: int) -> str:
    """Send one recorded invoice email (new invoice or reminder), at most once."""
    return delivery_send(delivery_id=delivery_id)
