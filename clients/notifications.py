"""Comment emails (PRODUCT.md §10, sent by the rules of §9).

Who hears of a new comment — "the other side":

* a client's comment → the staff and subcontractors assigned to the client (their
  ``assigned_clients``); when nobody is assigned, the active admins (superusers);
* a staff reply that is not internal → the client's active portal users;
* an internal note → nobody (it never leaves the staff side).

Everyone only while ``notify_comments`` is on and they have an address; never the author.
Each email is a ``CommentDelivery`` row first (unique per comment and recipient), queued as a
task in the same transaction as the comment; the task sends a delivery only while it is not
sent yet, so a duplicate task or a restarted worker never mails anyone twice.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from timetracker.deliveries import delivery_requeue
from timetracker.tasks import delivery_attempt, enqueue

from .models import CommentDelivery, ProjectComment

logger = logging.getLogger(__name__)

Status = CommentDelivery.Status


def comment_recipients(*, comment: ProjectComment):
    """The users to email about ``comment`` (a queryset, maybe empty)."""
    users = get_user_model().objects.filter(is_active=True, notify_comments=True).exclude(email="")
    if comment.author_id is not None:
        users = users.exclude(pk=comment.author_id)
    client_id = comment.project.client_id
    if comment.from_client:
        assigned = users.filter(Q(is_staff=True) | Q(is_superuser=True), assigned_clients=client_id)
        if assigned.exists():
            return assigned.order_by("pk")
        return users.filter(is_superuser=True).order_by("pk")
    if comment.internal or comment.deleted_at is not None:
        return users.none()
    return users.filter(client_portal_enabled=True, client_id=client_id).order_by("pk")


@transaction.atomic
def comment_deliveries_create(*, comment: ProjectComment) -> list[CommentDelivery]:
    """Record (and queue) one delivery per recipient not recorded yet; returns the new ones."""
    from .tasks import send_comment_email

    existing = set(comment.deliveries.values_list("recipient_id", flat=True))
    new = [
        CommentDelivery(comment=comment, recipient=user, email=user.email)
        for user in comment_recipients(comment=comment)
        if user.pk not in existing
    ]
    CommentDelivery.objects.bulk_create(new, ignore_conflicts=True)
    created = list(
        comment.deliveries.filter(status=Status.PENDING, attempts=0).exclude(
            recipient_id__in=existing
        )
    )
    enqueue(send_comment_email, [d.pk for d in created])
    return created


@transaction.atomic
def comment_delivery_retry(*, delivery: CommentDelivery) -> bool:
    """Put a failed or skipped delivery back in the queue; False when it is not retryable.

    A retried delivery is still checked when it is sent: a deleted comment or a recipient
    who turned comment emails off is skipped again, never mailed.
    """
    from .tasks import send_comment_email

    requeued = delivery_requeue(CommentDelivery, delivery.pk)
    if requeued:
        enqueue(send_comment_email, [delivery.pk])
    return requeued


def _still_wanted(delivery: CommentDelivery) -> bool:
    comment, user = delivery.comment, delivery.recipient
    if comment.deleted_at is not None or not user.is_active or not user.notify_comments:
        return False
    if comment.from_client:
        return user.is_staff or user.is_superuser
    # To a client: never an internal note, and only while the user still has access.
    return (
        not comment.internal
        and user.is_client_portal_user
        and user.client_id == comment.project.client_id
    )


def _claim(delivery_id: int) -> CommentDelivery | None:
    with transaction.atomic():
        delivery = (
            # Lock the delivery row only: the author join is nullable (an outer join).
            CommentDelivery.objects.select_for_update(of=("self",))
            .select_related("comment__project__client", "comment__author", "recipient")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != Status.PENDING:
            return None
        if not _still_wanted(delivery):
            delivery.status = Status.SKIPPED
            delivery.save(update_fields=["status", "updated_at"])
            return None
        delivery.status = Status.SENDING
        delivery.attempts += 1
        delivery.save(update_fields=["status", "attempts", "updated_at"])
        return delivery


def build_comment_email(delivery: CommentDelivery) -> EmailMultiAlternatives:
    comment = delivery.comment
    project = comment.project
    client = project.client
    if comment.from_client:
        # To staff: the client's own people by name, and a link to the admin.
        author = comment.author.display_name if comment.author else ""
        url = reverse("admin:clients_projectcomment_change", args=[comment.pk])
    else:
        author = client.visibility.person(comment.author)
        url = reverse("portal:project_detail", args=[project.pk]) + "#comments"
    context = {
        "comment": comment,
        "project": project,
        "client": client,
        "author": author,
        "recipient": delivery.recipient,
        "url": settings.SITE_URL + url,
        "support_email": settings.SUPPORT_EMAIL,
    }
    base = "emails/comment_new"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).splitlines()).strip()
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"{base}.txt", context), to=[delivery.email]
    )
    message.attach_alternative(render_to_string(f"{base}.html", context), "text/html")
    return message


def comment_delivery_send(*, delivery_id: int) -> str:
    """Send one delivery if it still needs sending; returns its status afterwards.

    A failure is recorded and retried with backoff (``timetracker.tasks.retry_delay``, the
    invoice emails' rule) until ``MAX_ATTEMPTS``, then the delivery is ``failed``.
    """
    from .tasks import send_comment_email

    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    return delivery_attempt(delivery, build_comment_email, task=send_comment_email)
