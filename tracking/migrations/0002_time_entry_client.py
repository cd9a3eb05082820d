"""TimeEntry.client: a denormalized copy of project.client (docs/PERFORMANCE.md).

The database keeps the copy true: on PostgreSQL a composite foreign key (project_id,
client_id) → clients_project (id, client_id) that cascades when a project moves to another
client; on SQLite triggers do the same. NOTE: Django rebuilds SQLite tables on some
ALTERs, which drops their triggers: a later migration that alters tracking_timeentry or
clients_project must call ``install_client_guard`` again (the test
``test_project_moved_to_another_client_moves_its_entries`` catches a lost trigger).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


POPULATE = """
UPDATE tracking_timeentry SET client_id = (
    SELECT clients_project.client_id FROM clients_project
    WHERE clients_project.id = tracking_timeentry.project_id
)
"""

PG_INSTALL = [
    """
    ALTER TABLE tracking_timeentry ADD CONSTRAINT time_entry_client_is_project_client
    FOREIGN KEY (project_id, client_id) REFERENCES clients_project (id, client_id)
    ON UPDATE CASCADE
    """,
]
PG_UNINSTALL = [
    "ALTER TABLE tracking_timeentry DROP CONSTRAINT time_entry_client_is_project_client",
]

_SQLITE_MISMATCH = """
    WHEN NEW.client_id IS NOT (SELECT client_id FROM clients_project WHERE id = NEW.project_id)
    BEGIN SELECT RAISE(ABORT, 'time_entry_client_is_project_client'); END
"""
SQLITE_INSTALL = [
    "CREATE TRIGGER time_entry_client_insert BEFORE INSERT ON tracking_timeentry"
    + _SQLITE_MISMATCH,
    "CREATE TRIGGER time_entry_client_update BEFORE UPDATE OF project_id, client_id"
    " ON tracking_timeentry" + _SQLITE_MISMATCH,
    """
    CREATE TRIGGER project_client_moves_entries AFTER UPDATE OF client_id ON clients_project
    WHEN NEW.client_id IS NOT OLD.client_id
    BEGIN
        UPDATE tracking_timeentry SET client_id = NEW.client_id WHERE project_id = NEW.id;
    END
    """,
]
SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS time_entry_client_insert",
    "DROP TRIGGER IF EXISTS time_entry_client_update",
    "DROP TRIGGER IF EXISTS project_client_moves_entries",
]


def install_client_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": PG_INSTALL, "sqlite": SQLITE_INSTALL}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def uninstall_client_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": PG_UNINSTALL, "sqlite": SQLITE_UNINSTALL}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0002_project_id_client_unique'),
        ('tracking', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='timeentry',
            name='time_entry_project_start',
        ),
        migrations.AddField(
            model_name='timeentry',
            name='client',
            field=models.ForeignKey(db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='time_entries', to='clients.client', verbose_name='client'),
        ),
        migrations.RunSQL(POPULATE, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name='timeentry',
            name='client',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='time_entries', to='clients.client', verbose_name='client'),
        ),
        migrations.AlterField(
            model_name='timeentry',
            name='project',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='time_entries', to='clients.project', verbose_name='project'),
        ),
        migrations.AddIndex(
            model_name='timeentry',
            index=models.Index(fields=['project', '-start_time', '-id'], include=('duration_seconds', 'billable', 'end_time'), name='time_entry_project_start'),
        ),
        migrations.AddIndex(
            model_name='timeentry',
            index=models.Index(fields=['client', '-start_time', '-id'], include=('duration_seconds', 'billable', 'end_time', 'project'), name='time_entry_client_start'),
        ),
        migrations.RunPython(install_client_guard, uninstall_client_guard),
    ]
