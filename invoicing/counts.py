"""Database triggers that keep ``ClientInvoiceCount`` (invoices per client and status) true.

Every row of ``invoicing_invoice`` counts one in the row of its (client, status). The triggers
fire on every INSERT, DELETE and UPDATE of the table — the ORM, ``bulk_create``, queryset
``update()``, raw SQL, ``COPY`` in seeding — so no code path can make the counts drift; the
property test in ``tests/invoicing/test_counts.py`` checks it on both databases.

Why: the portal's status tabs show how many invoices a client has in all, paid, unpaid and
overdue. Counted over the invoices, that is one index entry per invoice the client ever had
(40,000 for the XL benchmark client); from these rows it is at most four. Unpaid and overdue
stay counted over the sent invoices (an index range of the client's open ones), since they
depend on amounts and on today.

PostgreSQL: statement-level ``AFTER`` triggers with transition tables, one aggregated upsert
per statement (a 400,000-row ``COPY`` costs one ``GROUP BY``), plus ``AFTER TRUNCATE``.
SQLite: row-level triggers; the UPDATE one only when the client or the status changes.
A row whose count falls to zero is deleted; a subtraction never inserts a row.

NOTE: Django rebuilds SQLite tables on some ALTERs, which drops their triggers. A later
migration that alters ``invoicing_invoice`` must call ``install_triggers`` again at its end;
``tests/invoicing/test_counts.py`` catches a lost trigger. One that makes SQLite rebuild
``invoicing_client_invoice_count`` itself fails outright (the final ``RENAME`` re-parses the
triggers that name it): call ``uninstall_triggers`` before it and ``install_triggers`` after.
"""

from __future__ import annotations

from django.db import transaction

# Every SQL string here is built from the constants below.
# ruff: noqa: S608

INVOICE = "invoicing_invoice"
COUNTS = "invoicing_client_invoice_count"
SQLITE_TRIGGERS = (
    "invoice_count_insert",
    "invoice_count_update",
    "invoice_count_delete",
)
PG_TRIGGERS = (
    "invoice_count_insert",
    "invoice_count_update",
    "invoice_count_delete",
    "invoice_count_truncate",
)
PG_FUNCTIONS = ("invoice_count_apply", "invoice_count_clear")

_UPSERT_CONFLICT = (
    f"ON CONFLICT (client_id, status) DO UPDATE"
    f" SET invoice_count = {COUNTS}.invoice_count + excluded.invoice_count"
)
_SAME_KEY = "c.client_id = d.client_id AND c.status = d.status"


def _pg_deltas(parts: list[str], sign: str) -> str:
    """The net change per (client, status) of the rows in ``parts``, where it has ``sign``."""
    changes = " UNION ALL ".join(parts)
    return (
        f"(SELECT client_id, status, SUM(delta) AS n FROM ({changes}) AS changes"
        f" GROUP BY client_id, status HAVING SUM(delta) {sign} 0)"
    )


def _pg_apply(parts: list[str]) -> str:
    # One upsert for every changed key, in key order: two statements touching the same
    # clients lock their rows in the same order, so they cannot deadlock (as the hour
    # rollups). A decrease only updates an existing row — none means the counts were emptied
    # first (a test flush may), and a negative row would be wrong — and the rows it leaves
    # at zero, already locked by this statement, are deleted.
    return f"""
        INSERT INTO {COUNTS} AS t (client_id, status, invoice_count)
            SELECT client_id, status, n FROM {_pg_deltas(parts, "<>")} d
            WHERE n > 0 OR EXISTS (SELECT 1 FROM {COUNTS} c WHERE {_SAME_KEY})
            ORDER BY client_id, status
            ON CONFLICT (client_id, status) DO UPDATE
            SET invoice_count = t.invoice_count + EXCLUDED.invoice_count;
        DELETE FROM {COUNTS} c USING {_pg_deltas(parts, "<")} d
            WHERE {_SAME_KEY} AND c.invoice_count <= 0;
    """


_NEW = "SELECT client_id, status, 1 AS delta FROM new_rows"
_OLD = "SELECT client_id, status, -1 AS delta FROM old_rows"


