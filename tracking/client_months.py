"""Database triggers that keep ``ClientMonth`` (hours and their worth per client and local
month) true.

``ClientMonth`` is a rollup of a rollup: each row is the sum, over the ``ProjectMonth`` rows of
the client's projects in that month, of their seconds, billable seconds and entries, plus
their billable seconds × the project's own rate in cents (``rated_cent_seconds``) or, for a
project without a rate, their billable seconds (``unrated_seconds``, which the client's
default rate bills when the report reads them: a change of that default needs no write).

Two sets of triggers keep the invariant ``ClientMonth = Σ contribution(project month, its
project as it is now)``:

* on ``tracking_project_month`` (INSERT, UPDATE, DELETE, TRUNCATE), which the time-entry
  triggers of ``tracking.rollups`` write — so every path that changes an entry (the ORM,
  ``bulk_create``, raw SQL, ``COPY`` in seeding, ``rebuild_rollups``) reaches it;
* on ``clients_project`` when its ``hourly_rate`` or ``client`` changes: the project's
  months move out at the old rate and client, and back in at the new ones.

PostgreSQL: statement-level ``AFTER`` triggers with transition tables, one aggregated upsert
per statement, rows locked in key order (as the other rollups); a statement that changed one
project month in place (every entry ``save()``) takes a one-UPDATE fast path. SQLite:
row-level triggers. A row whose entry count falls to zero is deleted; a subtraction never
inserts a row.

NOTE: Django rebuilds SQLite tables on some ALTERs, which drops their triggers. A later
migration that alters ``tracking_project_month`` or ``clients_project`` must call
``install_triggers`` again at its end; ``tests/tracking/test_client_months.py`` catches a
lost trigger.
"""

from __future__ import annotations

from django.db import transaction

from timetracker.formatting import cents_sql

# Every SQL string here is built from the constants below.
# ruff: noqa: S608

PROJECT_MONTH = "tracking_project_month"
PROJECT = "clients_project"
CLIENT_MONTH = "tracking_client_month"
COLUMNS = ("seconds", "billable_seconds", "entry_count", "rated_cent_seconds", "unrated_seconds")
PG_TRIGGERS = {
    PROJECT_MONTH: (
        "client_month_insert",
        "client_month_update",
        "client_month_delete",
        "client_month_truncate",
    ),
    PROJECT: ("client_month_project",),
}
PG_FUNCTIONS = ("client_month_apply", "client_month_clear", "client_month_project")
SQLITE_TRIGGERS = (
    "client_month_insert",
    "client_month_update",
    "client_month_delete",
    "client_month_project",
)


def _figures(vendor: str, month: str, project: str, sign: str = "") -> list[str]:
    """What the project-month row ``month`` of the project row ``project`` contributes, in
    the order of ``COLUMNS`` (``sign``: "-" subtracts)."""
    rate = f"{project}.hourly_rate"
    billable = f"{month}.billable_seconds"
    return [
        f"{sign}{month}.seconds",
        f"{sign}{billable}",
        f"{sign}{month}.entry_count",
        f"{sign}(CASE WHEN {rate} IS NULL THEN 0 ELSE {billable} * {cents_sql(vendor, rate)} END)",
        f"{sign}(CASE WHEN {rate} IS NULL THEN {billable} ELSE 0 END)",
    ]


def _select(vendor: str, client: str, month: str, project: str, sign: str = "") -> str:
    figures = _figures(vendor, month, project, sign)
    named = ", ".join(f"{f} AS {c}" for f, c in zip(figures, COLUMNS, strict=True))
    return f"{client} AS client_id, {month}.month AS month, {named}"


# --- PostgreSQL -----------------------------------------------------------------------------


