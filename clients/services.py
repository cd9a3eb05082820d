"""Writes on clients and projects: archive / reactivate (many rows at once, from the admin)
and project comments with their notifications (PRODUCT.md §10).

Clients and projects are archived, never deleted (billing history points at them). Each
archive service is one UPDATE of the rows whose state changes, and sets ``updated_at`` itself
(``QuerySet.update`` skips ``auto_now``). Each returns how many rows changed.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Project, ProjectComment


@transaction.atomic
def project_comment_create(
    *, project: Project, author, body: str, from_client: bool, internal: bool = False
) -> ProjectComment:
    """Save a comment (validated) and queue its emails in the same transaction.

    A comment from the client is never internal.
    """
    comment = ProjectComment(
        project=project,
        author=author,
        body=body,
        from_client=from_client,
        internal=internal and not from_client,
    )
    comment.full_clean()
    comment.save()
    project_comment_notify(comment=comment)
    return comment


def project_comment_delete(*, comment: ProjectComment) -> ProjectComment:
    """The author's soft delete: the row stays (and shows in the admin), the portal hides it."""
    if comment.deleted_at is None:
        comment.deleted_at = timezone.now()
        comment.save(update_fields=["deleted_at"])
    return comment


def project_comment_notify(*, comment: ProjectComment) -> list:
    """Record and queue one email per recipient of the other side (see ``notifications``)."""
    from .notifications import comment_deliveries_create

    return comment_deliveries_create(comment=comment)


def client_archive(*, queryset: QuerySet) -> int:
    return queryset.filter(is_active=True).update(is_active=False, updated_at=timezone.now())


def client_reactivate(*, queryset: QuerySet) -> int:
    return queryset.filter(is_active=False).update(is_active=True, updated_at=timezone.now())


def project_archive(*, queryset: QuerySet) -> int:
    return queryset.exclude(status=Project.Status.ARCHIVED).update(
        status=Project.Status.ARCHIVED, updated_at=timezone.now()
    )


def project_reactivate(*, queryset: QuerySet) -> int:
    return queryset.exclude(status=Project.Status.ACTIVE).update(
        status=Project.Status.ACTIVE, updated_at=timezone.now()
    )
