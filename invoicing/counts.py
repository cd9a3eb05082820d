"""Database triggers that keep the invoice tallies true: ``ClientInvoiceCount`` (invoices
per client and status) and ``ClientUnpaid`` (unpaid invoices and the amount due per client,
currency and due date).

Every row of ``invoicing_invoice`` that meets a tally's condition adds one, and its values,
to the tally row of its key. The triggers fire on every INSERT, DELETE and UPDATE of the
table — the ORM, ``bulk_create``, queryset ``update()``, raw SQL, ``COPY`` in seeding — so no
code path can make a tally drift; the property tests in ``tests/invoicing/test_counts.py``
check it on both databases.

Why: the portal's status tabs show how many invoices a client has in all, paid, unpaid and
overdue, and the dashboard the amounts unpaid and overdue. Counted over the invoices, that is
one index entry per invoice the client ever had, or ever left unpaid (40,000 and 4,548 for
the XL benchmark client); from these rows it is at most four statuses, and one row per due
date that still has something unpaid (bounded by the days of history, not by how many
invoices a day brings). Overdue is the unpaid rows due before today: the split moves with
the date, so it is a filter at read time, not a stored figure.

Amounts are stored as integer cents: SQLite keeps decimals as floating point, and a sum of
cents stays exact on both databases.

PostgreSQL: statement-level ``AFTER`` triggers with transition tables, one aggregated upsert
per statement and tally (a 400,000-row ``COPY`` costs one ``GROUP BY``), plus ``AFTER
TRUNCATE``. SQLite: row-level triggers; the UPDATE one only when a column of the tally
changes. A row whose count falls to zero is deleted; a subtraction never inserts a row.

NOTE: Django rebuilds SQLite tables on some ALTERs, which drops their triggers. A later
migration that alters ``invoicing_invoice`` must call ``install_triggers`` again at its end;
``tests/invoicing/test_counts.py`` catches a lost trigger. One that makes SQLite rebuild a
tally table itself fails outright (the final ``RENAME`` re-parses the triggers that name
it): call ``uninstall_triggers`` before it and ``install_triggers`` after.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from timetracker.formatting import cents_sql

# Every SQL string here is built from the constants below.
# ruff: noqa: S608

INVOICE = "invoicing_invoice"


@dataclass(frozen=True)
class Tally:
    """One tally table: its key columns (invoice columns of the same name), the invoices it
    counts (``condition`` over the row ``{r}``; empty: all) in ``count``, and the sums it
    keeps beside the count (column → expression over ``{r}``, per vendor)."""

    table: str
    prefix: str  # of its trigger and function names
    keys: tuple[str, ...]
    count: str
    condition: str = ""
    sums: dict[str, dict[str, str]] = field(default_factory=dict)
    # The invoice columns its figures depend on (the SQLite UPDATE trigger watches them).
    columns: tuple[str, ...] = ()

    @property
    def pg_triggers(self) -> tuple[str, ...]:
        return tuple(f"{self.prefix}_{op}" for op in ("insert", "update", "delete", "truncate"))

    @property
    def sqlite_triggers(self) -> tuple[str, ...]:
        return self.pg_triggers[:3]

    @property
    def pg_functions(self) -> tuple[str, ...]:
        return (f"{self.prefix}_apply", f"{self.prefix}_clear")

    def where(self, row: str) -> str:
        return self.condition.format(r=row) if self.condition else "true"

    def figures(self, vendor: str, row: str, sign: str = "") -> list[str]:
        """The count and sums one invoice ``row`` contributes (``sign``: "-" subtracts)."""
        sums = [expr[vendor].format(r=row) for expr in self.sums.values()]
        return [f"{sign}1", *(f"{sign}({s})" for s in sums)]

    @property
    def value_columns(self) -> list[str]:
        return [self.count, *self.sums]


INVOICE_COUNT = Tally(
    table="invoicing_client_invoice_count",
    prefix="invoice_count",
    keys=("client_id", "status"),
    count="invoice_count",
    columns=("client_id", "status"),
)
CLIENT_UNPAID = Tally(
    table="invoicing_client_unpaid",
    prefix="invoice_unpaid",
    keys=("client_id", "currency_code", "due_date"),
    count="invoice_count",
    # invoicing.models.unpaid_q
    condition="{r}.status = 'sent' AND {r}.total_amount > {r}.amount_paid",
    sums={
        "due_cents": {
            vendor: cents_sql(vendor, "{r}.total_amount - {r}.amount_paid")
            for vendor in ("postgresql", "sqlite")
        }
    },
    columns=("client_id", "currency_code", "due_date", "status", "total_amount", "amount_paid"),
)
TALLIES = (INVOICE_COUNT, CLIENT_UNPAID)


def _same_key(tally: Tally, a: str, b: str) -> str:
    return " AND ".join(f"{a}.{key} = {b}.{key}" for key in tally.keys)


def _pg_deltas(tally: Tally, parts: list[str], having: str) -> str:
    """The net change per key of the rows in ``parts``, where it meets ``having``."""
    keys = ", ".join(tally.keys)
    values = ", ".join(f"SUM({column}) AS {column}" for column in tally.value_columns)
    changes = " UNION ALL ".join(parts)
    return f"(SELECT {keys}, {values} FROM ({changes}) AS changes GROUP BY {keys} HAVING {having})"


def _pg_apply(tally: Tally, parts: list[str]) -> str:
    # One upsert for every changed key, in key order: two statements touching the same
    # clients lock their rows in the same order, so they cannot deadlock (as the hour
    # rollups). A decrease only updates an existing row — none means the tally was emptied
    # first (a test flush may), and a negative row would be wrong — and the rows it leaves
    # at zero, already locked by this statement, are deleted.
    keys = ", ".join(tally.keys)
    columns = tally.value_columns
    changed = " OR ".join(f"SUM({column}) <> 0" for column in columns)
    add = ", ".join(f"{column} = t.{column} + EXCLUDED.{column}" for column in columns)
    return f"""
        INSERT INTO {tally.table} AS t ({keys}, {", ".join(columns)})
            SELECT {keys}, {", ".join(columns)} FROM {_pg_deltas(tally, parts, changed)} d
            WHERE d.{tally.count} > 0
                OR EXISTS (SELECT 1 FROM {tally.table} c WHERE {_same_key(tally, "c", "d")})
            ORDER BY {keys}
            ON CONFLICT ({keys}) DO UPDATE SET {add};
        DELETE FROM {tally.table} c
            USING {_pg_deltas(tally, parts, f"SUM({tally.count}) < 0")} d
            WHERE {_same_key(tally, "c", "d")} AND c.{tally.count} <= 0;
    """


def _pg_part(tally: Tally, source: str, sign: str) -> str:
    figures = tally.figures("postgresql", "r", sign)
    values = ", ".join(
        f"{figure} AS {column}" for figure, column in zip(figures, tally.value_columns, strict=True)
    )
    keys = ", ".join(tally.keys)
    return f"SELECT {keys}, {values} FROM {source} AS r WHERE {tally.where('r')}"


def pg_install_sql(tally: Tally) -> list[str]:
    apply, clear = tally.pg_functions
    new, old = _pg_part(tally, "new_rows", ""), _pg_part(tally, "old_rows", "-")
    function = f"""
        CREATE OR REPLACE FUNCTION {apply}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {_pg_apply(tally, [new])}
            ELSIF TG_OP = 'DELETE' THEN
                {_pg_apply(tally, [old])}
            ELSE
                {_pg_apply(tally, [new, old])}
            END IF;
            RETURN NULL;
        END $$
    """
    clear_function = f"""
        CREATE OR REPLACE FUNCTION {clear}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM {tally.table};
            RETURN NULL;
        END $$
    """
    insert, update, delete, truncate = tally.pg_triggers
    statements = [function, clear_function]
    statements += [f"DROP TRIGGER IF EXISTS {name} ON {INVOICE}" for name in tally.pg_triggers]
    statements += [
        f"CREATE TRIGGER {insert} AFTER INSERT ON {INVOICE}"
        " REFERENCING NEW TABLE AS new_rows"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {apply}()",
        f"CREATE TRIGGER {update} AFTER UPDATE ON {INVOICE}"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {apply}()",
        f"CREATE TRIGGER {delete} AFTER DELETE ON {INVOICE}"
        " REFERENCING OLD TABLE AS old_rows"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {apply}()",
        f"CREATE TRIGGER {truncate} AFTER TRUNCATE ON {INVOICE}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {clear}()",
    ]
    return statements


def _sqlite_add(tally: Tally, row: str) -> str:
    keys = ", ".join(tally.keys)
    columns = tally.value_columns
    values = ", ".join([*(f"{row}.{key}" for key in tally.keys), *tally.figures("sqlite", row)])
    add = ", ".join(f"{column} = {tally.table}.{column} + excluded.{column}" for column in columns)
    # The WHERE is needed anyway: SQLite's parser wants one between INSERT … SELECT and
    # ON CONFLICT.
    return (
        f"INSERT INTO {tally.table} ({keys}, {', '.join(columns)}) SELECT {values}"
        f" WHERE {tally.where(row)} ON CONFLICT ({keys}) DO UPDATE SET {add};"
    )


def _sqlite_subtract(tally: Tally, row: str) -> str:
    key = " AND ".join(f"{k} = {row}.{k}" for k in tally.keys)
    figures = tally.figures("sqlite", row)
    take = ", ".join(
        f"{column} = {column} - {figure}"
        for column, figure in zip(tally.value_columns, figures, strict=True)
    )
    return (
        f"UPDATE {tally.table} SET {take} WHERE {key} AND {tally.where(row)};"
        f" DELETE FROM {tally.table} WHERE {key} AND {tally.count} <= 0;"
    )


def sqlite_install_sql(tally: Tally) -> list[str]:
    insert, update, delete = tally.sqlite_triggers
    watched = ", ".join(tally.columns)
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in tally.columns)
    statements = [f"DROP TRIGGER IF EXISTS {name}" for name in tally.sqlite_triggers]
    statements += [
        f"CREATE TRIGGER {insert} AFTER INSERT ON {INVOICE} BEGIN {_sqlite_add(tally, 'NEW')} END",
        f"CREATE TRIGGER {update} AFTER UPDATE OF {watched} ON {INVOICE} WHEN {changed}"
        f" BEGIN {_sqlite_subtract(tally, 'OLD')} {_sqlite_add(tally, 'NEW')} END",
        f"CREATE TRIGGER {delete} AFTER DELETE ON {INVOICE}"
        f" BEGIN {_sqlite_subtract(tally, 'OLD')} END",
    ]
    return statements


def rebuild_sql(tally: Tally, vendor: str) -> list[str]:
    """Every row recomputed from the invoices (the migration's first fill, and a repair)."""
    keys = ", ".join(tally.keys)
    sums = [f"SUM({expr[vendor].format(r='r')})" for expr in tally.sums.values()]
    values = ", ".join(["COUNT(*)", *sums])
    return [
        f"DELETE FROM {tally.table}",
        f"INSERT INTO {tally.table} ({keys}, {', '.join(tally.value_columns)})"
        f" SELECT {keys}, {values} FROM {INVOICE} AS r WHERE {tally.where('r')}"
        f" GROUP BY {keys}",
    ]


def install_triggers(connection, tallies=TALLIES) -> None:
    """(Re-)create the triggers and recompute every row of ``tallies``, in one transaction;
    safe to run again, also on a live database: invoice writes wait for it (on PostgreSQL a
    lock that still lets reads through), so no write falls between the recount and the
    triggers. A migration names the tallies whose tables exist at that point."""
    vendor = connection.vendor
    if vendor == "postgresql":
        statements = [f"LOCK TABLE {INVOICE} IN SHARE ROW EXCLUSIVE MODE"]
        for tally in tallies:
            statements += pg_install_sql(tally)
    elif vendor == "sqlite":
        statements = [sql for tally in tallies for sql in sqlite_install_sql(tally)]
    else:
        raise NotImplementedError(f"No invoice tally triggers for {vendor}.")
    statements += [sql for tally in tallies for sql in rebuild_sql(tally, vendor)]
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def uninstall_triggers(connection, tallies=TALLIES) -> None:
    with connection.cursor() as cursor:
        for tally in tallies:
            if connection.vendor == "postgresql":
                for name in tally.pg_triggers:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {INVOICE}")
                for name in tally.pg_functions:
                    cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
            elif connection.vendor == "sqlite":
                for name in tally.sqlite_triggers:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
