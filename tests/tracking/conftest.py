"""Helpers to write time entries around the bounds' constraints, as a row written before
tracking.0003 (or by hand) would be."""

from contextlib import contextmanager

from django.db import connection

from tracking.models import TimeEntry

# The Brussels 0001-01-01 00:00 of issue 8 (LMT +00:17:30 then), as each database would hold
# it: year 0 in UTC, which PostgreSQL writes as 1 BC and Python cannot represent.
POISONED_START = {
    "postgresql": "0001-01-01 00:00:00+00:17:30",
    "sqlite": "0000-12-31 23:42:30",
}

RANGE_CONSTRAINTS = (
    "time_entry_start_in_range",
    "time_entry_end_in_range",
    "time_entry_duration_in_range",
)


@contextmanager
def range_constraints_off():
    """Let raw SQL write rows the bounds' check constraints refuse.

    SQLite: ``PRAGMA ignore_check_constraints`` for the block. PostgreSQL: the constraints
    are dropped inside the test's transaction, whose rollback restores them (DDL is
    transactional there) — so use it only in tests that run inside a transaction.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
            try:
                yield
            finally:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
        else:
            # Deferred foreign-key checks pending on the table would block the ALTER.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name in RANGE_CONSTRAINTS:
                cursor.execute(f"ALTER TABLE tracking_timeentry DROP CONSTRAINT {name}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            yield


_INSERT = (
    "INSERT INTO tracking_timeentry (user_id, project_id, client_id, start_time, end_time,"
    " duration_seconds, notes, billable, source, created_at, updated_at)"
    " VALUES (%s, %s, %s, {start}, {end}, %s, 'poisoned', %s, 'manual',"
    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)
INSERT_SQL = {
    "postgresql": _INSERT.format(start="%s::timestamptz", end="%s::timestamptz"),
    "sqlite": _INSERT.format(start="%s", end="%s"),
}


def insert_raw_entry(*, user, project, start: str, end: str | None, seconds) -> int:
    """Insert a row holding the given text (UTC unless it has an offset) and return its id,
    bypassing the ORM (which could not even represent year 0)."""
    params = [user.pk, project.pk, project.client_id, start, end, seconds, True]
    with connection.cursor() as cursor:
        cursor.execute(INSERT_SQL[connection.vendor], params)
    ids = TimeEntry.objects.filter(notes="poisoned").order_by("-pk").values_list("pk", flat=True)
    return ids[0]
