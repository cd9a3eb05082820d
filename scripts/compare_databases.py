"""Compare two PostgreSQL databases after a restore: every table's row count, invoice totals.

    python scripts/compare_databases.py SOURCE_URL RESTORED_URL

Prints one line per difference and exits 1 if there is any (used by backup_roundtrip.sh).
"""

from __future__ import annotations

import sys

import psycopg
from psycopg import sql

# Money and hours that must survive a restore to the cent and the second.
TOTALS = {
    "invoices": (
        "SELECT count(*), sum(subtotal), sum(tax_amount), sum(total_amount), sum(amount_paid)"
        " FROM invoicing_invoice"
    ),
    "invoice items": "SELECT count(*), sum(amount) FROM invoicing_invoiceitem",
    "payments": "SELECT count(*), sum(amount) FROM invoicing_payment",
    "time entries": (
        "SELECT count(*), sum(extract(epoch FROM end_time - start_time))"
        " FROM tracking_timeentry WHERE end_time IS NOT NULL"
    ),
    "sequences": (
        "SELECT string_agg(sequencename || '=' || coalesce(last_value, 0), ','"
        " ORDER BY sequencename) FROM pg_sequences WHERE schemaname = 'public'"
    ),
}


def snapshot(url: str) -> dict[str, object]:
    with psycopg.connect(url) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        result: dict[str, object] = {}
        for table in tables:
            query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            result[f"rows {table}"] = connection.execute(query).fetchone()[0]
        for name, query in TOTALS.items():
            result[name] = connection.execute(query).fetchone()
        return result


def main(source_url: str, restored_url: str) -> int:
    source, restored = snapshot(source_url), snapshot(restored_url)
    differences = [
        f"{key}: {source.get(key)!r} != {restored.get(key)!r}"
        for key in sorted(source.keys() | restored.keys())
        if source.get(key) != restored.get(key)
    ]
    for line in differences:
        print("DIFFERENT", line)
    tables = sum(1 for key in source if key.startswith("rows "))
    rows = sum(value for key, value in source.items() if key.startswith("rows "))
    print(f"{tables} tables, {rows} rows; invoices {source['invoices']}")
    return 1 if differences else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
