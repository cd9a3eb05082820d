"""Background tasks (django-tasks; worker: ``python manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from .notifications import comment_delivery_send


@task()
def send_comment_email(delivery_id: int) -> str:
    """Send one recorded comment email, at most once."""
    return comment_delivery_send(delivery_id=delivery_id)
