"""Hours, billable hours and billable amount per client, project, person or day (§4.3).

All sums are SQL aggregates over the user's scope; Python only formats the grouped rows.
Amounts are grouped per currency too, since clients bill in different currencies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Project
from timetracker.dates import local_day_bounds, project_timezone
from timetracker.formatting import (
    from_cents,
    local_date,
    local_duration,
    local_money,
    round_money,
    seconds_to_hours,
)
from tracking.models import ClientMonth, ProjectDay, ProjectMonth, TimeEntry, UserProjectMonth


class GroupBy(models.TextChoices):
    CLIENT = "client", _("Client")
    PROJECT = "project", _("Project")
    USER = "user", _("Person")
    DAY = "day", _("Day")


GROUP_BY_CHOICES = GroupBy.choices

# group_by -> (value columns, ordering, header labels)
GROUPINGS = {
    GroupBy.CLIENT: (
        ("client_id", "client__name"),
        ("client__name", "client_id"),
        (_("Client"),),
    ),
    GroupBy.PROJECT: (
        ("project_id", "project__name", "client__name"),
        ("client__name", "project__name", "project_id"),
        (_("Client"), _("Project")),
    ),
    GroupBy.USER: (
        ("user_id", "user__username", "user__first_name", "user__last_name"),
        ("user__first_name", "user__last_name", "user__username", "user_id"),
        (_("Person"),),
    ),
    GroupBy.DAY: (("day",), ("day",), (_("Day"),)),
}

BILLABLE = Q(billable=True)
# The project's rate, else the client's default; no rate at all bills nothing.
RATE = Coalesce(
    "project__hourly_rate",
    "client__default_hourly_rate",
    Value(Decimal("0")),
    output_field=DecimalField(max_digits=10, decimal_places=2),
)
AGGREGATES = {
    "seconds": Coalesce(Sum("duration_seconds"), 0),
    "billable_seconds": Coalesce(Sum("duration_seconds", filter=BILLABLE), 0),
    # rate x seconds, summed in SQL; divided by 3600 and rounded once per row.
    "rate_seconds": Sum(
        ExpressionWrapper(
            F("duration_seconds") * RATE, output_field=DecimalField(max_digits=24, decimal_places=2)
        ),
        filter=BILLABLE,
    ),
}


# The same figures from the (project, local day) rollup: exact, since a report's filters
# (whole local days, client, project) select whole rollup rows; only a person needs entries.
ROLLUP_RATE = Coalesce(
    "project__hourly_rate",
    "project__client__default_hourly_rate",
    Value(Decimal("0")),
    output_field=DecimalField(max_digits=10, decimal_places=2),
)
ROLLUP_AGGREGATES = {
    # First: the later annotations shadow the columns of the same name.
    "rate_seconds": Sum(
        ExpressionWrapper(
            F("billable_seconds") * ROLLUP_RATE,
            output_field=DecimalField(max_digits=24, decimal_places=2),
        )
    ),
    "seconds": Coalesce(Sum("seconds"), 0),
    "billable_seconds": Coalesce(Sum("billable_seconds"), 0),
}


@dataclass
class Report:
    """``rows`` and ``totals`` are values (decimal hours, plain amounts) for the CSV;
    ``display_rows`` and ``display_totals`` the same cells as the page shows them, in the
    active language: durations as ``h:mm (decimal h)``, money with its code, dates in
    ``DATE_FORMAT`` (timetracker.formatting)."""

    headers: list[str]
    rows: list[list] = field(default_factory=list)
    totals: list[list] = field(default_factory=list)
    group_by: str = GroupBy.CLIENT
    # (seconds, billable seconds) of each row and each total, for h:mm on the page.
    row_seconds: list[tuple[int, int]] = field(default_factory=list)
    total_seconds: list[tuple[int, int]] = field(default_factory=list)

    def _display(self, row: list, seconds: tuple[int, int], *, is_total: bool) -> list[str]:
        *labels, currency, _hours, _billable_hours, amount = row
        if self.group_by == GroupBy.DAY and not is_total:
            labels = [local_date(dt.date.fromisoformat(labels[0]))]
        return [
            *labels,
            currency,
            local_duration(seconds[0]),
            local_duration(seconds[1]),
            local_money(amount, currency),
        ]

    @property
    def display_rows(self) -> list[list[str]]:
        return [
            self._display(row, seconds, is_total=False)
            for row, seconds in zip(self.rows, self.row_seconds, strict=True)
        ]

    @property
    def display_totals(self) -> list[list[str]]:
        return [
            self._display(row, seconds, is_total=True)
            for row, seconds in zip(self.totals, self.total_seconds, strict=True)
        ]


def _figures(values: dict) -> list:
    amount = round_money((values["rate_seconds"] or Decimal("0")) / Decimal(3600))
    return [
        values["currency"],
        seconds_to_hours(values["seconds"]),
        seconds_to_hours(values["billable_seconds"]),
        amount,
    ]


def _labels(group_by: str, values: dict) -> list:
    if group_by == GroupBy.CLIENT:
        return [values["client__name"]]
    if group_by == GroupBy.PROJECT:
        return [values["client__name"], values["project__name"]]
    if group_by == GroupBy.USER:
        full = f"{values['user__first_name']} {values['user__last_name']}".strip()
        return [full or values["user__username"]]
    return [values["day"].isoformat()]


def report_build(
    *,
    user,
    date_from: dt.date,
    date_to: dt.date,
    group_by: str = GroupBy.CLIENT,
    client=None,
    project=None,
    person=None,
) -> Report:
    """The report table for ``user``'s scope: one row per group and currency, then totals.

    Finished entries whose start falls on ``date_from``..``date_to`` (inclusive, TIME_ZONE).
    One query for the grouped rows over the (project, local day) rollup; by person over the
    (person, project, local month) rollup (``_by_person``); a person filter with another
    grouping reads that person's entries. The totals are the grouped rows added up per
    currency (``_report``): exact, and no second pass over the same rows.
    """
    if group_by == GroupBy.USER:
        return _by_person(
            user=user,
            date_from=date_from,
            date_to=date_to,
            client=client,
            project=project,
            person=person,
        )
    if person is None:
        grouped = _from_rollups(
            user=user,
            date_from=date_from,
            date_to=date_to,
            group_by=group_by,
            client=client,
            project=project,
        )
        return _report(group_by, grouped)
    return _from_entries(
        user=user,
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        client=client,
        project=project,
        person=person,
    )


def _from_entries(*, user, date_from, date_to, group_by, client, project, person) -> Report:
    """``report_build`` over the entries themselves (one query)."""
    entries = TimeEntry.objects.visible_to(user).finished().started_between(date_from, date_to)
    if client is not None:
        entries = entries.for_client(client)
    if project is not None:
        entries = entries.filter(project=project)
    if person is not None:
        entries = entries.filter(user=person)
    if group_by == GroupBy.DAY:
        entries = entries.annotate(day=TruncDate("start_time", tzinfo=project_timezone()))
    columns, ordering, label_headers = GROUPINGS[group_by]
    currency = {"currency": F("client__currency_code")}

    grouped = (
        entries.values(*columns, **currency).annotate(**AGGREGATES).order_by(*ordering, "currency")
    )
    return _report(group_by, grouped)


def _from_rollups(*, user, date_from, date_to, group_by, client, project):
    """The grouped rows of ``report_build`` from the rollups.

    By day: ``ProjectDay`` rows of the range, one query. By client or project: whole months
    from ``ProjectMonth`` and the days at the range's ends from ``ProjectDay`` (each a
    range scan of its period index), added up per group in Python (a hash aggregate by id,
    no sort of the rollup rows by name), then the labels of the groups in scope in the
    report's order (one scan of the clients or projects in scope: a ``pk IN`` list of
    thousands of ids costs several times that). A month costs at most a row per project
    that booked in it, whatever the day of the month — a year of a big agency is a few
    hundred thousand rollup rows, not its millions of entries or days. Exact: both rollups
    hold whole local days, and the amount is per project either way.
    """
    currency = {"currency": F("project__client__currency_code")}

    def scoped(rows):
        if client is not None:
            rows = rows.for_client(client)
        if project is not None:
            rows = rows.filter(project=project)
        return rows

    if group_by == GroupBy.DAY:
        return list(
            scoped(ProjectDay.objects.visible_to(user).between(date_from, date_to))
            .values("day", **currency)
            .annotate(**ROLLUP_AGGREGATES)
            .order_by("day", "currency")
        )

    by_project = group_by == GroupBy.PROJECT
    key = "project_id" if by_project else "project__client_id"
    # Per group: [seconds, billable seconds] and, by client, [Σ billable × the project's own
    # rate, billable seconds of projects without one]. The currency and the client's default
    # rate come with the labels below, so the sums group by the bare id: no join to the
    # clients, no text key. By project, the rate is applied to each group's seconds in
    # Python, so the rollup rows are not even joined.
    aggregates = {
        "total_seconds": Coalesce(Sum("seconds"), 0),
        "total_billable": Coalesce(Sum("billable_seconds"), 0),
    }
    if not by_project:
        aggregates["rated"] = Sum(
            ExpressionWrapper(
                F("billable_seconds") * F("project__hourly_rate"),
                output_field=DecimalField(max_digits=24, decimal_places=2),
            )
        )
        aggregates["unrated"] = Sum("billable_seconds", filter=Q(project__hourly_rate__isnull=True))
    months, edges = month_split(date_from, date_to)
    sources = []  # (rows, group key, aggregates)
    if months is not None and group_by == GroupBy.CLIENT and project is None:
        # Whole months by client: a row per client and month (2,000 at XL), not one per
        # project that booked in it (15,542), with its worth already summed.
        rows = ClientMonth.objects.visible_to(user).months_between(*months)
        if client is not None:
            rows = rows.for_client(client)
        sources.append((rows, "client_id", CLIENT_MONTH_AGGREGATES))
    elif months is not None:
        rows = scoped(ProjectMonth.objects.visible_to(user).months_between(*months))
        sources.append((rows, key, aggregates))
    if edges:
        days = Q()
        for first, last in edges:
            days |= Q(day__gte=first, day__lte=last)
        rows = scoped(ProjectDay.objects.visible_to(user).filter(days))
        sources.append((rows, key, aggregates))
    sums: dict[int, list] = {}
    for rows, group, sums_of in sources:
        grouped = rows.values(group).annotate(**sums_of).order_by()
        for pk, *figures in grouped.values_list(group, *sums_of):
            if sums_of is CLIENT_MONTH_AGGREGATES:  # cent-seconds to rate × seconds
                figures[2] = from_cents(figures[2])
            total = sums.get(pk)
            if total is None:  # the first source of a group (usually its only one)
                sums[pk] = figures
            else:
                sums[pk] = [(a or 0) + (b or 0) for a, b in zip(total, figures, strict=True)]
    if not sums:
        return []
    if by_project:
        projects = Project.objects.visible_to(user)
        if client is not None:
            projects = projects.filter(client=client)
        if project is not None:
            projects = projects.filter(pk=project.pk)
        labels = projects.order_by("client__name", "name", "pk").values_list(
            "pk", "name", "client__name", "client__currency_code", RATE_OF_PROJECT
        )
        return [
            {
                "project_id": pk,
                "project__name": name,
                "client__name": client_name,
                **_rollup_figures(currency, sums[pk], rate),
            }
            for pk, name, client_name, currency, rate in labels
            if pk in sums
        ]
    clients = Client.objects.visible_to(user)
    if client is not None:
        clients = clients.filter(pk=client.pk)
    labels = clients.order_by("name", "pk").values_list(
        "pk", "name", "currency_code", "default_hourly_rate"
    )
    return [
        {"client_id": pk, "client__name": name, **_rollup_figures(currency, sums[pk], rate)}
        for pk, name, currency, rate in labels
        if pk in sums
    ]


class IntegerSum(Sum):
    """``SUM`` of an integer column as a plain integer from the driver, with no Python
    converter per value (PostgreSQL's ``SUM(bigint)`` is ``numeric``, which the ORM would
    turn back into ``int`` value by value: 8,000 calls for the XL report). No ``filter``."""

    template = "CAST(%(function)s(%(distinct)s%(expressions)s) AS bigint)"
    output_field = models.BigIntegerField()

    @property
    def convert_value(self):
        return self._convert_value_noop


# ClientMonth's sums, in the order of _from_rollups' figures by client.
CLIENT_MONTH_AGGREGATES = {
    "total_seconds": IntegerSum("seconds"),
    "total_billable": IntegerSum("billable_seconds"),
    "rated_cents": IntegerSum("rated_cent_seconds"),
    "unrated": IntegerSum("unrated_seconds"),
}

# A project's effective rate, for the labels of the report by project.
RATE_OF_PROJECT = Coalesce(
    "hourly_rate",
    "client__default_hourly_rate",
    output_field=DecimalField(max_digits=10, decimal_places=2),
)


def _rollup_figures(currency: str, figures: list, rate) -> dict:
    """A group's row from ``_from_rollups``' sums: by client, ``rate`` is the client's
    default, which bills the seconds of its projects without a rate of their own; by
    project (two figures), the project's effective rate, which bills all its seconds."""
    seconds, billable = figures[0], figures[1]
    if len(figures) == 2:
        rated, unrated = Decimal("0"), billable
    else:
        rated, unrated = figures[2] or Decimal("0"), figures[3] or 0
    return {
        "currency": currency,
        "seconds": seconds,
        "billable_seconds": billable,
        "rate_seconds": rated + unrated * (rate or Decimal("0")),
    }


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def month_split(date_from: dt.date, date_to: dt.date):
    """``date_from``..``date_to`` as whole local months and the days left at its ends.

    Returns ``(months, edges)``: ``months`` the (first, last) first days of the whole months
    inside the range, or None; ``edges`` up to two inclusive (first, last) day ranges that
    are parts of a month. Together they cover the range exactly once.
    """
    first = date_from if date_from.day == 1 else _next_month(date_from)
    after = date_to + dt.timedelta(days=1)
    end = after if after.day == 1 else date_to.replace(day=1)  # exclusive
    if first >= end:
        return None, [(date_from, date_to)]
    edges = []
    if date_from < first:
        edges.append((date_from, first - dt.timedelta(days=1)))
    if end <= date_to:
        edges.append((end, date_to))
    last = (end - dt.timedelta(days=1)).replace(day=1)
    return (first, last), edges


