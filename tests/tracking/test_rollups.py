"""The hour rollups (tracking.rollups, and tracking.client_months over them) equal the
aggregate over the raw rows, whatever writes the rows: ORM saves, queryset updates and
deletes, bulk_create, raw SQL, timer stops, a project moved to another client or given
another rate — in a time zone with DST, on SQLite and PostgreSQL."""

import datetime as dt
import zoneinfo
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clients.models import Project
from tests.factories import ClientFactory, ProjectFactory, StaffUserFactory, TimeEntryFactory
from tests.transactions import rolled_back
from tests.transactions import truncate as truncate_table
from tracking import rollups, services
from tracking.models import (
    ClientDay,
    ClientMonth,
    ProjectDay,
    ProjectMonth,
    TimeEntry,
    UserProjectMonth,
)

pytestmark = pytest.mark.django_db

ZONE = "Europe/Brussels"
# Instants around both 2024 DST changes and local midnights, in UTC.
BASES = [
    dt.datetime(2024, 3, 30, 22, 0, tzinfo=dt.UTC),  # 23:00 local, the night clocks go forward
    dt.datetime(2024, 3, 31, 0, 30, tzinfo=dt.UTC),
    dt.datetime(2024, 10, 26, 21, 30, tzinfo=dt.UTC),  # the night clocks go back
    dt.datetime(2024, 10, 27, 0, 59, tzinfo=dt.UTC),
    dt.datetime(2024, 12, 31, 22, 59, tzinfo=dt.UTC),  # 23:59 local on New Year's Eve
]


def expected():
    """Every rollup recomputed in Python from the finished rows (zoneinfo local days)."""
    tz = zoneinfo.ZoneInfo(ZONE)
    by_client, by_project = defaultdict(lambda: [0, 0, 0]), defaultdict(lambda: [0, 0, 0])
    by_person = defaultdict(lambda: [0, 0, 0])
    by_project_month = defaultdict(lambda: [0, 0, 0])
    by_client_month = defaultdict(lambda: [0, 0, 0, 0, 0])
    rates = dict(Project.objects.values_list("pk", "hourly_rate"))
    rows = TimeEntry.objects.finished().values_list(
        "client_id", "project_id", "user_id", "start_time", "duration_seconds", "billable"
    )
    for client_id, project_id, user_id, start, seconds, billable in rows:
        # What the client's month is worth: billable seconds × the project's rate in
        # cents, or apart when the project has no rate (the client's default bills them).
        month = by_client_month[(client_id, start.astimezone(tz).date().replace(day=1))]
        rate = rates[project_id]
        month[0] += seconds
        month[1] += seconds if billable else 0
        month[2] += 1
        if billable and rate is not None:
            month[3] += seconds * int(rate * 100)
        elif billable:
            month[4] += seconds
        day = start.astimezone(tz).date()
        keys = (
            ((client_id, day), by_client),
            ((project_id, day), by_project),
            ((user_id, project_id, day.replace(day=1)), by_person),
            ((project_id, day.replace(day=1)), by_project_month),
        )
        for key, table in keys:
            figures = table[key]
            figures[0] += seconds
            figures[1] += seconds if billable else 0
            figures[2] += 1
    return tuple(
        {k: tuple(v) for k, v in table.items()}
        for table in (by_client, by_project, by_person, by_project_month, by_client_month)
    )


def actual():
    fields = ("seconds", "billable_seconds", "entry_count")

    def rows(model, *key):
        return {
            tuple(row[: len(key)]): row[len(key) :]
            for row in model.objects.values_list(*key, *fields)
        }

    return (
        rows(ClientDay, "client_id", "day"),
        rows(ProjectDay, "project_id", "day"),
        rows(UserProjectMonth, "user_id", "project_id", "month"),
        rows(ProjectMonth, "project_id", "month"),
        {
            (client, month): tuple(figures)
            for client, month, *figures in ClientMonth.objects.values_list(
                "client_id", "month", *fields, "rated_cent_seconds", "unrated_seconds"
            )
        },
    )


@pytest.fixture
def world(db):
    with override_settings(TIME_ZONE=ZONE):
        # Triggers for a DST zone, inside the test's transaction (rolled back after it).
        services.rollups_rebuild()
        acme, globex = ClientFactory(), ClientFactory()
        projects = [ProjectFactory(client=acme), ProjectFactory(client=acme)]
        projects.append(ProjectFactory(client=globex))
        users = [StaffUserFactory() for _ in range(3)]
        yield {"clients": [acme, globex], "projects": projects, "users": users}


