"""Database triggers that keep the hour rollups (``ClientDay``, ``ProjectDay``) true.

Every finished time entry (``end_time`` set) contributes its ``duration_seconds``, its
billable seconds and a count of one to the row of its (client, local day) and of its
(project, local day), the local day being the calendar day of ``start_time`` in
``settings.TIME_ZONE``. Running entries contribute nothing. The triggers fire on every
INSERT, UPDATE and DELETE of ``tracking_timeentry`` — the ORM, ``bulk_create``, raw SQL, the
admin, ``COPY`` in seeding, the foreign-key cascade that moves a project's entries to
another client — so no code path can make the rollups drift. A rollup row whose count falls
to zero is deleted.

PostgreSQL: plain SQL, statement-level ``AFTER`` triggers with transition tables (one
aggregated upsert per statement, so a 100,000-row ``COPY`` or ``bulk_create`` costs one
``GROUP BY``, not 100,000 upserts), plus an ``AFTER TRUNCATE`` trigger. Not django-pgtrigger:
it would add a dependency for three triggers, and it has no SQLite counterpart, so both
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

from timetracker.dates import DATETIME_MAX, DATETIME_MIN

# Every SQL string here is built from the constants above and a validated zone name.
# ruff: noqa: S608

ENTRY = "tracking_timeentry"
CLIENT_DAY = "tracking_client_day"
PROJECT_DAY = "tracking_project_day"
TZ_TABLE = "tracking_rollup_tz"
# (table, key column) of each rollup.
ROLLUPS = ((CLIENT_DAY, "client_id"), (PROJECT_DAY, "project_id"))
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


def _pg_contributions(source: str, sign: str, time_zone: str) -> str:
    day = day_sql("postgresql", "start_time", time_zone)
    return (
        f"SELECT client_id, project_id, {day} AS day, {sign}duration_seconds AS s,"
        f" {sign}(CASE WHEN billable THEN duration_seconds ELSE 0 END) AS b, {sign}1 AS n"
        f" FROM {source} WHERE end_time IS NOT NULL"
    )


def _pg_apply(changes: str, *, delete_empty: bool) -> str:
    statements = []
    for table, key in ROLLUPS:
        statements.append(
            f"""
            WITH changes AS ({changes}),
            delta AS (
                SELECT {key} AS key, day, SUM(s) AS s, SUM(b) AS b, SUM(n) AS n
                FROM changes GROUP BY {key}, day
            )
            INSERT INTO {table} AS t ({key}, day, seconds, billable_seconds, entry_count)
            SELECT key, day, s, b, n FROM delta
            WHERE (s <> 0 OR b <> 0 OR n <> 0)
                -- A subtraction only ever updates a row: none means the rollups were
                -- emptied on purpose, and a negative row would be wrong.
                AND (n > 0 OR EXISTS (
                    SELECT 1 FROM {table} e WHERE e.{key} = delta.key AND e.day = delta.day
                ))
            ORDER BY key, day
            ON CONFLICT ({key}, day) DO UPDATE SET
                seconds = t.seconds + EXCLUDED.seconds,
                billable_seconds = t.billable_seconds + EXCLUDED.billable_seconds,
                entry_count = t.entry_count + EXCLUDED.entry_count;
            """
        )
        if delete_empty:
            statements.append(f"DELETE FROM {table} WHERE entry_count = 0;")
    return "\n".join(statements)


def _pg_install(cursor, time_zone: str) -> None:
    new = _pg_contributions("new_rows", "", time_zone)
    old = _pg_contributions("old_rows", "-", time_zone)
    # Empty rows can only appear where rows were subtracted (UPDATE, DELETE); finding them
    # is a scan of the (normally empty) partial index *_empty of each rollup table.
    cursor.execute(
        f"""
        CREATE OR REPLACE FUNCTION tracking_rollup_apply() RETURNS trigger
        LANGUAGE plpgsql AS $fn$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {_pg_apply(new, delete_empty=False)}
            ELSIF TG_OP = 'UPDATE' THEN
                {_pg_apply(f"{new} UNION ALL {old}", delete_empty=True)}
            ELSIF TG_OP = 'DELETE' THEN
                {_pg_apply(old, delete_empty=True)}
            END IF;
            RETURN NULL;
        END
        $fn$
        """
    )
    cursor.execute(
        f"""
        CREATE OR REPLACE FUNCTION tracking_rollup_truncate() RETURNS trigger
        LANGUAGE plpgsql AS $fn$
        BEGIN
            DELETE FROM {CLIENT_DAY};
            DELETE FROM {PROJECT_DAY};
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