def _pg_apply(changes: list[str]) -> str:
    """One aggregated upsert of the rows of ``changes`` (client_id, month, COLUMNS), in key
    order, and the rows left at zero deleted."""
    columns = ", ".join(COLUMNS)
    sums = ", ".join(f"SUM({c}) AS {c}" for c in COLUMNS)
    nonzero = " OR ".join(f"{c} <> 0" for c in COLUMNS)
    add = ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in COLUMNS)
    union = " UNION ALL ".join(changes)
    return f"""
        WITH changes AS ({union}),
        delta AS (SELECT client_id, month, {sums} FROM changes GROUP BY client_id, month)
        INSERT INTO {CLIENT_MONTH} AS t (client_id, month, {columns})
        SELECT client_id, month, {columns} FROM delta
        WHERE ({nonzero})
            -- A subtraction only ever updates a row: none means the rollup was emptied on
            -- purpose (a test flush), and a negative row would be wrong.
            AND (entry_count > 0 OR EXISTS (
                SELECT 1 FROM {CLIENT_MONTH} e
                WHERE e.client_id = delta.client_id AND e.month = delta.month
            ))
        ORDER BY client_id, month
        ON CONFLICT (client_id, month) DO UPDATE SET {add};
        DELETE FROM {CLIENT_MONTH} WHERE entry_count = 0;
    """


def _pg_months(source: str, sign: str) -> str:
    """The contributions of the project-month rows of the transition table ``source``."""
    select = _select("postgresql", "p.client_id", "m", "p", sign)
    return f"SELECT {select} FROM {source} m JOIN {PROJECT} p ON p.id = m.project_id"


def _pg_project_moves(sign: str) -> str:
    """The months of each project whose rate or client changed, at its old values (``-``)
    or its new ones."""
    project = "o" if sign else "n"
    select = _select("postgresql", f"{project}.client_id", "m", project, sign)
    return (
        f"SELECT {select} FROM old_rows o JOIN new_rows n ON n.id = o.id"
        f" JOIN {PROJECT_MONTH} m ON m.project_id = {project}.id"
        " WHERE (o.client_id, o.hourly_rate) IS DISTINCT FROM (n.client_id, n.hourly_rate)"
    )


def _pg_one_update() -> str:
    """One project month changed in place (every ``save()`` of an entry: the time-entry
    trigger's upsert on an existing row): its change as one UPDATE of its client's month,
    no aggregate. Falls through to the general path when the row changed its key."""
    new = _figures("postgresql", "n", "p")
    old = _figures("postgresql", "o", "p")
    deltas = ", ".join(f"({a}) - ({b}) AS {c}" for a, b, c in zip(new, old, COLUMNS, strict=True))
    add = ", ".join(f"{c} = {c} + d.{c}" for c in COLUMNS)
    return f"""
        SELECT p.client_id, n.month, {deltas} INTO d
        FROM new_rows n
        JOIN old_rows o ON o.id = n.id AND o.project_id = n.project_id AND o.month = n.month
        JOIN {PROJECT} p ON p.id = n.project_id;
        IF FOUND THEN
            -- A month left at zero entries goes with its project month: the entry trigger
            -- deletes a project month at zero, and that DELETE's pass removes it.
            UPDATE {CLIENT_MONTH} SET {add} WHERE client_id = d.client_id AND month = d.month;
            RETURN NULL;
        END IF;
    """


