"""Admin time-entry search on PostgreSQL: a trigram GIN index on ``UPPER(notes)``.

Django's ``notes__icontains`` is ``UPPER(notes::text) LIKE UPPER('%term%')`` on PostgreSQL;
an index on that expression with ``gin_trgm_ops`` answers it without walking the table (a
search with a few old matches took seconds at L). ``pg_trgm`` ships with PostgreSQL
(contrib); creating it needs a role allowed to (a superuser, or the database owner on
PostgreSQL 13+ since pg_trgm is a trusted extension). SQLite: nothing to do.

Not in the model's ``Meta.indexes``: Django would try to create a GIN index on SQLite too.
"""

from django.db import migrations

INDEX = "time_entry_notes_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON tracking_timeentry "
        "USING gin ((UPPER(notes::text)) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("tracking", "0005_rollup_triggers_subtract_by_update")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
