"""Timer: start and stop a running time entry; find and repair entries outside the bounds."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Project
from timetracker.dates import validate_datetime_in_range

from . import client_months, rollups
from .models import TimeEntry


class TimerAlreadyRunning(ValidationError):
    """The user already has a running timer."""


class NoRunningTimer(ValidationError):
    """The user has no running timer to stop."""


def timer_running(*, user) -> TimeEntry | None:
    """The user's running entry, if any."""
    return TimeEntry.objects.running_for(user).select_related("project").first()


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
    if TimeEntry.objects.running_for(user).exists():
        raise TimerAlreadyRunning(_("You already have a running timer. Stop it first."))
    start = timezone.now()
    validate_datetime_in_range(start)  # a server clock gone wrong must not poison the table
    entry = TimeEntry(
        user=user,
        project=project,
        start_time=start,
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
    entry = TimeEntry.objects.select_for_update().running_for(user).first()
    if entry is None:
        raise NoRunningTimer(_("There is no running timer to stop."))
    entry.end_time = max(timezone.now(), entry.start_time)
    validate_datetime_in_range(entry.end_time)
    entry.save()
    return entry


# --- Entries outside the bounds (docs/ADMIN.md, "Time entries outside the date range") ------


@dataclass(frozen=True)
class OutOfRangeEntry:
    """One entry outside the bounds, as the database stores it: instants as text, since
    PostgreSQL holds values (year 0, year 10000) that Python cannot represent."""

    id: int
    user_id: int
    project_id: int
    start_time: str
    end_time: str | None
    duration_seconds: int | None
    invoiced: bool


def time_entry_find_out_of_range() -> list[OutOfRangeEntry]:
    """Every entry whose start, end or duration lies outside ``timetracker.dates``' bounds,
    read as ids and text casts (never as datetimes), oldest id first."""
    rows = (
        TimeEntry.objects.out_of_range()
        .order_by("pk")
        .values_list(
            "pk",
            "user_id",
            "project_id",
            Cast("start_time", TextField()),
            Cast("end_time", TextField()),
            # Text too: on SQLite a row written around the constraints may hold anything.
            Cast("duration_seconds", TextField()),
        )
    )
    rows = list(rows)
    invoiced = set(
        TimeEntry.objects.filter(pk__in=[row[0] for row in rows], invoice_items__isnull=False)
        .order_by()  # DISTINCT would select the ordering's start_time, parsing it
        .values_list("pk", flat=True)
        .distinct()
    )
    return [
        OutOfRangeEntry(
            id=pk,
            user_id=user_id,
            project_id=project_id,
            start_time=start,
            end_time=end,
            duration_seconds=int(seconds) if seconds is not None and seconds.isdigit() else seconds,
            invoiced=pk in invoiced,
        )
        for pk, user_id, project_id, start, end, seconds in rows
    ]


def _out_of_range_entry(entry_id: int):
    entries = TimeEntry.objects.out_of_range().filter(pk=entry_id)
    if not entries.exists():
        raise ValidationError(
            _(
                "Time entry %(id)s does not exist or is not outside the date range; "
                "change it in the admin instead."
            ),
            code="not_out_of_range",
            params={"id": entry_id},
        )
    return entries


@transaction.atomic
def time_entry_correct_range(*, entry_id: int, start_time: dt.datetime, end_time: dt.datetime):
    """Give an entry outside the bounds new, valid start and end times (duration derived).

    Updates in SQL without reading the old instants (they may not be representable).
    """
    errors = {}
    for name, value in (("start_time", start_time), ("end_time", end_time)):
        try:
            validate_datetime_in_range(value)
        except ValidationError as exc:
            errors[name] = exc
    if errors:
        raise ValidationError(errors)
    if end_time < start_time:
        raise ValidationError({"end_time": _("The end must not be before the start.")})
    entries = _out_of_range_entry(entry_id)
    entry = TimeEntry(start_time=start_time, end_time=end_time)
    entry.sync_duration()
    entries.update(
        start_time=start_time,
        end_time=end_time,
        duration_seconds=entry.duration_seconds,
        updated_at=timezone.now(),
    )


@transaction.atomic
def time_entry_delete_out_of_range(*, entry_id: int) -> None:
    """Delete one entry outside the bounds, unless an invoice bills it (correct it then)."""
    entries = _out_of_range_entry(entry_id)
    # The invoice link is a many-to-many: deleting would silently unbill the entry.
    if entries.filter(invoice_items__isnull=False).exists():
        raise ValidationError(
            _("Time entry %(id)s is billed on an invoice: correct it instead of deleting it."),
            code="invoiced",
            params={"id": entry_id},
        )
    # Only the id is loaded: the stored instants may not be representable in Python.
    entries.only("pk").delete()


# --- Hour rollups (tracking.rollups) ------------------------------------------------------


def _rollup_difference_sql(vendor: str, time_zone: str, rollup: rollups.Rollup) -> str:
    if vendor == "sqlite":
        # Django's own conversion (Python zoneinfo), not the triggers' offset table: the
        # check must notice triggers installed for another zone.
        period = f"django_datetime_cast_date(start_time, '{time_zone}', 'UTC')"
        if rollup.period == "month":
            period = f"date({period}, 'start of month')"
    else:
        period = rollups.period_sql(vendor, "start_time", time_zone, rollup.period)
    keys = ", ".join(rollup.keys)
    match = " AND ".join(f"t.{key} = e.{key}" for key in rollup.keys)
    first = rollup.keys[0]
    return f"""
        SELECT COUNT(*) FROM (
            SELECT {keys}, {period} AS period, SUM(duration_seconds) AS s,
                SUM(CASE WHEN billable THEN duration_seconds ELSE 0 END) AS b, COUNT(*) AS n
            FROM {rollups.ENTRY} WHERE end_time IS NOT NULL GROUP BY {keys}, {period}
        ) e FULL OUTER JOIN {rollup.table} t ON {match} AND t.{rollup.period} = e.period
        WHERE e.{first} IS NULL OR t.{first} IS NULL OR e.s <> t.seconds
            OR e.b <> t.billable_seconds OR e.n <> t.entry_count
    """  # noqa: S608 - constants and a validated zone name


def rollups_check(*, using: str = "default") -> dict[str, int]:
    """Rows of each rollup table that differ from the entries (as ``TIME_ZONE`` counts days):
    missing, extra or with other figures. All zero when the rollups are true."""
    connection = connections[using]
    with connection.cursor() as cursor:
        result = {}
        for rollup in rollups.ROLLUPS:
            cursor.execute(_rollup_difference_sql(connection.vendor, settings.TIME_ZONE, rollup))
            result[rollup.table] = cursor.fetchone()[0]
        # The client months against the project months and the projects' rates.
        result[client_months.CLIENT_MONTH] = 0
        for sql in client_months.difference_sql(connection.vendor):
            cursor.execute(sql)
            result[client_months.CLIENT_MONTH] += cursor.fetchone()[0]
    return result


def rollups_rebuild(
    *, using: str = "default", batch_size: int = 100, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Reinstall the rollup triggers for the current ``TIME_ZONE`` and recompute every rollup
    row from the time entries; returns the number of rows of each table.

    One transaction; on PostgreSQL time-entry writes wait for it (``SHARE`` lock), reads go
    on. ``progress`` is called with the number of keys (clients, projects) done in each
    batch (``rollups_rebuild_size()`` is the total).
    """
    connection = connections[using]
    vendor = connection.vendor
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {rollups.ENTRY} IN SHARE MODE")
        # The client months follow the project months: off while those are rewritten (on
        # SQLite every deleted and inserted row would fire), then rebuilt once at the end.
        client_months.uninstall_triggers(connection)
        rollups.install_triggers(connection, settings.TIME_ZONE)
        keys = _rollup_keys(using)
        counts = {}
        for rollup in rollups.ROLLUPS:
            ids = keys[rollup.batch_key]
            cursor.execute(f"DELETE FROM {rollup.table}")  # noqa: S608 - a constant
            sql = rollups.rebuild_sql(vendor, settings.TIME_ZONE, rollup)
            for start in range(0, len(ids), batch_size):
                batch = ids[start : start + batch_size]
                cursor.execute(sql, [batch if vendor == "postgresql" else json.dumps(batch)])
                if progress is not None:
                    progress(len(batch))
            cursor.execute(f"SELECT COUNT(*) FROM {rollup.table}")  # noqa: S608 - a constant
            counts[rollup.table] = cursor.fetchone()[0]
        client_months.install_triggers(connection)
        cursor.execute(f"SELECT COUNT(*) FROM {client_months.CLIENT_MONTH}")  # noqa: S608
        counts[client_months.CLIENT_MONTH] = cursor.fetchone()[0]
    return counts


def _rollup_keys(using: str) -> dict[str, list[int]]:
    """The values of each rollup's ``batch_key`` that entries can have."""
    clients = Project.objects.using(using).values_list("client_id", flat=True).distinct()
    projects = Project.objects.using(using).values_list("pk", flat=True)
    return {"client_id": sorted(set(clients)), "project_id": sorted(projects)}


def rollups_rebuild_size(*, using: str = "default") -> int:
    """How many units of work ``rollups_rebuild`` reports through ``progress``."""
    keys = _rollup_keys(using)
    return sum(len(keys[rollup.batch_key]) for rollup in rollups.ROLLUPS)