def _start(base, minutes):
    return BASES[base] + dt.timedelta(minutes=minutes)


create = st.tuples(
    st.just("create"),
    st.sampled_from(["orm", "bulk", "raw", "copy"]),
    st.integers(0, 2),  # project
    st.integers(0, len(BASES) - 1),
    st.integers(-90, 90),  # minutes from the base
    st.one_of(st.none(), st.integers(0, 600)),  # duration minutes; None = running
    st.booleans(),  # billable
)
edit = st.tuples(
    st.just("edit"),
    st.sampled_from(["orm", "update", "billable", "billable_later", "length", "notes", "person"]),
    st.integers(0, 50),  # entry (modulo the existing ones)
    st.integers(0, 2),
    st.integers(0, len(BASES) - 1),
    st.integers(-90, 90),
    st.integers(0, 600),
    st.booleans(),
)
stop = st.tuples(st.just("stop"), st.integers(0, 2))
delete = st.tuples(st.just("delete"), st.sampled_from(["orm", "queryset"]), st.integers(0, 50))
move = st.tuples(st.just("move"), st.integers(0, 2))
# A project's own rate set, changed or removed; a client's default changed (stores nothing).
RATES = [None, Decimal("0.00"), Decimal("0.29"), Decimal("33.33"), Decimal("120.00")]
rate = st.tuples(
    st.just("rate"),
    st.sampled_from(["project", "projects", "client"]),
    st.integers(0, 2),
    st.sampled_from(RATES),
)
truncate = st.tuples(st.just("truncate"))
# Two creates at once: a multi-row statement takes the triggers' aggregate path.
create_many = st.tuples(
    st.just("create_many"), st.sampled_from(["bulk", "copy"]), st.integers(0, 4)
)
operations = st.lists(
    st.one_of(create, create_many, edit, stop, delete, move, rate, truncate),
    min_size=1,
    max_size=12,
)


COLUMNS = (
    "user_id",
    "project_id",
    "client_id",
    "start_time",
    "end_time",
    "duration_seconds",
    "notes",
    "billable",
    "source",
    "created_at",
    "updated_at",
)


def _values(entry):
    return [
        entry.user_id,
        entry.project_id,
        entry.project.client_id,
        entry.start_time,
        entry.end_time,
        entry.duration_seconds,
        "",
        entry.billable,
        "manual",
        entry.start_time,
        entry.start_time,
    ]


def _write(how, entries):
    """Insert ``entries`` in one statement of the kind ``how`` (one per entry for ``orm``)."""
    for entry in entries:
        entry.sync_duration()
    if how == "orm":
        for entry in entries:
            entry.save()
    elif how == "bulk":
        TimeEntry.objects.bulk_create(entries)
    elif how == "copy" and connection.vendor == "postgresql":
        # As seed_demo writes (demo.writer): COPY fires the statement-level triggers once.
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY tracking_timeentry ({', '.join(COLUMNS)}) FROM STDIN") as copy,
        ):
            for entry in entries:
                copy.write_row(_values(entry))
    else:  # raw SQL; "copy" on SQLite: one multi-row INSERT
        rows = ", ".join(["(" + ", ".join(["%s"] * len(COLUMNS)) + ")"] * len(entries))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO tracking_timeentry ({', '.join(COLUMNS)}) VALUES {rows}",  # noqa: S608 - constants
                [value for entry in entries for value in _values(entry)],
            )


