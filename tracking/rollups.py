"""Database triggers that keep the hour rollups (``ClientDay``, ``ProjectDay``,
``UserProjectMonth``, ``ProjectMonth``) true.

Every finished time entry (``end_time`` set) contributes its ``duration_seconds``, its
billable seconds and a count of one to the row of its (client, local day), of its
(project, local day), of its (person, project, local month) and of its (project, local
month), the local day being the calendar day of ``start_time`` in ``settings.TIME_ZONE``
and a month stored as its first day.
Running entries contribute nothing. The triggers fire on every
INSERT, UPDATE and DELETE of ``tracking_timeentry`` — the ORM, ``bulk_create``, raw SQL, the
admin, ``COPY`` in seeding, the foreign-key cascade that moves a project's entries to
another client — so no code path can make the rollups drift. A rollup row whose count falls
to zero is deleted.

PostgreSQL: plain SQL, statement-level ``AFTER`` triggers with transition tables (one
aggregated upsert per statement and rollup, so a 100,000-row ``COPY`` or ``bulk_create``
costs one ``GROUP BY``, not 100,000 upserts), plus an ``AFTER TRUNCATE`` trigger. A statement
that wrote one row (every ``save()``) skips the aggregate: the row is read into a record and
each rollup gets one plain upsert, or one UPDATE (nothing when its figures did not change).
Not django-pgtrigger:
it would add a dependency for a few triggers, and it has no SQLite counterpart, so both
databases would still need hand-written SQL. The time zone is written into the trigger
function when it is installed.

SQLite: row-level triggers. SQLite has no time zone database, so the local day comes from a
table of UTC offsets (``tracking_rollup_tz``: from which UTC instant which offset applies),
generated from Python's ``zoneinfo`` for [1970, 2100) — the range every stored instant lies
in — when the triggers are installed. It follows DST exactly, as the tz database of the
Python that generated it knows it.

Both store the time zone they were installed with; after a change of ``TIME_ZONE`` (or a
tzdata update that changes past or future offsets) run ``manage.py rebuild_rollups``, which
reinstalls the triggers for the current ``TIME_ZONE`` and recomputes every row
(``rollups_installed_time_zone`` tells which one is active).

NOTE: Django rebuilds SQLite tables on some ALTERs, which drops their triggers. A later
migration that alters ``tracking_timeentry`` must call ``install_triggers`` again at its end
(as 0003 does for the client-copy triggers of 0002); the property test in
``tests/tracking/test_rollups.py`` catches a lost trigger.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from timetracker.dates import DATETIME_MAX, DATETIME_MIN

# Every SQL string here is built from the constants above and a validated zone name.
# ruff: noqa: S608

ENTRY = "tracking_timeentry"
CLIENT_DAY = "tracking_client_day"
PROJECT_DAY = "tracking_project_day"
USER_PROJECT_MONTH = "tracking_user_project_month"
PROJECT_MONTH = "tracking_project_month"
TZ_TABLE = "tracking_rollup_tz"


@dataclass(frozen=True)
class Rollup:
    """One rollup table: its key columns (entry columns of the same name), its period column
    (``day``: the local day; ``month``: the first local day of the month) and the key column
    ``rollups_rebuild`` works through in batches."""

    table: str
    keys: tuple[str, ...]
    period: str
    batch_key: str


CLIENT_DAY_ROLLUP = Rollup(CLIENT_DAY, ("client_id",), "day", "client_id")
PROJECT_DAY_ROLLUP = Rollup(PROJECT_DAY, ("project_id",), "day", "project_id")
USER_PROJECT_MONTH_ROLLUP = Rollup(
    USER_PROJECT_MONTH, ("user_id", "project_id"), "month", "project_id"
)
PROJECT_MONTH_ROLLUP = Rollup(PROJECT_MONTH, ("project_id",), "month", "project_id")
# The tables each migration's triggers keep — a migration can only name tables that exist
# at that point: 0004 and 0005 the day rollups, 0007 the person-month one too, 0009 the
# project-month one. A new rollup table comes with a migration and a new set here.
DAY_ROLLUPS = (CLIENT_DAY_ROLLUP, PROJECT_DAY_ROLLUP)
ROLLUPS_0007 = (*DAY_ROLLUPS, USER_PROJECT_MONTH_ROLLUP)
ROLLUPS_0009 = (*ROLLUPS_0007, PROJECT_MONTH_ROLLUP)
ROLLUPS = ROLLUPS_0009  # the current set
SQLITE_TRIGGERS = ("tracking_rollup_insert", "tracking_rollup_update", "tracking_rollup_delete")
PG_TRIGGERS = (
    "tracking_rollup_insert",
    "tracking_rollup_update",
    "tracking_rollup_delete",
    "tracking_rollup_truncate",
)


def _checked_zone(name: str) -> str:
    zoneinfo.ZoneInfo(name)  # raises for an unknown zone
    if "'" in name or "\\" in name:  # pragma: no cover - no tz database name has these
        raise ValueError(f"unexpected time zone name {name!r}")
    return name


# --- The local-day expression -------------------------------------------------------------


def day_sql(vendor: str, column: str, time_zone: str) -> str:
    """SQL for the local calendar day of the timestamp ``column`` (as the triggers compute it)."""
    if vendor == "postgresql":
        return f"(({column}) AT TIME ZONE '{_checked_zone(time_zone)}')::date"
    # The offset in force at the instant: the newest row starting at or before it.
    return (
        f"date({column}, (SELECT modifier FROM {TZ_TABLE} WHERE utc_from <= {column}"
        " ORDER BY utc_from DESC LIMIT 1))"
    )


def period_sql(vendor: str, column: str, time_zone: str, period: str) -> str:
    """SQL for a rollup's period of ``column``: its local day, or the first day of its month."""
    day = day_sql(vendor, column, time_zone)
    if period == "day":
        return day
    if vendor == "postgresql":
        return f"date_trunc('month', {day})::date"
    return f"date({day}, 'start of month')"


