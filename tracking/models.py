"""Time entries: manual, from the timer, or from the API."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Case, Count, F, Q, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Project
from timetracker.dates import (
    DATETIME_MAX,
    DATETIME_MIN,
    MAX_DURATION_SECONDS,
    datetime_in_range,
    validate_datetime_in_range,
)
from timetracker.scoping import ScopedQuerySet

# Rows outside the bounds (docs/ARCHITECTURE.md, "Date and duration bounds"). The database
# refuses them since tracking.0003; this finds any written before, or around the constraints.
OUT_OF_RANGE = (
    Q(start_time__lt=DATETIME_MIN)
    | Q(start_time__gte=DATETIME_MAX)
    | Q(end_time__lt=DATETIME_MIN)
    | Q(end_time__gte=DATETIME_MAX)
    | Q(duration_seconds__gt=MAX_DURATION_SECONDS)
)


class TimeEntryQuerySet(ScopedQuerySet):
    # The denormalized client column: scoping needs no join and uses its own index.
    client_lookup = "client_id"

    def bulk_create(self, objs, *args, **kwargs):
        """Django's bulk_create, filling each entry's ``client`` from its project first."""
        objs = list(objs)
        missing = {o.project_id for o in objs if o.client_id is None}
        if missing:
            clients = dict(Project.objects.filter(pk__in=missing).values_list("pk", "client_id"))
            for obj in objs:
                if obj.client_id is None:
                    obj.client_id = clients.get(obj.project_id)
        return super().bulk_create(objs, *args, **kwargs)

    def finished(self) -> TimeEntryQuerySet:
        """Entries whose timer has stopped (``end_time`` set)."""
        return self.filter(end_time__isnull=False)

    def running(self) -> TimeEntryQuerySet:
        """Entries whose timer is still running."""
        return self.filter(end_time__isnull=True)

    def running_for(self, user) -> TimeEntryQuerySet:
        """``user``'s running timer: at most one row (a partial unique index says so)."""
        return self.running().filter(user=user)

    def billable(self) -> TimeEntryQuerySet:
        """Billable entries."""
        return self.filter(billable=True)

    # What a list of entries shows (the portal's tables): the row, its project's name and its
    # person's name. Loading only these skips most columns of three tables.
    LISTING_FIELDS = (
        "start_time",
        "end_time",
        "duration_seconds",
        "notes",
        "billable",
        "project__name",
        "user__username",
        "user__first_name",
        "user__last_name",
    )

    def for_listing(self) -> TimeEntryQuerySet:
        """With the project and user joined, and only the columns a listing shows."""
        return self.select_related("project", "user").only(*self.LISTING_FIELDS)

    def out_of_range(self) -> TimeEntryQuerySet:
        """Entries whose start, end or duration lie outside the stored-instant bounds.

        Read only ids or text casts of these rows (as ``services.time_entry_find_out_of_range``
        does): a value PostgreSQL holds but Python cannot represent fails when materialised.
        """
        return self.filter(OUT_OF_RANGE)

    def started_between(self, date_from=None, date_to=None) -> TimeEntryQuerySet:
        """Entries whose start falls on ``date_from``..``date_to`` (inclusive, in TIME_ZONE)."""
        from timetracker.dates import local_day_bounds

        qs = self
        if date_from is not None:
            qs = qs.filter(start_time__gte=local_day_bounds(date_from)[0])
        if date_to is not None:
            qs = qs.filter(start_time__lt=local_day_bounds(date_to)[1])
        return qs

    def totals(self) -> dict[str, int]:
        """``count``, ``seconds`` and ``billable_seconds`` of the whole set (one aggregate)."""
        return self.aggregate(
            count=Count("pk"),
            seconds=Coalesce(Sum("duration_seconds"), 0),
            billable_seconds=Coalesce(Sum("duration_seconds", filter=Q(billable=True)), 0),
        )

    def seconds_per_period(self, periods: dict) -> dict[str, int]:
        """Seconds tracked overall (key ``total``) and per named period, in one aggregate.

        ``periods`` maps a name to an aware ``(start, end)`` pair; an entry counts towards a
        period when its start falls in ``[start, end)``, so local calendar bounds (see
        ``timetracker.dates.local_day_bounds``) bucket correctly in any TIME_ZONE.
        """
        sums = {
            name: Coalesce(
                Sum("duration_seconds", filter=Q(start_time__gte=start, start_time__lt=end)), 0
            )
            for name, (start, end) in periods.items()
        }
        return self.aggregate(total=Coalesce(Sum("duration_seconds"), 0), **sums)