def _by_person(*, user, date_from, date_to, client, project, person) -> Report:
    """The report grouped by person: whole months from ``UserProjectMonth``, the partial
    months at the ends of the range from the entries (at most two months' worth), added up
    per (person, currency); then one query for the names, in the report's order.

    Exact: a month row holds whole local days, and the amount is per project (rate of the
    project, else of its client) either way. A year from January to December reads no
    entry at all.
    """
    months, edges = month_split(date_from, date_to)
    sources = []
    if months is not None:
        rows = UserProjectMonth.objects.visible_to(user).months_between(*months)
        if client is not None:
            rows = rows.for_client(client)
        if project is not None:
            rows = rows.filter(project=project)
        if person is not None:
            rows = rows.filter(user=person)
        currency = {"currency": F("project__client__currency_code")}
        sources.append(rows.values("user_id", **currency).annotate(**ROLLUP_AGGREGATES))
    if edges:
        entries = TimeEntry.objects.visible_to(user).finished()
        days = Q()
        for first, last in edges:
            days |= Q(
                start_time__gte=local_day_bounds(first)[0],
                start_time__lt=local_day_bounds(last)[1],
            )
        entries = entries.filter(days)
        if client is not None:
            entries = entries.for_client(client)
        if project is not None:
            entries = entries.filter(project=project)
        if person is not None:
            entries = entries.filter(user=person)
        currency = {"currency": F("client__currency_code")}
        sources.append(entries.values("user_id", **currency).annotate(**AGGREGATES))

    sums: dict[tuple[int, str], dict] = {}
    for source in sources:
        for row in source.order_by():
            key = (row["user_id"], row["currency"])
            total = sums.setdefault(
                key, {"seconds": 0, "billable_seconds": 0, "rate_seconds": Decimal("0")}
            )
            total["seconds"] += row["seconds"]
            total["billable_seconds"] += row["billable_seconds"]
            total["rate_seconds"] += row["rate_seconds"] or Decimal("0")
    by_person: dict[int, list] = {}
    for (user_id, currency), figures in sorted(sums.items(), key=lambda item: item[0][1]):
        by_person.setdefault(user_id, []).append((currency, figures))
    ordering = GROUPINGS[GroupBy.USER][1]
    people = (
        get_user_model()
        .objects.filter(pk__in=by_person)
        .order_by(*(name.removeprefix("user__").replace("user_id", "pk") for name in ordering))
        .values_list("pk", "username", "first_name", "last_name")
    )
    grouped = []
    for user_id, username, first_name, last_name in people:
        names = {"user__username": username, "user__first_name": first_name}
        names["user__last_name"] = last_name
        for currency, figures in by_person[user_id]:
            grouped.append({"user_id": user_id, **names, "currency": currency, **figures})
    return _report(GroupBy.USER, grouped)