def pg_install_sql() -> list[str]:
    function = f"""
        CREATE OR REPLACE FUNCTION invoice_count_apply() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {_pg_apply([_NEW])}
            ELSIF TG_OP = 'DELETE' THEN
                {_pg_apply([_OLD])}
            ELSE
                {_pg_apply([_NEW, _OLD])}
            END IF;
            RETURN NULL;
        END $$
    """
    clear = f"""
        CREATE OR REPLACE FUNCTION invoice_count_clear() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM {COUNTS};
            RETURN NULL;
        END $$
    """
    statements = [function, clear]
    statements += [f"DROP TRIGGER IF EXISTS {name} ON {INVOICE}" for name in PG_TRIGGERS]
    statements += [
        f"CREATE TRIGGER invoice_count_insert AFTER INSERT ON {INVOICE}"
        " REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION invoice_count_apply()",
        f"CREATE TRIGGER invoice_count_update AFTER UPDATE ON {INVOICE}"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION invoice_count_apply()",
        f"CREATE TRIGGER invoice_count_delete AFTER DELETE ON {INVOICE}"
        " REFERENCING OLD TABLE AS old_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION invoice_count_apply()",
        f"CREATE TRIGGER invoice_count_truncate AFTER TRUNCATE ON {INVOICE}"
        " FOR EACH STATEMENT EXECUTE FUNCTION invoice_count_clear()",
    ]
    return statements


def _sqlite_add(row: str) -> str:
    # WHERE true: SQLite's parser needs it between INSERT … SELECT and ON CONFLICT.
    return (
        f"INSERT INTO {COUNTS} (client_id, status, invoice_count)"
        f" SELECT {row}.client_id, {row}.status, 1 WHERE true {_UPSERT_CONFLICT};"
    )


def _sqlite_subtract(row: str) -> str:
    key = f"client_id = {row}.client_id AND status = {row}.status"
    return (
        f"UPDATE {COUNTS} SET invoice_count = invoice_count - 1 WHERE {key};"
        f" DELETE FROM {COUNTS} WHERE {key} AND invoice_count <= 0;"
    )


def sqlite_install_sql() -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]
    statements += [
        f"CREATE TRIGGER invoice_count_insert AFTER INSERT ON {INVOICE}"
        f" BEGIN {_sqlite_add('NEW')} END",
        f"CREATE TRIGGER invoice_count_update AFTER UPDATE OF client_id, status ON {INVOICE}"
        " WHEN NEW.client_id IS NOT OLD.client_id OR NEW.status IS NOT OLD.status"
        f" BEGIN {_sqlite_subtract('OLD')} {_sqlite_add('NEW')} END",
        f"CREATE TRIGGER invoice_count_delete AFTER DELETE ON {INVOICE}"
        f" BEGIN {_sqlite_subtract('OLD')} END",
    ]
    return statements


def rebuild_sql() -> list[str]:
    """Every count recomputed from the invoices (the migration's first fill, and a repair)."""
    return [
        f"DELETE FROM {COUNTS}",
        f"INSERT INTO {COUNTS} (client_id, status, invoice_count)"
        f" SELECT client_id, status, COUNT(*) FROM {INVOICE} GROUP BY client_id, status",
    ]


def install_triggers(connection) -> None:
    """(Re-)create the triggers and recompute every count, in one transaction; safe to run
    again, also on a live database: invoice writes wait for it (on PostgreSQL a lock that
    still lets reads through), so no write falls between the recount and the triggers."""
    if connection.vendor == "postgresql":
        statements = [f"LOCK TABLE {INVOICE} IN SHARE ROW EXCLUSIVE MODE", *pg_install_sql()]
    elif connection.vendor == "sqlite":
        statements = sqlite_install_sql()
    else:
        raise NotImplementedError(f"No invoice-count triggers for {connection.vendor}.")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for sql in [*statements, *rebuild_sql()]:
            cursor.execute(sql)


def uninstall_triggers(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in PG_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {INVOICE}")
            for name in PG_FUNCTIONS:
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