class TimeEntry(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", _("Manual")
        TIMER = "timer", _("Timer")
        API = "api", _("API")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="time_entries",
        # Keeps its own index: dropping it in a migration also dropped the partial unique
        # index time_entry_one_running_per_user on PostgreSQL (same single column).
    )
    project = models.ForeignKey(
        "clients.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="time_entries",
        db_index=False,  # time_entry_project_start leads with project_id
    )
    # A copy of project.client, so a client's entries are one index range (docs/PERFORMANCE.md).
    # Kept true by save()/bulk_create() and, in the database, by a composite foreign key
    # (PostgreSQL) or triggers (SQLite) that also follow a project moved to another client.
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        related_name="time_entries",
        editable=False,
        db_index=False,  # time_entry_client_start leads with client_id
    )
    # Bounded (timetracker.dates): in forms, admin and API through the validators, in the
    # database through the *_in_range check constraints below.
    start_time = models.DateTimeField(_("start"), validators=[validate_datetime_in_range])
    end_time = models.DateTimeField(
        _("end"), null=True, blank=True, validators=[validate_datetime_in_range]
    )
    # 64-bit: the longest span the bounds allow (~130 years) overflows a 32-bit integer.
    duration_seconds = models.PositiveBigIntegerField(
        _("duration (seconds)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_DURATION_SECONDS)],
    )
    notes = models.TextField(_("notes"), blank=True)
    billable = models.BooleanField(_("billable"), default=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TimeEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-start_time", "-id"]
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__isnull=True) | Q(end_time__gte=models.F("start_time")),
                name="time_entry_end_after_start",
                violation_error_message=_("The end must not be before the start."),
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(end_time__isnull=True),
                name="time_entry_one_running_per_user",
                violation_error_message=_("This user already has a running timer."),
            ),
            models.CheckConstraint(
                condition=Q(end_time__isnull=True, duration_seconds__isnull=True)
                | Q(end_time__isnull=False, duration_seconds__isnull=False),
                name="time_entry_duration_iff_finished",
            ),
            models.CheckConstraint(
                condition=Q(start_time__gte=DATETIME_MIN, start_time__lt=DATETIME_MAX),
                name="time_entry_start_in_range",
                violation_error_message=_("The start is outside the supported date range."),
            ),
            models.CheckConstraint(
                condition=Q(end_time__isnull=True)
                | Q(end_time__gte=DATETIME_MIN, end_time__lt=DATETIME_MAX),
                name="time_entry_end_in_range",
                violation_error_message=_("The end is outside the supported date range."),
            ),
            models.CheckConstraint(
                condition=Q(duration_seconds__isnull=True)
                | Q(duration_seconds__lte=MAX_DURATION_SECONDS),
                name="time_entry_duration_in_range",
            ),
        ]
        indexes = [
            # Portal time-entry list and stats: a client's projects, newest first.
            models.Index(
                fields=["project", "-start_time", "-id"],
                include=["duration_seconds", "billable", "end_time"],
                name="time_entry_project_start",
            ),
            # Portal dashboard and time-entry list: one client's entries newest first, and
            # their sums, as index-only scans (INCLUDE is PostgreSQL-only; SQLite gets the
            # plain index).
            models.Index(
                fields=["client", "-start_time", "-id"],
                include=["duration_seconds", "billable", "end_time", "project"],
                name="time_entry_client_start",
            ),
            # Admin lists and reports by user over a date range.
            models.Index(fields=["user", "-start_time"], name="time_entry_user_start"),
            models.Index(fields=["-start_time"], name="time_entry_start"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.start_time)
        return f"{self.project} · {local:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        # duration_seconds and client are derived data, never entered: keep them true.
        self.sync_duration()
        if self.project_id is not None:
            self.client_id = self.project.client_id
        super().save(*args, **kwargs)

    @property
    def is_running(self) -> bool:
        return self.end_time is None

    @property
    def hours(self):
        from timetracker.formatting import seconds_to_hours

        return seconds_to_hours(self.duration_seconds or 0)

    def clean(self) -> None:
        super().clean()
        if not all(v is None or datetime_in_range(v) for v in (self.start_time, self.end_time)):
            # The field validators report it (timetracker.dates). Nothing is compared here
            # (a second error on the same field), and the derived duration is capped so the
            # duration constraints add no confusing one; such an entry is never saved.
            self.sync_duration()
            if self.duration_seconds is not None:
                self.duration_seconds = min(self.duration_seconds, MAX_DURATION_SECONDS)
            return
        if self.end_time and self.start_time and self.end_time < self.start_time:
            raise ValidationError({"end_time": _("The end must not be before the start.")})
        self.sync_duration()

    def sync_duration(self) -> None:
        """Derive ``duration_seconds`` from start and end (whole seconds; null while running)."""
        if self.end_time is None or self.start_time is None:
            self.duration_seconds = None
        else:
            self.duration_seconds = max(0, int((self.end_time - self.start_time).total_seconds()))


class DayRollupQuerySet(ScopedQuerySet):
    """Shared by both rollups: a day range and the sums of a set of rows."""

    def between(self, date_from=None, date_to=None) -> DayRollupQuerySet:
        """Rows of ``date_from``..``date_to`` (inclusive local days; either may be None)."""
        qs = self
        if date_from is not None:
            qs = qs.filter(day__gte=date_from)
        if date_to is not None:
            qs = qs.filter(day__lte=date_to)
        return qs

    def totals(self) -> dict[str, int]:
        """``count``, ``seconds`` and ``billable_seconds`` of the set, as
        ``TimeEntryQuerySet.totals()`` gives them over the raw rows (one aggregate)."""
        return self.aggregate(
            count=Coalesce(Sum("entry_count"), 0),
            seconds=Coalesce(Sum("seconds"), 0),
            billable_seconds=Coalesce(Sum("billable_seconds"), 0),
        )

    def seconds_per_period(self, periods: dict) -> dict[str, int]:
        """Seconds overall (``total``) and per named ``(first, last)`` inclusive day range.

        One small query: the days from the earliest period on, one row each, and all older
        days summed into one row (``GROUP BY`` a ``CASE``); the periods are summed from those
        rows in Python. A ``SUM(…) FILTER`` per period in SQL gave the same figures, but
        building fourteen filtered aggregates cost the ORM several times the query itself.
        """
        if not periods:
            return {"total": self.aggregate(total=Coalesce(Sum("seconds"), 0))["total"]}
        since = min(first for first, _last in periods.values())
        recent = Case(When(day__gte=since, then=F("day")), default=None)
        rows = (
            self.order_by()
            .annotate(recent_day=recent)
            .values("recent_day")
            .annotate(total=Sum("seconds"))
            .values_list("recent_day", "total")
        )
        by_day = {day: int(total or 0) for day, total in rows}
        result = {"total": sum(by_day.values())}
        for name, (first, last) in periods.items():
            result[name] = sum(
                total for day, total in by_day.items() if day is not None and first <= day <= last
            )
        return result


class DayRollup(models.Model):
    """Finished entries of one local day (TIME_ZONE) — kept by database triggers only.

    Written by the triggers of ``tracking.rollups`` on every change of a time entry and by
    ``rollups_rebuild``; never by the ORM. Counts may be momentarily anything inside a
    statement, hence plain (signed) big integers: a CHECK would reject an upsert's negative
    delta before it is added.
    """

    day = models.DateField(_("day"))
    seconds = models.BigIntegerField(_("seconds"), default=0)
    billable_seconds = models.BigIntegerField(_("billable seconds"), default=0)
    entry_count = models.BigIntegerField(_("entries"), default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}: {self.entry_count} entries, {self.seconds} s"


class ClientDay(DayRollup):
    """Seconds, billable seconds and finished entries of a client per local day."""

    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.DO_NOTHING,  # rows follow the entries, which PROTECT the client
        related_name="day_rollups",
        db_index=False,  # client_day_unique leads with client_id
    )

    objects = DayRollupQuerySet.as_manager()

    class Meta:
        db_table = "tracking_client_day"
        ordering = ["client", "day"]
        constraints = [
            # INCLUDE: sums over a range of days are index-only scans. PostgreSQL only:
            # Django skips a covering constraint on SQLite, where tracking.rollups
            # creates the plain unique index with the triggers.
            models.UniqueConstraint(
                fields=["client", "day"],
                include=["seconds", "billable_seconds", "entry_count"],
                name="client_day_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["id"], condition=Q(entry_count=0), name="client_day_empty"),
        ]


class ProjectDayQuerySet(DayRollupQuerySet):
    client_lookup = "project__client_id"


class ProjectDay(DayRollup):
    """Seconds, billable seconds and finished entries of a project per local day."""

    project = models.ForeignKey(
        "clients.Project",
        verbose_name=_("project"),
        on_delete=models.DO_NOTHING,  # rows follow the entries, which PROTECT the project
        related_name="day_rollups",
        db_index=False,  # project_day_unique leads with project_id
    )

    objects = ProjectDayQuerySet.as_manager()

    class Meta:
        db_table = "tracking_project_day"
        ordering = ["project", "day"]
        constraints = [
            # INCLUDE: sums over a range of days are index-only scans. PostgreSQL only:
            # Django skips a covering constraint on SQLite, where tracking.rollups
            # creates the plain unique index with the triggers.
            models.UniqueConstraint(
                fields=["project", "day"],
                include=["seconds", "billable_seconds", "entry_count"],
                name="project_day_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["id"], condition=Q(entry_count=0), name="project_day_empty"),
            # Staff reports over every project: a range of days, not one probe per project
            # (20,000 at XL). INCLUDE on PostgreSQL (index-only), plain on SQLite.
            models.Index(
                fields=["day", "project"],
                include=["seconds", "billable_seconds"],
                name="project_day_by_day",
            ),
        ]


class MonthRollupQuerySet(ScopedQuerySet):
    client_lookup = "project__client_id"

    def months_between(self, first, last) -> MonthRollupQuerySet:
        """Rows of the months starting on ``first``..``last`` (first days of months, inclusive)."""
        return self.filter(month__gte=first, month__lte=last)


class MonthRollup(models.Model):
    """Finished entries of one local month (``month`` is its first day) — kept by database
    triggers only, as ``DayRollup``."""

    month = models.DateField(_("month"))
    seconds = models.BigIntegerField(_("seconds"), default=0)
    billable_seconds = models.BigIntegerField(_("billable seconds"), default=0)
    entry_count = models.BigIntegerField(_("entries"), default=0)

    objects = MonthRollupQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.entry_count} entries, {self.seconds} s"


class ProjectMonth(MonthRollup):
    """Seconds, billable seconds and finished entries of one project in one local month
    (a ``MonthRollup``). The staff reports by client or project read a month as one row per
    project that booked in it (about 16,000 at XL), not one per (person, project)
    (``UserProjectMonth``: about 95,000 in a whole month at XL, 66,000 after its first
    week)."""

    project = models.ForeignKey(
        "clients.Project",
        verbose_name=_("project"),
        on_delete=models.DO_NOTHING,  # rows follow the entries, which PROTECT the project
        related_name="project_month_rollups",
        db_index=False,  # project_month_unique leads with project_id
    )

    class Meta:
        db_table = "tracking_project_month"
        ordering = ["project", "month"]
        constraints = [
            # The triggers' upsert target (a plain unique index on SQLite, see ClientDay).
            models.UniqueConstraint(
                fields=["project", "month"],
                include=["seconds", "billable_seconds", "entry_count"],
                name="project_month_unique",
            ),
        ]
        indexes = [
            # Reports read a range of months over every project in scope (index-only).
            models.Index(
                fields=["month", "project"],
                include=["seconds", "billable_seconds"],
                name="project_month_by_month",
            ),
            models.Index(fields=["id"], condition=Q(entry_count=0), name="project_month_empty"),
        ]


class UserProjectMonth(MonthRollup):
    """Seconds, billable seconds and finished entries of one person on one project in one
    local month (a ``MonthRollup``). Months, not days: at L a (person, project, day) row
    holds 1.3 entries on average, a month row 9 (docs/PERFORMANCE.md, "Hour rollups")."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.DO_NOTHING,  # rows follow the entries, which PROTECT the user
        related_name="month_rollups",
        db_index=False,  # user_project_month_unique leads with user_id
    )
    project = models.ForeignKey(
        "clients.Project",
        verbose_name=_("project"),
        on_delete=models.DO_NOTHING,  # rows follow the entries, which PROTECT the project
        related_name="month_rollups",
        db_index=False,  # rows are read by month range (user_project_month_month)
    )

    class Meta:
        db_table = "tracking_user_project_month"
        ordering = ["user", "project", "month"]
        constraints = [
            # The triggers' upsert target (a plain unique index on SQLite, see ClientDay).
            models.UniqueConstraint(
                fields=["user", "project", "month"],
                include=["seconds", "billable_seconds", "entry_count"],
                name="user_project_month_unique",
            ),
        ]
        indexes = [
            # Reports read a range of months (and a person's rows through the unique index).
            models.Index(
                fields=["month", "project"],
                include=["user", "seconds", "billable_seconds"],
                name="user_project_month_month",
            ),
            models.Index(
                fields=["id"], condition=Q(entry_count=0), name="user_project_month_empty"
            ),
        ]


class ClientMonthQuerySet(MonthRollupQuerySet):
    client_lookup = "client_id"


class ClientMonth(MonthRollup):
    """Seconds, billable seconds and finished entries of one client in one local month, and
    what its billable seconds are worth: ``rated_cent_seconds`` = Σ billable seconds × the
    project's own rate in cents (projects with a rate), ``unrated_seconds`` = the billable
    seconds of projects without one, which the client's default rate bills at read time.

    A rollup of ``ProjectMonth`` and the projects' rates, kept by the triggers of
    ``tracking.client_months`` (on the project months, and on a project's rate or client
    changing); never written by the ORM. The staff report by client reads a month as one
    row per client (2,000 at XL), not one per project that booked in it (15,542)."""

    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.DO_NOTHING,  # rows follow the entries, which PROTECT the client
        related_name="month_rollups",
        db_index=False,  # client_month_unique leads with client_id
    )
    # Integers: exact sums on SQLite too, which keeps decimals as floating point.
    rated_cent_seconds = models.BigIntegerField(_("rated cent-seconds"), default=0)
    unrated_seconds = models.BigIntegerField(_("unrated billable seconds"), default=0)

    objects = ClientMonthQuerySet.as_manager()

    class Meta:
        db_table = "tracking_client_month"
        ordering = ["client", "month"]
        constraints = [
            # The triggers' upsert target; plain, so SQLite has it too.
            models.UniqueConstraint(fields=["client", "month"], name="client_month_unique"),
        ]
        indexes = [
            # The report reads a range of months over every client in scope (index-only).
            models.Index(
                fields=["month", "client"],
                include=["seconds", "billable_seconds", "rated_cent_seconds", "unrated_seconds"],
                name="client_month_by_month",
            ),
            models.Index(fields=["id"], condition=Q(entry_count=0), name="client_month_empty"),
        ]
