"""Invoice integrity in the database: an invoice bills only its own client's work.

Two rules (PRODUCT.md §2), enforced on PostgreSQL and SQLite, below the forms and services:

1. ``invoice.project`` belongs to ``invoice.client``. PostgreSQL: a composite foreign key
   (project_id, client_id) → clients_project (id, client_id), like TimeEntry.client (it uses
   the ``project_id_client_unique`` key). It does not cascade: a project with invoices cannot
   move to another client. SQLite: triggers do the same.
2. Every time entry linked from an invoice's items (the auto-created M2M table
   ``invoicing_invoiceitem_time_entries``) belongs to the invoice's client. Both databases:
   triggers on the link table and on every column the rule reads (the entry's client, which
   also follows a project moved to another client; the invoice's client; the item's
   invoice), so no path around it is left.

Violations raise ``IntegrityError``. NOTE: Django rebuilds SQLite tables on some ALTERs,
which drops their triggers: a later migration that alters invoicing_invoice,
invoicing_invoiceitem, the link table, tracking_timeentry or clients_project must call
``install_invoice_integrity`` again (it is idempotent);
``tests/invoicing/test_integrity.py::test_every_integrity_trigger_is_installed`` catches a
lost trigger.
"""

from django.db import migrations

LINK = "invoicing_invoiceitem_time_entries"

# The client of every invoice a time entry is billed on, when it is not ``client``.
_FOREIGN_LINK_FOR_ENTRY = f"""
    SELECT 1 FROM {LINK} link
    JOIN invoicing_invoiceitem item ON item.id = link.invoiceitem_id
    JOIN invoicing_invoice invoice ON invoice.id = item.invoice_id
    WHERE link.timeentry_id = NEW.id AND invoice.client_id <> NEW.client_id
"""
_FOREIGN_LINK_FOR_INVOICE = f"""
    SELECT 1 FROM {LINK} link
    JOIN invoicing_invoiceitem item ON item.id = link.invoiceitem_id
    JOIN tracking_timeentry entry ON entry.id = link.timeentry_id
    WHERE item.invoice_id = NEW.id AND entry.client_id <> NEW.client_id
"""
_FOREIGN_LINK_FOR_ITEM = f"""
    SELECT 1 FROM {LINK} link
    JOIN tracking_timeentry entry ON entry.id = link.timeentry_id
    WHERE link.invoiceitem_id = NEW.id
    AND entry.client_id <> (SELECT client_id FROM invoicing_invoice WHERE id = NEW.invoice_id)
"""
_LINK_ENTRY_CLIENT = "(SELECT client_id FROM tracking_timeentry WHERE id = NEW.timeentry_id)"
_LINK_INVOICE_CLIENT = """(
    SELECT invoice.client_id FROM invoicing_invoiceitem item
    JOIN invoicing_invoice invoice ON invoice.id = item.invoice_id
    WHERE item.id = NEW.invoiceitem_id
)"""

PG_TRIGGERS = {
    # name: (table, timing and event, WHEN condition, violation test)
    "invoice_item_entry_link": (
        LINK,
        "BEFORE INSERT OR UPDATE",
        "TRUE",
        f"{_LINK_ENTRY_CLIENT} IS DISTINCT FROM {_LINK_INVOICE_CLIENT}",
    ),
    "invoice_item_entry_entry_client": (
        "tracking_timeentry",
        "BEFORE UPDATE OF client_id",
        "NEW.client_id IS DISTINCT FROM OLD.client_id",
        f"EXISTS ({_FOREIGN_LINK_FOR_ENTRY})",
    ),
    "invoice_item_entry_invoice_client": (
        "invoicing_invoice",
        "BEFORE UPDATE OF client_id",
        "NEW.client_id IS DISTINCT FROM OLD.client_id",
        f"EXISTS ({_FOREIGN_LINK_FOR_INVOICE})",
    ),
    "invoice_item_entry_item_invoice": (
        "invoicing_invoiceitem",
        "BEFORE UPDATE OF invoice_id",
        "NEW.invoice_id IS DISTINCT FROM OLD.invoice_id",
        f"EXISTS ({_FOREIGN_LINK_FOR_ITEM})",
    ),
}


