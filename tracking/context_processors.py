"""Template context for the admin header: the staff user's running timer (§4.3)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from timetracker.formatting import format_hm

from .models import TimeEntry


@dataclass(frozen=True)
class RunningTimer:
    entry: TimeEntry
    elapsed_seconds: int
    # False when the entry's client has left the user's scope since the timer started: the
    # header then neither names the project nor the client, but the user can still stop it.
    in_scope: bool = True

    @property
    def elapsed(self) -> str:
        return format_hm(self.elapsed_seconds)


def running_timer(request) -> dict:
    """``running_timer``: the user's running entry with its elapsed time, or ``None``.

    Lazy, so only templates that show it pay for it; staff only. One query, plus one more
    for a subcontractor (``visible_to`` reads their assigned clients).
    """

    def load() -> RunningTimer | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return None
        visible = TimeEntry.objects.visible_to(user).filter(pk=OuterRef("pk"))
        entry = (
            TimeEntry.objects.running_for(user)
            .select_related("project__client")
            .annotate(in_scope=Exists(visible))
            .first()
        )
        if entry is None:
            return None
        elapsed = max(0, int((timezone.now() - entry.start_time).total_seconds()))
        return RunningTimer(entry=entry, elapsed_seconds=elapsed, in_scope=entry.in_scope)

    return {"running_timer": SimpleLazyObject(load)}
