"""Hour rollups by (client, local day) and (project, local day), kept by triggers.

See ``tracking.rollups``: installs the PostgreSQL or SQLite triggers for the current
``TIME_ZONE`` and fills both tables from the existing entries. After a change of
``TIME_ZONE``, run ``manage.py rebuild_rollups``.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from tracking import rollups


def install(apps, schema_editor):
    connection = schema_editor.connection
    # The tables of this migration only (tracking.0007 adds the month rollup).
    rollups.install_triggers(connection, settings.TIME_ZONE, rollups.DAY_ROLLUPS)
    for rollup in rollups.DAY_ROLLUPS:
        schema_editor.execute(
            rollups.rebuild_sql(connection.vendor, settings.TIME_ZONE, rollup, batched=False)
        )


def uninstall(apps, schema_editor):
    rollups.uninstall_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0002_project_id_client_unique'),
        ('tracking', '0003_time_entry_bounds'),
    ]

    operations = [
        migrations.CreateModel(
            name='ClientDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='day')),
                ('seconds', models.BigIntegerField(default=0, verbose_name='seconds')),
                ('billable_seconds', models.BigIntegerField(default=0, verbose_name='billable seconds')),
                ('entry_count', models.BigIntegerField(default=0, verbose_name='entries')),
                ('client', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='day_rollups', to='clients.client', verbose_name='client')),
            ],
            options={
                'db_table': 'tracking_client_day',
                'ordering': ['client', 'day'],
                'indexes': [models.Index(condition=models.Q(('entry_count', 0)), fields=['id'], name='client_day_empty')],
                'constraints': [models.UniqueConstraint(fields=('client', 'day'), include=('seconds', 'billable_seconds', 'entry_count'), name='client_day_unique')],
            },
        ),
        migrations.CreateModel(
            name='ProjectDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='day')),
                ('seconds', models.BigIntegerField(default=0, verbose_name='seconds')),
                ('billable_seconds', models.BigIntegerField(default=0, verbose_name='billable seconds')),
                ('entry_count', models.BigIntegerField(default=0, verbose_name='entries')),
                ('project', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='day_rollups', to='clients.project', verbose_name='project')),
            ],
            options={
                'db_table': 'tracking_project_day',
                'ordering': ['project', 'day'],
                'indexes': [models.Index(condition=models.Q(('entry_count', 0)), fields=['id'], name='project_day_empty')],
                'constraints': [models.UniqueConstraint(fields=('project', 'day'), include=('seconds', 'billable_seconds', 'entry_count'), name='project_day_unique')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
