"""Hours by (project, local month), kept by the same triggers as the other rollups.

Reinstalls the triggers of ``tracking.rollups`` for all four tables (current ``TIME_ZONE``)
and fills the new one from ``UserProjectMonth``: the same local months, so the sums over its
persons are exact, and a scan of its rows is seconds at XL where grouping 20 million
entries is minutes. Reverse: the triggers of 0007 (three tables), then the table goes.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from tracking import rollups


def install(apps, schema_editor):
    connection = schema_editor.connection
    # On PostgreSQL CREATE TRIGGER locks out writes of the entries until the migration
    # commits: no write can slip between the triggers' install and the fill.
    rollups.install_triggers(connection, settings.TIME_ZONE, rollups.ROLLUPS_0009)
    schema_editor.execute(
        f"INSERT INTO {rollups.PROJECT_MONTH} (project_id, month, seconds, billable_seconds,"
        " entry_count) SELECT project_id, month, SUM(seconds), SUM(billable_seconds),"
        f" SUM(entry_count) FROM {rollups.USER_PROJECT_MONTH} GROUP BY project_id, month"
    )
    if connection.vendor == "postgresql":
        schema_editor.execute(f"ANALYZE {rollups.PROJECT_MONTH}")


def uninstall(apps, schema_editor):
    rollups.install_triggers(schema_editor.connection, settings.TIME_ZONE, rollups.ROLLUPS_0007)


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0006_project_updates_comments'),
        ('tracking', '0008_project_day_by_day'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProjectMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month')),
                ('seconds', models.BigIntegerField(default=0, verbose_name='seconds')),
                ('billable_seconds', models.BigIntegerField(default=0, verbose_name='billable seconds')),
                ('entry_count', models.BigIntegerField(default=0, verbose_name='entries')),
                ('project', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='project_month_rollups', to='clients.project', verbose_name='project')),
            ],
            options={
                'db_table': 'tracking_project_month',
                'ordering': ['project', 'month'],
                'indexes': [models.Index(fields=['month', 'project'], include=('seconds', 'billable_seconds'), name='project_month_by_month'), models.Index(condition=models.Q(('entry_count', 0)), fields=['id'], name='project_month_empty')],
                'constraints': [models.UniqueConstraint(fields=('project', 'month'), include=('seconds', 'billable_seconds', 'entry_count'), name='project_month_unique')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
