"""The repair path for rows outside the bounds (docs/ADMIN.md, "Time entries outside the date
range"): ``manage.py check_time_entries`` and the migration that refuses to run over them."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from tests.factories import InvoiceItemFactory, ProjectFactory, StaffUserFactory, TimeEntryFactory
from tests.tracking.conftest import POISONED_START, insert_raw_entry, range_constraints_off
from tracking.models import TimeEntry
from tracking.services import time_entry_find_out_of_range

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(acme):
    return ProjectFactory(client=acme, name="Acme Website")


@pytest.fixture
def poisoned(project):
    """The issue's row: a Brussels 0001-01-01 start, year 0 in UTC, written around the
    constraints, plus an in-range neighbour."""
    TimeEntryFactory(project=project, notes="fine")
    with range_constraints_off():
        return insert_raw_entry(
            user=StaffUserFactory(),
            project=project,
            start=POISONED_START[connection.vendor],
            end="2024-01-01 00:00:00",
            seconds=3600,
        )


def run(*args, **options):
    out = StringIO()
    call_command("check_time_entries", *args, stdout=out, **options)
    return out.getvalue()


def test_it_reports_nothing_on_a_clean_table(project):
    TimeEntryFactory.create_batch(2, project=project)
    assert "No time entry is outside the date range." in run()


def test_it_finds_a_row_written_around_the_constraints(poisoned):
    out = StringIO()
    with pytest.raises(CommandError, match="1 time entries are outside the date range"):
        call_command("check_time_entries", stdout=out)
    line = next(row for row in out.getvalue().splitlines() if row.startswith(f"{poisoned}\t"))
    # The stored value as text: PostgreSQL's 1 BC / SQLite's year 0, never a Python datetime.
    assert ("BC" in line) if connection.vendor == "postgresql" else ("0000-12-31" in line)
    assert line.endswith("\t3600\tno")


def test_finding_reads_no_datetime(poisoned):
    (found,) = time_entry_find_out_of_range()
    assert found.id == poisoned
    assert isinstance(found.start_time, str)
    assert found.duration_seconds == 3600


def test_it_finds_durations_and_garbage_that_sqlite_accepts(project):
    if connection.vendor != "sqlite":
        pytest.skip("Only SQLite stores text in a datetime or integer column.")
    with range_constraints_off():
        garbage = insert_raw_entry(
            user=StaffUserFactory(), project=project, start="yesterday", end=None, seconds=None
        )
        too_long = insert_raw_entry(
            user=StaffUserFactory(),
            project=project,
            start="2024-01-01 00:00:00",
            end="2024-01-01 01:00:00",
            seconds=2**62,
        )
    assert [e.id for e in time_entry_find_out_of_range()] == [garbage, too_long]


def test_fix_gives_the_entry_valid_times_and_the_pages_load_again(
    settings, client, admin_user, acme_user, poisoned
):
    settings.TIME_ZONE = "Europe/Brussels"
    out = run(fix=poisoned, start="2024-01-01T09:00", end="2024-01-01T10:30")
    assert f"Set time entry {poisoned} to 2024-01-01T09:00:00+01:00" in out
    entry = TimeEntry.objects.get(pk=poisoned)
    assert entry.start_time == dt.datetime(2024, 1, 1, 8, 0, tzinfo=dt.UTC)
    assert entry.duration_seconds == 90 * 60
    assert not time_entry_find_out_of_range()

    client.force_login(admin_user)
    assert client.get(reverse("admin:tracking_timeentry_changelist")).status_code == 200
    client.force_login(acme_user)
    response = client.get(reverse("portal:time_entries"), {"page": "last"})
    assert response.status_code == 200


def test_fix_dry_run_changes_nothing(poisoned):
    out = run(fix=poisoned, start="2024-01-01T09:00", end="2024-01-01T10:30", dry_run=True)
    assert f"Would set time entry {poisoned}" in out
    assert [e.id for e in time_entry_find_out_of_range()] == [poisoned]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("1950-01-01T00:00", "2024-01-01T00:00", "1970-01-01 00:00"),
        ("2024-01-01T10:00", "9999-12-31T00:00", "1970-01-01 00:00"),
        ("2024-01-01T10:00", "2024-01-01T09:00", "must not be before"),
        ("soon", "2024-01-01T09:00", "Not a date and time"),
    ],
)
def test_fix_refuses_times_that_are_no_better(poisoned, start, end, message):
    with pytest.raises(CommandError, match=message):
        run(fix=poisoned, start=start, end=end)
    assert [e.id for e in time_entry_find_out_of_range()] == [poisoned]


def test_fix_and_delete_refuse_an_entry_inside_the_range(project):
    entry = TimeEntryFactory(project=project)
    with pytest.raises(CommandError, match="change it in the admin"):
        run(fix=entry.pk, start="2024-01-01T09:00", end="2024-01-01T10:00")
    with pytest.raises(CommandError, match="change it in the admin"):
        run(delete=entry.pk)
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "options",
    [{"fix": 1}, {"fix": 1, "start": "2024-01-01T09:00"}, {"start": "2024-01-01T09:00"}],
)
def test_fix_needs_an_id_a_start_and_an_end(options):
    with pytest.raises(CommandError, match="--"):
        run(**options)


def test_delete_removes_the_entry(poisoned):
    assert run(delete=poisoned, dry_run=True) == f"Would delete time entry {poisoned}.\n"
    assert TimeEntry.objects.filter(pk=poisoned).exists()
    assert run(delete=poisoned) == f"Deleted time entry {poisoned}.\n"
    assert not TimeEntry.objects.filter(pk=poisoned).exists()
    assert TimeEntry.objects.filter(notes="fine").exists()


def test_delete_refuses_an_invoiced_entry(poisoned, acme):
    item = InvoiceItemFactory(invoice__client=acme)
    item.time_entries.add(poisoned)
    with pytest.raises(CommandError, match="billed on an invoice"):
        run(delete=poisoned)
    assert item.time_entries.filter(pk=poisoned).exists()
    (found,) = time_entry_find_out_of_range()
    assert found.invoiced


# --- the migration ----------------------------------------------------------------------------

BEFORE = "0002_time_entry_client"
BOUNDS = "0003_time_entry_bounds"


@pytest.mark.django_db(transaction=True)
def test_the_migration_refuses_out_of_range_rows_until_they_are_repaired(project):
    user = StaffUserFactory()
    TimeEntryFactory(user=user, project=project, notes="fine")
    call_command("migrate", "tracking", BEFORE, verbosity=0)
    try:
        # Before the bounds, the database took the row as it was.
        poisoned = insert_raw_entry(
            user=user,
            project=project,
            start=POISONED_START[connection.vendor],
            end="2024-01-01 00:00:00",
            seconds=3600,
        )
        with pytest.raises(CommandError) as exc:
            call_command("migrate", "tracking", BOUNDS, verbosity=0)
        message = str(exc.value)
        assert "1 time entries have a start, end or duration outside" in message
        assert f"(ids {poisoned})" in message
        assert "check_time_entries" in message
        assert TimeEntry.objects.count() == 2  # nothing was changed or deleted

        run(fix=poisoned, start="2024-01-01T09:00", end="2024-01-01T10:00")
        call_command("migrate", "tracking", BOUNDS, verbosity=0)
        assert TimeEntry.objects.get(pk=poisoned).duration_seconds == 3600
    finally:
        call_command("migrate", verbosity=0)

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "tracking_timeentry")
    assert {"time_entry_start_in_range", "time_entry_one_running_per_user"} <= set(constraints)
    assert constraints["time_entry_one_running_per_user"]["unique"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_client_copy_guard(acme, globex):
    # SQLite rebuilds the table for these ALTERs, which drops triggers; the migration puts
    # the client-copy triggers of 0002 back (both directions).
    call_command("migrate", "tracking", BEFORE, verbosity=0)
    call_command("migrate", verbosity=0)
    project = ProjectFactory(client=acme)
    TimeEntryFactory(project=project)
    project.client = globex
    project.save()
    assert TimeEntry.objects.for_client(globex).count() == 1