def utc_offsets(time_zone: str) -> list[tuple[str, int]]:
    """``(utc_from, offset_seconds)`` rows covering [DATETIME_MIN, DATETIME_MAX) for a zone.

    Scans day by day for a change of offset, then bisects to the exact second. ``utc_from``
    is text in the format Django stores datetimes in on SQLite, so comparisons are textual.
    """
    tz = zoneinfo.ZoneInfo(_checked_zone(time_zone))

    def offset(instant: dt.datetime) -> int:
        return int(instant.astimezone(tz).utcoffset().total_seconds())

    def text(instant: dt.datetime) -> str:
        return instant.strftime("%Y-%m-%d %H:%M:%S")

    rows = [("0000-01-01 00:00:00", offset(DATETIME_MIN))]
    step = dt.timedelta(days=1)
    previous, current = DATETIME_MIN, offset(DATETIME_MIN)
    while previous < DATETIME_MAX:
        nxt = min(previous + step, DATETIME_MAX)
        value = offset(nxt)
        if value != current:
            low, high = previous, nxt  # offset(low) == current, offset(high) != current
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle <= low:
                    break
                if offset(middle) == current:
                    low = middle
                else:
                    high = middle
            rows.append((text(high), value))
            current = value
        previous = nxt
    return rows


# --- Installing -----------------------------------------------------------------------------


def _figures(row: str, sign: str = "") -> tuple[str, str, str]:
    """(seconds, billable seconds, count) that one entry ``row`` contributes."""
    return (
        f"{sign}{row}.duration_seconds",
        f"{sign}(CASE WHEN {row}.billable THEN {row}.duration_seconds ELSE 0 END)",
        f"{sign}1",
    )


