"""Timer: start and stop a running time entry."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Project

from .models import TimeEntry


class TimerAlreadyRunning(ValidationError):
    """The user already has a running timer."""


class NoRunningTimer(ValidationError):
    """The user has no running timer to stop."""


def timer_running(*, user) -> TimeEntry | None:
    """The user's running entry, if any."""
    return TimeEntry.objects.running().filter(user=user).select_related("project").first()


def timer_start(*, user, project: Project, notes: str = "") -> TimeEntry:
    """Start a timer on a project in the user's scope; one running timer per user.

    Only staff track time: a client portal user sees their client's projects but never
    starts a timer on them.
    """
    if not user.is_staff:
        raise PermissionDenied(_("Only staff users track time."))
    if not Project.objects.visible_to(user).filter(pk=project.pk).exists():
        raise PermissionDenied(_("This project is outside your scope."))
    if project.status != Project.Status.ACTIVE:
        raise ValidationError(_("Timers can only run on active projects."))
    if TimeEntry.objects.running().filter(user=user).exists():
        raise TimerAlreadyRunning(_("You already have a running timer. Stop it first."))
    entry = TimeEntry(
        user=user,
        project=project,
        start_time=timezone.now(),
        source=TimeEntry.Source.TIMER,
        billable=project.billable,
        notes=notes,
    )
    try:
        # The partial unique constraint is the real guard against two concurrent starts.
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        raise TimerAlreadyRunning(_("You already have a running timer. Stop it first.")) from exc
    return entry


@transaction.atomic
def timer_stop(*, user) -> TimeEntry:
    """Stop the user's running timer, setting ``end_time`` and ``duration_seconds``."""
    entry = TimeEntry.objects.select_for_update().running().filter(user=user).first()
    if entry is None:
        raise NoRunningTimer(_("There is no running timer to stop."))
    entry.end_time = max(timezone.now(), entry.start_time)
    entry.save()
    return entry