def apply(world, op):
    kind, *args = op
    projects, users = world["projects"], world["users"]
    entries = list(TimeEntry.objects.order_by("pk"))
    if kind == "create":
        how, project, base, minutes, duration, billable = args
        project = projects[project]
        project.refresh_from_db()
        start = _start(base, minutes)
        end = None if duration is None else start + dt.timedelta(minutes=duration)
        busy = set(TimeEntry.objects.running().values_list("user_id", flat=True))
        free = [u for u in users if u.pk not in busy]
        if end is None and not free:
            end = start
        user = free[0] if end is None else users[0]
        entry = TimeEntry(
            user=user, project=project, start_time=start, end_time=end, billable=billable
        )
        _write(how, [entry])
    elif kind == "create_many":
        # Finished entries on every project, base and person, a few of them sharing a row.
        how, count = args
        for project in projects:
            project.refresh_from_db()
        batch = []
        for n in range(count + 2):
            start = _start(n % len(BASES), 7 * n)
            batch.append(
                TimeEntry(
                    user=users[n % len(users)],
                    project=projects[n % len(projects)],
                    start_time=start,
                    end_time=start + dt.timedelta(minutes=5 * n),
                    billable=n % 2 == 0,
                )
            )
        _write(how, batch)
    elif kind == "edit" and entries:
        how, index, project, base, minutes, duration, billable = args
        entry = entries[index % len(entries)]
        project = projects[project]
        project.refresh_from_db()
        start = _start(base, minutes)
        end = None if entry.end_time is None else start + dt.timedelta(minutes=duration)
        if how == "billable":  # an UPDATE of that one column
            TimeEntry.objects.filter(pk=entry.pk).update(billable=billable)
        elif how == "billable_later":  # the same for this entry and every later one
            TimeEntry.objects.filter(pk__gte=entry.pk).update(billable=billable)
        elif how == "length":  # the same start (same rollup rows), another duration
            if entry.end_time is not None:
                entry.end_time = entry.start_time + dt.timedelta(minutes=duration)
                entry.save()
        elif how == "notes":  # changes no figure
            TimeEntry.objects.filter(pk=entry.pk).update(notes=f"note {minutes}")
        elif how == "person":  # another person's month row
            if entry.end_time is not None:
                person = users[(users.index(entry.user) + 1) % len(users)]
                TimeEntry.objects.filter(pk=entry.pk).update(user=person)
        elif how == "orm":
            entry.project, entry.start_time, entry.end_time = project, start, end
            entry.billable = billable
            entry.save()
        else:
            seconds = None if end is None else duration * 60
            TimeEntry.objects.filter(pk=entry.pk).update(
                project=project,
                client=project.client_id,
                start_time=start,
                end_time=end,
                duration_seconds=seconds,
                billable=billable,
            )
    elif kind == "stop":
        user = users[args[0]]
        if TimeEntry.objects.running().filter(user=user).exists():
            services.timer_stop(user=user)
    elif kind == "delete" and entries:
        how, index = args
        entry = entries[index % len(entries)]
        if how == "orm":
            entry.delete()
        else:
            TimeEntry.objects.filter(pk__gte=entry.pk).delete()
    elif kind == "move":
        # A project moved to the other client takes its entries along (tracking.0002).
        project = projects[args[0]]
        project.refresh_from_db()
        clients = world["clients"]
        project.client = clients[1] if project.client_id == clients[0].pk else clients[0]
        project.save()
    elif kind == "rate":
        how, index, value = args
        project = projects[index]
        if how == "project":  # a save() of the project, as the admin does
            project.refresh_from_db()
            project.hourly_rate = value
            project.save()
        elif how == "projects":  # one UPDATE of several projects
            Project.objects.filter(pk__gte=project.pk).update(hourly_rate=value)
        else:
            world["clients"][index % 2].__class__.objects.filter(
                pk=world["clients"][index % 2].pk
            ).update(default_hourly_rate=value)
    elif kind == "truncate":
        truncate_table("tracking_timeentry")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
# Each path of the PostgreSQL triggers at least once, whatever hypothesis draws: one row
# changed in place (billable, length, notes), moved to another person, deleted to an empty
# row; several rows inserted, updated and deleted at once; TRUNCATE.
@example(
    ops=[
        ("create", "orm", 0, 0, 0, 60, True),
        ("create", "bulk", 0, 0, 5, 30, True),
        ("edit", "billable", 0, 0, 0, 0, 0, False),
        ("edit", "length", 1, 0, 0, 0, 45, True),
        ("edit", "notes", 0, 0, 0, 0, 0, True),
        ("edit", "person", 1, 0, 0, 0, 0, True),
        ("edit", "billable_later", 0, 0, 0, 0, 0, True),
        ("create_many", "copy", 3),
        ("delete", "orm", 0),
        ("delete", "queryset", 1),
        ("create_many", "bulk", 2),
        ("rate", "project", 0, Decimal("0.29")),
        ("rate", "projects", 0, Decimal("33.33")),
        ("move", 2),
        ("rate", "project", 1, None),
        ("rate", "client", 0, Decimal("120.00")),
        ("truncate",),
    ]
)
def test_rollups_equal_the_raw_rows_after_any_writes(world, ops):
    with override_settings(TIME_ZONE=ZONE), rolled_back():
        for op in ops:
            apply(world, op)
            assert actual() == expected(), op