def _upsert(table: str, conflict: str, values: str) -> str:
    return (
        f"INSERT INTO {table} AS t ({conflict}, seconds, billable_seconds, entry_count)"
        f" {values} ON CONFLICT ({conflict}) DO UPDATE SET"
        f" seconds = t.seconds + EXCLUDED.seconds,"
        f" billable_seconds = t.billable_seconds + EXCLUDED.billable_seconds,"
        f" entry_count = t.entry_count + EXCLUDED.entry_count;"
    )


def _pg_row_where(rollup: Rollup, row: str, time_zone: str) -> str:
    period = period_sql("postgresql", f"{row}.start_time", time_zone, rollup.period)
    keys = " AND ".join(f"{key} = {row}.{key}" for key in rollup.keys)
    return f"{keys} AND {rollup.period} = {period}"


def _pg_row_add(rollup: Rollup, row: str, time_zone: str) -> str:
    """Add one entry's contribution (the record ``row``; finished) with one upsert."""
    period = period_sql("postgresql", f"{row}.start_time", time_zone, rollup.period)
    columns = ", ".join((*rollup.keys, rollup.period))
    values = ", ".join((*(f"{row}.{key}" for key in rollup.keys), period, *_figures(row)))
    return _upsert(rollup.table, columns, f"VALUES ({values})")


def _pg_row_subtract(rollup: Rollup, row: str, time_zone: str) -> str:
    """Remove one entry's contribution: an UPDATE of its row (none: the rollups were emptied on
    purpose, see ``_sqlite_add``), deleting the row when its count reaches zero."""
    seconds, billable, _count = _figures(row)
    where = _pg_row_where(rollup, row, time_zone)
    return f"""
        remaining := NULL;
        UPDATE {rollup.table} SET seconds = seconds - {seconds},
            billable_seconds = billable_seconds - {billable}, entry_count = entry_count - 1
        WHERE {where} RETURNING entry_count INTO remaining;
        IF remaining = 0 THEN DELETE FROM {rollup.table} WHERE {where}; END IF;
    """


def _pg_row_update(rollup: Rollup, time_zone: str) -> str:
    """One entry changed (``o`` before, ``r`` after): nothing when its contribution stayed the
    same (a note edited), one UPDATE when it stayed in the same row, else subtract and add."""
    same_row = " AND ".join(
        (
            "o.end_time IS NOT NULL AND r.end_time IS NOT NULL",
            *(f"o.{key} = r.{key}" for key in rollup.keys),
            f"{period_sql('postgresql', 'o.start_time', time_zone, rollup.period)}"
            f" = {period_sql('postgresql', 'r.start_time', time_zone, rollup.period)}",
        )
    )
    new_seconds, new_billable, _ = _figures("r")
    old_seconds, old_billable, _ = _figures("o")
    return f"""
        IF {same_row} THEN
            IF (o.duration_seconds, o.billable) IS DISTINCT FROM (r.duration_seconds, r.billable)
            THEN
                UPDATE {rollup.table} SET
                    seconds = seconds + {new_seconds} - {old_seconds},
                    billable_seconds = billable_seconds + {new_billable} - {old_billable}
                WHERE {_pg_row_where(rollup, "r", time_zone)};
            END IF;
        ELSE
            IF o.end_time IS NOT NULL THEN {_pg_row_subtract(rollup, "o", time_zone)} END IF;
            IF r.end_time IS NOT NULL THEN {_pg_row_add(rollup, "r", time_zone)} END IF;
        END IF;
    """


def _pg_contributions(source: str, sign: str, time_zone: str) -> str:
    day = period_sql("postgresql", "start_time", time_zone, "day")
    month = period_sql("postgresql", "start_time", time_zone, "month")
    return (
        f"SELECT client_id, project_id, user_id, {day} AS day, {month} AS month,"
        f" {sign}duration_seconds AS s,"
        f" {sign}(CASE WHEN billable THEN duration_seconds ELSE 0 END) AS b, {sign}1 AS n"
        f" FROM {source} WHERE end_time IS NOT NULL"
    )