def _pg_install() -> list[str]:
    statements = [
        "ALTER TABLE invoicing_invoice DROP CONSTRAINT IF EXISTS"
        " invoice_project_is_client_project",
        """
        ALTER TABLE invoicing_invoice ADD CONSTRAINT invoice_project_is_client_project
        FOREIGN KEY (project_id, client_id) REFERENCES clients_project (id, client_id)
        """,
    ]
    for name, (table, event, when, violated) in PG_TRIGGERS.items():
        statements += [
            f"""
            CREATE OR REPLACE FUNCTION {name}_check() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF {violated} THEN
                    RAISE EXCEPTION 'invoice_item_entry_is_invoice_client'
                        USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
            END $$
            """,
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"""
            CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW
            WHEN ({when}) EXECUTE FUNCTION {name}_check()
            """,
        ]
    return statements


def _pg_uninstall() -> list[str]:
    statements = [
        "ALTER TABLE invoicing_invoice DROP CONSTRAINT IF EXISTS"
        " invoice_project_is_client_project"
    ]
    for name, (table, *_rest) in PG_TRIGGERS.items():
        statements += [
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"DROP FUNCTION IF EXISTS {name}_check()",
        ]
    return statements


_PROJECT_MISMATCH = """
    WHEN NEW.project_id IS NOT NULL
    AND NEW.client_id IS NOT (SELECT client_id FROM clients_project WHERE id = NEW.project_id)
    BEGIN SELECT RAISE(ABORT, 'invoice_project_is_client_project'); END
"""
_ABORT_LINK = "BEGIN SELECT RAISE(ABORT, 'invoice_item_entry_is_invoice_client'); END"

SQLITE_TRIGGERS = {
    "invoice_project_insert": "BEFORE INSERT ON invoicing_invoice" + _PROJECT_MISMATCH,
    "invoice_project_update": (
        "BEFORE UPDATE OF project_id, client_id ON invoicing_invoice" + _PROJECT_MISMATCH
    ),
    # PostgreSQL's foreign key does not cascade, so neither does this: refuse the move.
    "invoice_project_moves": """
        BEFORE UPDATE OF client_id ON clients_project
        WHEN NEW.client_id IS NOT OLD.client_id
        AND EXISTS (SELECT 1 FROM invoicing_invoice WHERE project_id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'invoice_project_is_client_project'); END
    """,
    "invoice_item_entry_link_insert": (
        f"BEFORE INSERT ON {LINK}"
        f" WHEN {_LINK_ENTRY_CLIENT} IS NOT {_LINK_INVOICE_CLIENT} {_ABORT_LINK}"
    ),
    "invoice_item_entry_link_update": (
        f"BEFORE UPDATE ON {LINK}"
        f" WHEN {_LINK_ENTRY_CLIENT} IS NOT {_LINK_INVOICE_CLIENT} {_ABORT_LINK}"
    ),
    # Also fires when a moved project's trigger moves its entries to the new client.
    "invoice_item_entry_entry_client": (
        "BEFORE UPDATE OF project_id, client_id ON tracking_timeentry"
        f" WHEN NEW.client_id IS NOT OLD.client_id AND EXISTS ({_FOREIGN_LINK_FOR_ENTRY})"
        f" {_ABORT_LINK}"
    ),
    "invoice_item_entry_invoice_client": (
        "BEFORE UPDATE OF client_id ON invoicing_invoice"
        f" WHEN NEW.client_id IS NOT OLD.client_id AND EXISTS ({_FOREIGN_LINK_FOR_INVOICE})"
        f" {_ABORT_LINK}"
    ),
    "invoice_item_entry_item_invoice": (
        "BEFORE UPDATE OF invoice_id ON invoicing_invoiceitem"
        f" WHEN NEW.invoice_id IS NOT OLD.invoice_id AND EXISTS ({_FOREIGN_LINK_FOR_ITEM})"
        f" {_ABORT_LINK}"
    ),
}


def install_invoice_integrity(apps, schema_editor):
    """Create (or re-create) the constraint and triggers; safe to run again."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = _pg_install()
    elif vendor == "sqlite":
        statements = []
        for name, body in SQLITE_TRIGGERS.items():
            statements += [f"DROP TRIGGER IF EXISTS {name}", f"CREATE TRIGGER {name} {body}"]
    else:
        statements = []
    for sql in statements:
        schema_editor.execute(sql)


def uninstall_invoice_integrity(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = _pg_uninstall()
    elif vendor == "sqlite":
        statements = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]
    else:
        statements = []
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ("clients", "0002_project_id_client_unique"),
        # After the bounds migration: on SQLite it rebuilds tracking_timeentry, dropping triggers.
        ("tracking", "0003_time_entry_bounds"),
        ("invoicing", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install_invoice_integrity, uninstall_invoice_integrity),
    ]