def test_running_entries_count_nothing_until_stopped(world):
    user = world["users"][0]
    project = world["projects"][0]
    start = BASES[0]
    TimeEntry.objects.create(user=user, project=project, start_time=start)
    assert not ClientDay.objects.exists()
    services.timer_stop(user=user)
    row = ClientDay.objects.get()
    assert row.entry_count == 1
    assert row.day == dt.date(2024, 3, 30)  # 23:00 Brussels (UTC+1)


def test_local_day_follows_dst(world):
    project = world["projects"][0]
    # 22:30 UTC is 23:30 local in winter (same day) but 00:30 the next day in summer.
    winter = dt.datetime(2024, 3, 30, 22, 30, tzinfo=dt.UTC)
    summer = dt.datetime(2024, 3, 31, 22, 30, tzinfo=dt.UTC)
    for start in (winter, summer):
        TimeEntryFactory(project=project, start_time=start, end_time=start + dt.timedelta(hours=1))
    days = set(ProjectDay.objects.values_list("day", flat=True))
    assert days == {dt.date(2024, 3, 30), dt.date(2024, 4, 1)}


def test_empty_rows_are_deleted(world):
    project = world["projects"][0]
    entry = TimeEntryFactory(
        project=project, start_time=BASES[0], end_time=BASES[0] + dt.timedelta(hours=1)
    )
    assert ProjectDay.objects.count() == 1
    entry.delete()
    assert not ProjectDay.objects.exists()
    assert not ClientDay.objects.exists()


def test_check_finds_drift_and_rebuild_repairs_it(world):
    project = world["projects"][0]
    TimeEntryFactory(project=project, start_time=BASES[0], end_time=BASES[1])
    ClientDay.objects.update(seconds=1)
    ClientMonth.objects.update(rated_cent_seconds=7)
    with override_settings(TIME_ZONE=ZONE):
        assert services.rollups_check() == {
            "tracking_client_day": 1,
            "tracking_project_day": 0,
            "tracking_user_project_month": 0,
            "tracking_project_month": 0,
            "tracking_client_month": 2,  # a wrong row: one extra, one missing
        }
        call_command("rebuild_rollups", "--no-progress", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert services.rollups_check() == {
            "tracking_client_day": 0,
            "tracking_project_day": 0,
            "tracking_user_project_month": 0,
            "tracking_project_month": 0,
            "tracking_client_month": 0,
        }
    assert actual() == expected()


def test_check_notices_triggers_of_another_time_zone(world):
    project = world["projects"][0]
    TimeEntryFactory(project=project, start_time=BASES[0], end_time=BASES[1])  # 23:00 local
    # Triggers still count Brussels days (2024-03-30); Tokyo counts 2024-03-31: one row
    # missing, one extra.
    with override_settings(TIME_ZONE="Asia/Tokyo"):
        assert services.rollups_check()["tracking_client_day"] == 2
        assert rollups.installed_time_zone(connection) == ZONE


def test_rebuild_rollups_dry_run_changes_nothing(world, capsys):
    project = world["projects"][0]
    TimeEntryFactory(project=project, start_time=BASES[0], end_time=BASES[1])
    ClientDay.objects.update(seconds=1)
    with override_settings(TIME_ZONE=ZONE):
        call_command("rebuild_rollups", "--dry-run")
    assert ClientDay.objects.get().seconds == 1
    assert "tracking_client_day: 1 rows differ" in capsys.readouterr().out


def test_utc_offsets_cover_the_range_with_each_dst_change():
    rows = rollups.utc_offsets(ZONE)
    assert ("2024-03-31 01:00:00", 7200) in rows
    assert ("2024-10-27 01:00:00", 3600) in rows
    assert rollups.utc_offsets("UTC") == [("0000-01-01 00:00:00", 0)]


def test_removing_entries_after_the_rollups_were_emptied_adds_no_negative_rows():
    # ``manage.py flush`` (the test runner between transactional tests) empties the rollup
    # tables before the entries; removing an entry must then leave them empty, not negative.
    entry = TimeEntryFactory()
    ClientDay.objects.all().delete()
    ProjectDay.objects.all().delete()

    entry.delete()

    assert not ClientDay.objects.exists()
    assert not ProjectDay.objects.exists()