def _pg_apply(rollups, changes: str, *, subtracts: bool) -> str:
    """Statements applying the rows of ``changes`` to each rollup: one aggregate and one
    upsert per table, whatever the number of rows (the path of multi-row statements)."""
    statements = []
    for rollup in rollups:
        keys = ", ".join((*rollup.keys, rollup.period))
        match = " AND ".join(f"e.{key} = delta.{key}" for key in (*rollup.keys, rollup.period))
        statements.append(
            f"""
            WITH changes AS ({changes}),
            delta AS (
                SELECT {keys}, SUM(s) AS seconds, SUM(b) AS billable_seconds,
                    SUM(n) AS entry_count
                FROM changes GROUP BY {keys}
            )
            INSERT INTO {rollup.table} AS t ({keys}, seconds, billable_seconds, entry_count)
            SELECT {keys}, seconds, billable_seconds, entry_count FROM delta
            WHERE (seconds <> 0 OR billable_seconds <> 0 OR entry_count <> 0)
                -- A subtraction only ever updates a row: none means the rollups were
                -- emptied on purpose, and a negative row would be wrong.
                AND (entry_count > 0 OR EXISTS (
                    SELECT 1 FROM {rollup.table} e WHERE {match}
                ))
            ORDER BY {keys}
            ON CONFLICT ({keys}) DO UPDATE SET
                seconds = t.seconds + EXCLUDED.seconds,
                billable_seconds = t.billable_seconds + EXCLUDED.billable_seconds,
                entry_count = t.entry_count + EXCLUDED.entry_count;
            """
        )
        if subtracts:
            statements.append(f"DELETE FROM {rollup.table} WHERE entry_count = 0;")
    return "\n".join(statements)


def pg_function_sql(time_zone: str, rollups=ROLLUPS) -> str:
    """``CREATE OR REPLACE FUNCTION tracking_rollup_apply()`` keeping ``rollups`` on
    PostgreSQL (``bench.writecost`` swaps it inside a rolled-back transaction)."""
    new = _pg_contributions("new_rows", "", time_zone)
    old = _pg_contributions("old_rows", "-", time_zone)

    def each(build, *args):
        return "\n".join(build(rollup, *args, time_zone) for rollup in rollups)

    # A statement that writes one row (every save() of the ORM, the admin, the API and the
    # timer) takes the fast path: the row into a record, then one plain upsert or UPDATE per
    # rollup, no aggregate (docs/PERFORMANCE.md, "Write cost"). More rows: one aggregate
    # over the transition table per rollup. Empty rows can only appear where rows were
    # subtracted (UPDATE, DELETE); finding them is a scan of the (normally empty) partial
    # index *_empty of each rollup table.
    return f"""
        CREATE OR REPLACE FUNCTION tracking_rollup_apply() RETURNS trigger
        LANGUAGE plpgsql AS $fn$
        DECLARE
            rows_changed bigint;
            r record;
            o record;
            remaining bigint;
        BEGIN
            IF TG_OP = 'INSERT' THEN
                SELECT count(*) INTO rows_changed FROM new_rows;
                IF rows_changed = 1 THEN
                    SELECT * INTO r FROM new_rows;
                    IF r.end_time IS NOT NULL THEN {each(lambda ru, tz: _pg_row_add(ru, "r", tz))}
                    END IF;
                ELSIF rows_changed > 1 THEN
                    {_pg_apply(rollups, new, subtracts=False)}
                END IF;
            ELSIF TG_OP = 'UPDATE' THEN
                SELECT count(*) INTO rows_changed FROM new_rows;
                IF rows_changed = 1 THEN
                    SELECT * INTO r FROM new_rows;
                    SELECT * INTO o FROM old_rows;
                    {each(_pg_row_update)}
                ELSIF rows_changed > 1 THEN
                    {_pg_apply(rollups, f"{new} UNION ALL {old}", subtracts=True)}
                END IF;
            ELSIF TG_OP = 'DELETE' THEN
                SELECT count(*) INTO rows_changed FROM old_rows;
                IF rows_changed = 1 THEN
                    SELECT * INTO o FROM old_rows;
                    IF o.end_time IS NOT NULL THEN
                        {each(lambda ru, tz: _pg_row_subtract(ru, "o", tz))}
                    END IF;
                ELSIF rows_changed > 1 THEN
                    {_pg_apply(rollups, old, subtracts=True)}
                END IF;
            END IF;
            RETURN NULL;
        END
        $fn$
        """