def pg_install_sql() -> list[str]:
    new, old = _pg_months("new_rows", ""), _pg_months("old_rows", "-")
    statements = [
        f"""
        CREATE OR REPLACE FUNCTION client_month_apply() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            d record;
        BEGIN
            -- The time-entry triggers write a project month by upsert, which fires both the
            -- INSERT and the UPDATE trigger, one of them with no rows: that one stops here.
            IF TG_OP = 'DELETE' THEN
                IF NOT EXISTS (SELECT 1 FROM old_rows) THEN RETURN NULL; END IF;
            ELSIF NOT EXISTS (SELECT 1 FROM new_rows) THEN
                RETURN NULL;
            END IF;
            IF TG_OP = 'UPDATE' THEN
                -- (nested: PL/pgSQL plans the whole condition, and only an UPDATE has both)
                IF (SELECT count(*) FROM new_rows) = 1 THEN
                    {_pg_one_update()}
                END IF;
            END IF;
            IF TG_OP = 'INSERT' THEN
                {_pg_apply([new])}
            ELSIF TG_OP = 'DELETE' THEN
                {_pg_apply([old])}
            ELSE
                {_pg_apply([new, old])}
            END IF;
            RETURN NULL;
        END $$
        """,
        f"""
        CREATE OR REPLACE FUNCTION client_month_clear() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM {CLIENT_MONTH};
            RETURN NULL;
        END $$
        """,
        f"""
        CREATE OR REPLACE FUNCTION client_month_project() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            {_pg_apply([_pg_project_moves("-"), _pg_project_moves("")])}
            RETURN NULL;
        END $$
        """,
    ]
    for table, names in PG_TRIGGERS.items():
        statements += [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name in names]
    statements += [
        f"CREATE TRIGGER client_month_insert AFTER INSERT ON {PROJECT_MONTH}"
        " REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION client_month_apply()",
        f"CREATE TRIGGER client_month_update AFTER UPDATE ON {PROJECT_MONTH}"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION client_month_apply()",
        f"CREATE TRIGGER client_month_delete AFTER DELETE ON {PROJECT_MONTH}"
        " REFERENCING OLD TABLE AS old_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION client_month_apply()",
        f"CREATE TRIGGER client_month_truncate AFTER TRUNCATE ON {PROJECT_MONTH}"
        " FOR EACH STATEMENT EXECUTE FUNCTION client_month_clear()",
        f"CREATE TRIGGER client_month_project AFTER UPDATE ON {PROJECT}"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION client_month_project()",
    ]
    return statements


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_add(select: str, source: str) -> str:
    columns = ", ".join(COLUMNS)
    add = ", ".join(f"{c} = {CLIENT_MONTH}.{c} + excluded.{c}" for c in COLUMNS)
    # ``source`` ends in a WHERE: SQLite's parser needs one before ON CONFLICT.
    return (
        f"INSERT INTO {CLIENT_MONTH} (client_id, month, {columns}) SELECT {select} {source}"
        f" ON CONFLICT (client_id, month) DO UPDATE SET {add};"
    )


def _sqlite_subtract(client: str, project: str, source: str) -> str:
    """Take the contributions of ``source``'s rows from their client's months; the rows
    left at zero are deleted."""
    figures = _figures("sqlite", "d", project)
    take = ", ".join(f"{c} = {CLIENT_MONTH}.{c} - d.{c}" for c in COLUMNS)
    named = ", ".join(f"{f} AS {c}" for f, c in zip(figures, COLUMNS, strict=True))
    return (
        f"UPDATE {CLIENT_MONTH} SET {take}"
        f" FROM (SELECT d.month AS month, {named} FROM {source}) AS d"
        f" WHERE {CLIENT_MONTH}.client_id = {client} AND {CLIENT_MONTH}.month = d.month;"
        f" DELETE FROM {CLIENT_MONTH} WHERE client_id = {client} AND entry_count <= 0;"
    )


def _sqlite_row_add(row: str) -> str:
    select = _select("sqlite", "p.client_id", row, "p")
    return _sqlite_add(select, f"FROM {PROJECT} p WHERE p.id = {row}.project_id")


def _sqlite_row_subtract(row: str) -> str:
    client = f"(SELECT client_id FROM {PROJECT} WHERE id = {row}.project_id)"
    project = f"(SELECT hourly_rate FROM {PROJECT} WHERE id = {row}.project_id) AS hourly_rate"
    # The one row, as a table: ``d`` has the month's columns and the project's rate.
    source = (
        f"(SELECT {row}.month AS month, {row}.seconds AS seconds,"
        f" {row}.billable_seconds AS billable_seconds, {row}.entry_count AS entry_count,"
        f" {project}) AS d"
    )
    return _sqlite_subtract(client, "d", source)