def _totals(grouped: list[dict]) -> list[dict]:
    """The grouped rows added up per currency, by currency code (the report's last rows)."""
    totals: dict[str, dict] = {}
    for row in grouped:
        total = totals.setdefault(
            row["currency"],
            {
                "currency": row["currency"],
                "seconds": 0,
                "billable_seconds": 0,
                "rate_seconds": Decimal("0"),
            },
        )
        total["seconds"] += row["seconds"]
        total["billable_seconds"] += row["billable_seconds"]
        total["rate_seconds"] += row["rate_seconds"] or Decimal("0")
    return [totals[currency] for currency in sorted(totals)]


def _report(group_by, grouped) -> Report:
    label_headers = GROUPINGS[group_by][2]
    report = Report(
        headers=[
            *label_headers,
            _("Currency"),
            _("Hours"),
            _("Billable hours"),
            _("Billable amount"),
        ],
        group_by=group_by,
    )
    grouped = list(grouped)
    totals = _totals(grouped)
    report.rows = [[*_labels(group_by, row), *_figures(row)] for row in grouped]
    report.row_seconds = [(row["seconds"], row["billable_seconds"]) for row in grouped]
    blanks = [""] * (len(label_headers) - 1)
    report.totals = [[_("Total"), *blanks, *_figures(row)] for row in totals]
    report.total_seconds = [(row["seconds"], row["billable_seconds"]) for row in totals]
    return report
