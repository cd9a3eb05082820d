"""The record behind every email (invoicing.InvoiceDelivery, clients.CommentDelivery).

An abstract model: each app's delivery adds what the email is about (its foreign keys) and its
uniqueness rule; the status, attempts and timestamps are the same everywhere, and so is the
sending rule that reads them (``timetracker.tasks.delivery_attempt``).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # The recipient lost access or opted out (or the subject was deleted) before it went out.
    SKIPPED = "skipped", _("Skipped")


class DeliveryRecord(models.Model):
    Status = DeliveryStatus

    # The address used, kept even if the user's address changes later.
    email = models.EmailField(_("email"))
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


def delivery_requeue(model: type[DeliveryRecord], pk: int) -> bool:
    """Set a failed or skipped delivery back to pending with its attempts reset; False when
    it is in any other state (sent, or still in the queue). The caller queues its task."""
    return bool(
        model.objects.filter(
            pk=pk, status__in=[DeliveryStatus.FAILED, DeliveryStatus.SKIPPED]
        ).update(
            status=DeliveryStatus.PENDING, attempts=0, last_error="", updated_at=timezone.now()
        )
    )
