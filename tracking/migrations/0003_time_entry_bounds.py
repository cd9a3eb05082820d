"""Bound time-entry instants to [1970-01-01, 2100-01-01) UTC and store durations as bigint.

See docs/ARCHITECTURE.md, "Date and duration bounds". Refuses to run while the table holds
rows outside the bounds: it says how many and which, and points at ``manage.py
check_time_entries`` (docs/ADMIN.md, "Time entries outside the date range"), with which an
operator corrects or deletes each one; nothing is changed or deleted automatically.

SQLite rebuilds the table for each of these ALTERs, which drops the client-copy triggers of
0002: they are removed first and installed again last.
"""

import datetime
import importlib

import django.core.validators
import timetracker.dates
from django.conf import settings
from django.core.management.base import CommandError
from django.db import migrations, models
from django.db.models import Q

# Frozen copies of timetracker.dates at the time of this migration.
MIN = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
MAX = datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc)
MAX_DURATION_SECONDS = 4102444800
SHOWN_IDS = 20

_guard = importlib.import_module("tracking.migrations.0002_time_entry_client")


def refuse_out_of_range_rows(apps, schema_editor):
    """Fail before any change if rows outside the bounds exist (ids only: no datetimes are
    read, so even values Python cannot represent are found)."""
    TimeEntry = apps.get_model("tracking", "TimeEntry")
    bad = TimeEntry.objects.using(schema_editor.connection.alias).filter(
        Q(start_time__lt=MIN)
        | Q(start_time__gte=MAX)
        | Q(end_time__lt=MIN)
        | Q(end_time__gte=MAX)
        | Q(duration_seconds__gt=MAX_DURATION_SECONDS)
    )
    ids = list(bad.order_by("pk").values_list("pk", flat=True)[: SHOWN_IDS + 1])
    if not ids:
        return
    shown = ", ".join(str(pk) for pk in ids[:SHOWN_IDS]) + (", ..." if len(ids) > SHOWN_IDS else "")
    raise CommandError(
        f"tracking.0003_time_entry_bounds: {bad.count()} time entries have a start, end or "
        f"duration outside [1970-01-01 00:00, 2100-01-01 00:00) UTC (ids {shown}). Nothing "
        "was changed. List them with `python manage.py check_time_entries`, correct "
        "(--fix ID --start ... --end ...) or delete (--delete ID) each one, then migrate "
        "again. See docs/ADMIN.md, 'Time entries outside the date range'."
    )


def sqlite_remove_client_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _guard.uninstall_client_guard(apps, schema_editor)


def sqlite_install_client_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _guard.install_client_guard(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0002_project_id_client_unique'),
        ('tracking', '0002_time_entry_client'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(refuse_out_of_range_rows, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(sqlite_remove_client_guard, sqlite_install_client_guard),
        migrations.AlterField(
            model_name='timeentry',
            name='duration_seconds',
            field=models.PositiveBigIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(4102444800)], verbose_name='duration (seconds)'),
        ),
        migrations.AlterField(
            model_name='timeentry',
            name='end_time',
            field=models.DateTimeField(blank=True, null=True, validators=[timetracker.dates.validate_datetime_in_range], verbose_name='end'),
        ),
        migrations.AlterField(
            model_name='timeentry',
            name='start_time',
            field=models.DateTimeField(validators=[timetracker.dates.validate_datetime_in_range], verbose_name='start'),
        ),
        migrations.AddConstraint(
            model_name='timeentry',
            constraint=models.CheckConstraint(condition=models.Q(('start_time__gte', datetime.datetime(1970, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('start_time__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), name='time_entry_start_in_range', violation_error_message='The start is outside the supported date range.'),
        ),
        migrations.AddConstraint(
            model_name='timeentry',
            constraint=models.CheckConstraint(condition=models.Q(('end_time__isnull', True), models.Q(('end_time__gte', datetime.datetime(1970, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('end_time__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), name='time_entry_end_in_range', violation_error_message='The end is outside the supported date range.'),
        ),
        migrations.AddConstraint(
            model_name='timeentry',
            constraint=models.CheckConstraint(condition=models.Q(('duration_seconds__isnull', True), ('duration_seconds__lte', 4102444800), _connector='OR'), name='time_entry_duration_in_range'),
        ),
        migrations.RunPython(sqlite_install_client_guard, sqlite_remove_client_guard),
    ]
