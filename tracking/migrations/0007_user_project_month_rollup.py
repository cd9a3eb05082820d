"""Hours by (person, project, local month), kept by the same triggers as the day rollups.

Reinstalls the triggers of ``tracking.rollups`` for all three tables (current ``TIME_ZONE``)
and fills the new one from the existing entries. Reverse: the triggers for the day rollups
only, then the table goes.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from tracking import rollups


def install(apps, schema_editor):
    connection = schema_editor.connection
    rollups.install_triggers(connection, settings.TIME_ZONE, rollups.ROLLUPS_0007)
    rollup = rollups.USER_PROJECT_MONTH_ROLLUP
    schema_editor.execute(
        rollups.rebuild_sql(connection.vendor, settings.TIME_ZONE, rollup, batched=False)
    )
    if connection.vendor == "postgresql":
        # Planner statistics now, not at autovacuum's leisure: without them the first
        # reports estimated 1,000 rows for 100,000 and picked a slow plan.
        schema_editor.execute(f"ANALYZE {rollups.USER_PROJECT_MONTH}")


def uninstall(apps, schema_editor):
    rollups.install_triggers(schema_editor.connection, settings.TIME_ZONE, rollups.DAY_ROLLUPS)


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0006_project_updates_comments'),
        ('tracking', '0006_notes_trigram'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='UserProjectMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month')),
                ('seconds', models.BigIntegerField(default=0, verbose_name='seconds')),
                ('billable_seconds', models.BigIntegerField(default=0, verbose_name='billable seconds')),
                ('entry_count', models.BigIntegerField(default=0, verbose_name='entries')),
                ('project', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='month_rollups', to='clients.project', verbose_name='project')),
                ('user', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='month_rollups', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'db_table': 'tracking_user_project_month',
                'ordering': ['user', 'project', 'month'],
                'indexes': [models.Index(fields=['month', 'project'], include=('user', 'seconds', 'billable_seconds'), name='user_project_month_month'), models.Index(condition=models.Q(('entry_count', 0)), fields=['id'], name='user_project_month_empty')],
                'constraints': [models.UniqueConstraint(fields=('user', 'project', 'month'), include=('seconds', 'billable_seconds', 'entry_count'), name='user_project_month_unique')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