def _sqlite_add(row: str, sign: str, time_zone: str) -> list[str]:
    """Statements adding (``sign`` "+") or removing ("-") one row's contribution.

    Removing only updates an existing rollup row, never inserts one: a missing row means the
    rollups were emptied on purpose (``manage.py flush`` deletes them before the entries, as
    the test runner does), and a negative row would point at a client deleted just before.
    """
    day = day_sql("sqlite", f"{row}.start_time", time_zone)
    billable = f"(CASE WHEN {row}.billable THEN {row}.duration_seconds ELSE 0 END)"
    statements = []
    for table, key in ROLLUPS:
        if sign == "-":
            where = f"{row}.end_time IS NOT NULL AND {key} = {row}.{key} AND day = {day}"
            statements.append(
                f"""
                UPDATE {table} SET
                    seconds = seconds - {row}.duration_seconds,
                    billable_seconds = billable_seconds - {billable},
                    entry_count = entry_count - 1
                WHERE {where};
                """
            )
            statements.append(f"DELETE FROM {table} WHERE {where} AND entry_count = 0;")
            continue
        statements.append(
            f"""
            INSERT INTO {table} ({key}, day, seconds, billable_seconds, entry_count)
            SELECT {row}.{key}, {day}, {row}.duration_seconds, {billable}, 1
            WHERE {row}.end_time IS NOT NULL
            ON CONFLICT ({key}, day) DO UPDATE SET
                seconds = seconds + excluded.seconds,
                billable_seconds = billable_seconds + excluded.billable_seconds,
                entry_count = entry_count + excluded.entry_count;
            """
        )
    return statements


def _sqlite_install(cursor, time_zone: str) -> None:
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
    for table, key in ROLLUPS:
        cursor.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {table}_key_day ON {table} ({key}, day)")
    bodies = {
        "tracking_rollup_insert": ("AFTER INSERT", _sqlite_add("NEW", "", time_zone)),
        "tracking_rollup_update": (
            "AFTER UPDATE OF client_id, project_id, start_time, end_time, duration_seconds,"
            " billable",
            _sqlite_add("OLD", "-", time_zone) + _sqlite_add("NEW", "", time_zone),
        ),
        "tracking_rollup_delete": ("AFTER DELETE", _sqlite_add("OLD", "-", time_zone)),
    }
    for name, (event, statements) in bodies.items():
        cursor.execute(f"CREATE TRIGGER {name} {event} ON {ENTRY} BEGIN {' '.join(statements)} END")


def install_triggers(connection, time_zone: str) -> None:
    """(Re)install the rollup triggers of ``connection`` for ``time_zone``; data untouched."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _pg_install(cursor, time_zone)
        elif connection.vendor == "sqlite":
            _sqlite_install(cursor, time_zone)


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


def rebuild_sql(vendor: str, time_zone: str, table: str, key: str, *, batched=True) -> str:
    """Insert ``table``'s rows computed from the entries: for the keys in the parameter
    ``%s`` (a list of ids; JSON text on SQLite), or for all keys when not ``batched``."""
    day = day_sql(vendor, "start_time", time_zone)
    if not batched:
        keys = "IS NOT NULL"
    elif vendor == "postgresql":
        keys = "= ANY(%s)"
    else:
        keys = "IN (SELECT value FROM json_each(%s))"
    return (
        f"INSERT INTO {table} ({key}, day, seconds, billable_seconds, entry_count)"
        f" SELECT {key}, {day}, SUM(duration_seconds),"
        " SUM(CASE WHEN billable THEN duration_seconds ELSE 0 END), COUNT(*)"
        f" FROM {ENTRY} WHERE end_time IS NOT NULL AND {key} {keys}"
        f" GROUP BY {key}, {day}"
    )
