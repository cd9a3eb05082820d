"""Writes to clients and projects that the admin runs on many rows at once: archive, reactivate.

Clients and projects are archived, never deleted (billing history points at them). Each
service is one UPDATE of the rows whose state changes, and sets ``updated_at`` itself
(``QuerySet.update`` skips ``auto_now``). Each returns how many rows changed.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from .models import Project


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
