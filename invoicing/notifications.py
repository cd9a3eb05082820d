"""Invoice emails (§9): who gets them, the delivery records, and sending one delivery.

Every email is an ``InvoiceDelivery`` row first (unique per invoice, recipient, kind and
key), queued as a background task in the same transaction as the change that caused it
(the task table is an outbox: if issuing rolls back, nothing is queued). The task sends a
delivery only while it is not ``sent``, so re-issues, retries and a restarted worker never
mail anyone twice. Failures retry with exponential backoff and end as ``failed``.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from timetracker.deliveries import delivery_requeue
from timetracker.tasks import delivery_attempt, enqueue

from .models import Invoice, InvoiceDelivery
from .pdf import invoice_document_context, pdf_filename, render_invoice_pdf

logger = logging.getLogger(__name__)

Kind = InvoiceDelivery.Kind
Status = InvoiceDelivery.Status

# A delivery claimed ("sending") longer ago than this belongs to a worker that died.
STALE_CLAIM = dt.timedelta(minutes=10)
# The user flag that opts into each kind of email.
OPT_IN_FIELD = {Kind.INVOICE: "notify_invoices", Kind.REMINDER: "notify_reminders"}
TEMPLATES = {Kind.INVOICE: "emails/invoice_new", Kind.REMINDER: "emails/invoice_reminder"}


def invoice_recipients(*, invoice: Invoice, kind: str):
    """Active portal users of the invoice's client who opted into ``kind`` emails."""
    return (
        get_user_model()
        .objects.portal_users()
        .filter(client_id=invoice.client_id, is_active=True, **{OPT_IN_FIELD[kind]: True})
        .exclude(email="")
        .order_by("pk")
    )


def _enqueue(delivery_ids, *, run_after: dt.datetime | None = None) -> None:
    from .tasks import send_invoice_email

    enqueue(send_invoice_email, delivery_ids, run_after=run_after)


@transaction.atomic
def invoice_deliveries_create(
    *, invoice: Invoice, kind: str, key: str = ""
) -> list[InvoiceDelivery]:
    """Record (and queue) one delivery per recipient that has none for (kind, key) yet.

    Returns the new deliveries; recipients already recorded are left alone, so calling this
    again never queues a second email.
    """
    existing = set(
        InvoiceDelivery.objects.filter(invoice=invoice, kind=kind, key=key).values_list(
            "recipient_id", flat=True
        )
    )
    new = [
        InvoiceDelivery(invoice=invoice, recipient=user, email=user.email, kind=kind, key=key)
        for user in invoice_recipients(invoice=invoice, kind=kind)
        if user.pk not in existing
    ]
    # ignore_conflicts: a concurrent call recorded the same recipient first; the unique
    # constraint keeps one row, and only rows we can read back get queued.
    InvoiceDelivery.objects.bulk_create(new, ignore_conflicts=True)
    created = list(
        InvoiceDelivery.objects.filter(
            invoice=invoice, kind=kind, key=key, status=Status.PENDING, attempts=0
        ).exclude(recipient_id__in=existing)
    )
    _enqueue([d.pk for d in created])
    return created


@transaction.atomic
def invoice_resend(*, invoice: Invoice) -> int:
    """Send the new-invoice email again to every current recipient (the admin's "Resend").

    Records deliveries for recipients added since, and puts every delivery of the invoice
    back to pending. Returns the number of emails queued.
    """
    if not invoice.is_issued:
        return 0
    invoice_deliveries_create(invoice=invoice, kind=Kind.INVOICE)
    deliveries = InvoiceDelivery.objects.filter(invoice=invoice, kind=Kind.INVOICE).exclude(
        status=Status.SENDING
    )
    ids = list(deliveries.values_list("pk", flat=True))
    deliveries.update(status=Status.PENDING, attempts=0, last_error="", updated_at=timezone.now())
    _enqueue(ids)
    return len(ids)


@transaction.atomic
def delivery_retry(*, delivery: InvoiceDelivery) -> bool:
    """Put a failed or skipped delivery back in the queue; False when it is not retryable."""
    requeued = delivery_requeue(InvoiceDelivery, delivery.pk)
    if requeued:
        _enqueue([delivery.pk])
    return requeued