def sqlite_install_sql() -> list[str]:
    changed = " OR ".join(
        f"NEW.{c} IS NOT OLD.{c}"
        for c in ("project_id", "month", "seconds", "billable_seconds", "entry_count")
    )
    # A project's rate or client changed: its months out at the old values, in at the new.
    old_months = f"{PROJECT_MONTH} AS d WHERE d.project_id = OLD.id"
    new_select = _select("sqlite", "NEW.client_id", "m", "NEW")
    move = (
        f"{_sqlite_subtract('OLD.client_id', 'OLD', old_months)}"
        f" {_sqlite_add(new_select, f'FROM {PROJECT_MONTH} m WHERE m.project_id = NEW.id')}"
    )
    statements = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]
    statements += [
        f"CREATE TRIGGER client_month_insert AFTER INSERT ON {PROJECT_MONTH}"
        f" BEGIN {_sqlite_row_add('NEW')} END",
        f"CREATE TRIGGER client_month_update AFTER UPDATE ON {PROJECT_MONTH} WHEN {changed}"
        f" BEGIN {_sqlite_row_subtract('OLD')} {_sqlite_row_add('NEW')} END",
        f"CREATE TRIGGER client_month_delete AFTER DELETE ON {PROJECT_MONTH}"
        f" BEGIN {_sqlite_row_subtract('OLD')} END",
        f"CREATE TRIGGER client_month_project AFTER UPDATE OF client_id, hourly_rate"
        f" ON {PROJECT}"
        " WHEN NEW.client_id IS NOT OLD.client_id OR NEW.hourly_rate IS NOT OLD.hourly_rate"
        f" BEGIN {move} END",
    ]
    return statements


# --- Both -----------------------------------------------------------------------------------


def _true_rows_sql(vendor: str) -> str:
    """Every row as it should be, from the project months and the projects."""
    sums = ", ".join(f"SUM({f})" for f in _figures(vendor, "m", "p"))
    return (
        f"SELECT p.client_id, m.month, {sums}"
        f" FROM {PROJECT_MONTH} m JOIN {PROJECT} p ON p.id = m.project_id"
        " WHERE m.entry_count <> 0 GROUP BY p.client_id, m.month"
    )


def rebuild_sql(vendor: str) -> list[str]:
    """Every row recomputed from the project months and the projects."""
    columns = ", ".join(COLUMNS)
    return [
        f"DELETE FROM {CLIENT_MONTH}",
        f"INSERT INTO {CLIENT_MONTH} (client_id, month, {columns}) {_true_rows_sql(vendor)}",
    ]


def difference_sql(vendor: str) -> list[str]:
    """Two counts that add up to the rows that are missing, extra or wrong."""
    stored = f"SELECT client_id, month, {', '.join(COLUMNS)} FROM {CLIENT_MONTH}"
    true = _true_rows_sql(vendor)
    return [
        f"SELECT COUNT(*) FROM ({stored} EXCEPT {true}) AS extra",
        f"SELECT COUNT(*) FROM ({true} EXCEPT {stored}) AS missing",
    ]


def install_triggers(connection) -> None:
    """(Re-)create the triggers and recompute every row, in one transaction; safe to run
    again, also on a live database (on PostgreSQL, writes of project months and projects
    wait for it; reads go on)."""
    vendor = connection.vendor
    if vendor == "postgresql":
        statements = [
            f"LOCK TABLE {PROJECT_MONTH}, {PROJECT} IN SHARE ROW EXCLUSIVE MODE",
            *pg_install_sql(),
        ]
    elif vendor == "sqlite":
        statements = sqlite_install_sql()
    else:
        raise NotImplementedError(f"No client-month triggers for {vendor}.")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for sql in [*statements, *rebuild_sql(vendor)]:
            cursor.execute(sql)


def uninstall_triggers(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table, names in PG_TRIGGERS.items():
                for name in names:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            for name in PG_FUNCTIONS:
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