def _pg_install(cursor, time_zone: str, rollups) -> None:
    cursor.execute(pg_function_sql(time_zone, rollups))
    deletes = " ".join(f"DELETE FROM {rollup.table};" for rollup in rollups)
    cursor.execute(
        f"""
        CREATE OR REPLACE FUNCTION tracking_rollup_truncate() RETURNS trigger
        LANGUAGE plpgsql AS $fn$
        BEGIN
            {deletes}
            RETURN NULL;
        END
        $fn$
        """
    )
    cursor.execute(f"COMMENT ON FUNCTION tracking_rollup_apply() IS '{time_zone}'")
    for name in PG_TRIGGERS:
        cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {ENTRY}")
    cursor.execute(
        f"CREATE TRIGGER tracking_rollup_insert AFTER INSERT ON {ENTRY}"
        " REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION tracking_rollup_apply()"
    )
    cursor.execute(
        f"CREATE TRIGGER tracking_rollup_update AFTER UPDATE ON {ENTRY}"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION tracking_rollup_apply()"
    )
    cursor.execute(
        f"CREATE TRIGGER tracking_rollup_delete AFTER DELETE ON {ENTRY}"
        " REFERENCING OLD TABLE AS old_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION tracking_rollup_apply()"
    )
    cursor.execute(
        f"CREATE TRIGGER tracking_rollup_truncate AFTER TRUNCATE ON {ENTRY}"
        " FOR EACH STATEMENT EXECUTE FUNCTION tracking_rollup_truncate()"
    )


def _sqlite_add(rollup: Rollup, row: str, sign: str, time_zone: str) -> list[str]:
    """Statements adding (``sign`` "+") or removing ("-") one row's contribution.

    Removing only updates an existing rollup row, never inserts one: a missing row means the
    rollups were emptied on purpose (``manage.py flush`` deletes them before the entries, as
    the test runner does), and a negative row would point at a client deleted just before.
    """
    period = period_sql("sqlite", f"{row}.start_time", time_zone, rollup.period)
    seconds, billable, _count = _figures(row)
    table = rollup.table
    if sign == "-":
        keys = " AND ".join(f"{key} = {row}.{key}" for key in rollup.keys)
        where = f"{row}.end_time IS NOT NULL AND {keys} AND {rollup.period} = {period}"
        return [
            f"""
            UPDATE {table} SET
                seconds = seconds - {seconds},
                billable_seconds = billable_seconds - {billable},
                entry_count = entry_count - 1
            WHERE {where};
            """,
            f"DELETE FROM {table} WHERE {where} AND entry_count = 0;",
        ]
    columns = ", ".join((*rollup.keys, rollup.period))
    values = ", ".join((*(f"{row}.{key}" for key in rollup.keys), period, seconds, billable))
    return [
        f"""
        INSERT INTO {table} ({columns}, seconds, billable_seconds, entry_count)
        SELECT {values}, 1
        WHERE {row}.end_time IS NOT NULL
        ON CONFLICT ({columns}) DO UPDATE SET
            seconds = seconds + excluded.seconds,
            billable_seconds = billable_seconds + excluded.billable_seconds,
            entry_count = entry_count + excluded.entry_count;
        """
    ]