@transaction.atomic
def deliveries_resume(*, stale_after: dt.timedelta = STALE_CLAIM) -> int:
    """Queue again what a crashed or stopped worker left behind.

    Pending deliveries untouched for ``stale_after`` (their task was lost) and claims older
    than that (the worker died mid-send). Safe to run any time: a delivery that is sent by
    then is skipped by the task.
    """
    cutoff = timezone.now() - stale_after
    stale = InvoiceDelivery.objects.unsent().filter(updated_at__lte=cutoff)
    ids = list(stale.values_list("pk", flat=True))
    # Release the claims so the new task may take them.
    InvoiceDelivery.objects.filter(pk__in=ids, status=Status.SENDING).update(
        status=Status.PENDING, updated_at=timezone.now()
    )
    _enqueue(ids)
    return len(ids)


def _claim(delivery_id: int) -> InvoiceDelivery | None:
    """Mark the delivery ``sending`` (one attempt more) unless it is done or claimed."""
    with transaction.atomic():
        delivery = (
            InvoiceDelivery.objects.select_for_update()
            .select_related("invoice__client", "recipient")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in (Status.SENT, Status.FAILED, Status.SKIPPED):
            return None
        if delivery.status == Status.SENDING and delivery.updated_at > (
            timezone.now() - STALE_CLAIM
        ):
            return None  # another worker is sending it right now
        recipient = delivery.recipient
        still_wanted = (
            recipient.is_active
            and recipient.is_client_portal_user
            and recipient.client_id == delivery.invoice.client_id
            and getattr(recipient, OPT_IN_FIELD[delivery.kind])
            and delivery.invoice.is_issued
        )
        if not still_wanted:
            delivery.status = Status.SKIPPED
            delivery.save(update_fields=["status", "updated_at"])
            return None
        delivery.status = Status.SENDING
        delivery.attempts += 1
        delivery.save(update_fields=["status", "attempts", "updated_at"])
        return delivery


def build_invoice_email(delivery: InvoiceDelivery) -> EmailMultiAlternatives:
    """Subject, plain text and HTML from templates/emails/, the PDF attached."""
    invoice = delivery.invoice
    context = invoice_document_context(invoice, show_draft_mark=False)
    context.update(
        recipient=delivery.recipient,
        invoice_url=settings.SITE_URL + reverse("portal:invoice_detail", args=[invoice.pk]),
        support_email=settings.SUPPORT_EMAIL,
    )
    base = TEMPLATES[delivery.kind]
    # One line (headers cannot hold newlines); keeps the no-break space of amounts.
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).splitlines()).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{base}.txt", context),
        to=[delivery.email],
    )
    message.attach_alternative(render_to_string(f"{base}.html", context), "text/html")
    message.attach(pdf_filename(invoice), render_invoice_pdf(invoice), "application/pdf")
    return message


def delivery_send(*, delivery_id: int) -> str:
    """Send one delivery if it still needs sending; returns its status afterwards.

    The background task's body; failures are retried with backoff, then ``failed``
    (``timetracker.tasks.delivery_attempt``, the rule every email shares).
    """
    from .tasks import send_invoice_email

    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    return delivery_attempt(delivery, build_invoice_email, task=send_invoice_email)


def overdue_reminders_send(
    *, every_days: int = 7, dry_run: bool = False, on: dt.date | None = None
) -> list[Invoice]:
    """Queue a reminder for every overdue invoice not reminded in the last ``every_days``.

    Idempotent: a second run within ``every_days`` queues nothing. Returns the invoices
    reminded (or that would be, with ``dry_run``).
    """
    from timetracker.dates import today

    day = on or today()
    since = timezone.now() - dt.timedelta(days=every_days)
    due = []
    overdue = Invoice.objects.overdue(on=day).order_by("due_date", "pk")
    for invoice in overdue:
        recent = invoice.deliveries.filter(kind=Kind.REMINDER, created_at__gt=since).exists()
        if not recent:
            due.append(invoice)
    if not dry_run:
        for invoice in due:
            invoice_deliveries_create(invoice=invoice, kind=Kind.REMINDER, key=day.isoformat())
    return due
