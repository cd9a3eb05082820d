"""Reinstall the rollup triggers: on SQLite a removed entry now updates its rollup row instead
of upserting a negative one (``manage.py flush`` failed on a foreign key otherwise)."""

from django.conf import settings
from django.db import migrations

from tracking import rollups


def reinstall(apps, schema_editor):
    rollups.install_triggers(
        schema_editor.connection, settings.TIME_ZONE, rollups.DAY_ROLLUPS
    )


class Migration(migrations.Migration):
    dependencies = [("tracking", "0004_day_rollups")]

    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