def _sqlite_install(cursor, time_zone: str, rollups) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {TZ_TABLE}")
    cursor.execute(
        f"CREATE TABLE {TZ_TABLE} (utc_from TEXT PRIMARY KEY, modifier TEXT NOT NULL,"
        " time_zone TEXT NOT NULL) WITHOUT ROWID"
    )
    cursor.executemany(
        f"INSERT INTO {TZ_TABLE} (utc_from, modifier, time_zone) VALUES (%s, %s, %s)",
        [(start, f"{offset:+d} seconds", time_zone) for start, offset in utc_offsets(time_zone)],
    )
    for name in SQLITE_TRIGGERS:
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    # The models' unique constraints carry INCLUDE columns, which Django creates on
    # PostgreSQL only (a covering index); SQLite gets the plain unique index the upserts
    # need here. Like the triggers, a table rebuild drops it: reinstall after one.
    for rollup in rollups:
        columns = ", ".join((*rollup.keys, rollup.period))
        cursor.execute(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {rollup.table}_key_{rollup.period}"
            f" ON {rollup.table} ({columns})"
        )

    def each(row, sign):
        return [sql for rollup in rollups for sql in _sqlite_add(rollup, row, sign, time_zone)]

    bodies = {
        "tracking_rollup_insert": ("AFTER INSERT", each("NEW", "")),
        "tracking_rollup_update": (
            "AFTER UPDATE OF client_id, project_id, user_id, start_time, end_time,"
            " duration_seconds, billable",
            each("OLD", "-") + each("NEW", ""),
        ),
        "tracking_rollup_delete": ("AFTER DELETE", each("OLD", "-")),
    }
    for name, (event, statements) in bodies.items():
        cursor.execute(f"CREATE TRIGGER {name} {event} ON {ENTRY} BEGIN {' '.join(statements)} END")


def install_triggers(connection, time_zone: str, rollups=ROLLUPS) -> None:
    """(Re)install the rollup triggers of ``connection`` for ``time_zone``; data untouched.

    ``rollups``: the tables the triggers keep (a migration passes those that exist then)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _pg_install(cursor, time_zone, rollups)
        elif connection.vendor == "sqlite":
            _sqlite_install(cursor, time_zone, rollups)


def uninstall_triggers(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in PG_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {ENTRY}")
            cursor.execute("DROP FUNCTION IF EXISTS tracking_rollup_apply()")
            cursor.execute("DROP FUNCTION IF EXISTS tracking_rollup_truncate()")
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {TZ_TABLE}")


def installed_time_zone(connection) -> str | None:
    """The time zone the installed triggers compute local days in (None: not installed)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT obj_description(to_regprocedure('tracking_rollup_apply()'), 'pg_proc')"
            )
            return cursor.fetchone()[0]
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [TZ_TABLE])
        if cursor.fetchone() is None:
            return None
        cursor.execute(f"SELECT time_zone FROM {TZ_TABLE} LIMIT 1")
        row = cursor.fetchone()
    return row[0] if row else None


def rebuild_sql(vendor: str, time_zone: str, rollup: Rollup, *, batched=True) -> str:
    """Insert ``rollup``'s rows computed from the entries: for the ``batch_key`` values in
    the parameter ``%s`` (a list of ids; JSON text on SQLite), or for all when not ``batched``."""
    period = period_sql(vendor, "start_time", time_zone, rollup.period)
    key = rollup.batch_key
    if not batched:
        keys = "IS NOT NULL"
    elif vendor == "postgresql":
        keys = "= ANY(%s)"
    else:
        keys = "IN (SELECT value FROM json_each(%s))"
    columns = ", ".join(rollup.keys)
    return (
        f"INSERT INTO {rollup.table} ({columns}, {rollup.period}, seconds, billable_seconds,"
        f" entry_count) SELECT {columns}, {period}, SUM(duration_seconds),"
        " SUM(CASE WHEN billable THEN duration_seconds ELSE 0 END), COUNT(*)"
        f" FROM {ENTRY} WHERE end_time IS NOT NULL AND {key} {keys}"
        f" GROUP BY {columns}, {period}"
    )
