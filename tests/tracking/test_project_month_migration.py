"""Migration tracking.0009: the (project, local month) rollup is filled from the existing
rows and kept by the triggers from then on; reversing it leaves the other rollups working."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection

from tests.factories import ProjectFactory, StaffUserFactory, TimeEntryFactory
from tracking import rollups
from tracking.models import ProjectMonth, TimeEntry
from tracking.services import rollups_check

BEFORE = "0008_project_day_by_day"


def _rows():
    return set(ProjectMonth.objects.values_list("project_id", "month", "seconds", "entry_count"))


def _entry(user, project, start, hours, billable=True):
    return TimeEntryFactory(
        user=user,
        project=project,
        start_time=start,
        end_time=start + dt.timedelta(hours=hours),
        billable=billable,
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_project_months_and_the_triggers_keep_them(acme, globex):
    people = [StaffUserFactory(), StaffUserFactory()]
    website, shop = ProjectFactory(client=acme), ProjectFactory(client=globex)
    november = dt.datetime(2024, 11, 30, 10, tzinfo=dt.UTC)
    call_command("migrate", "tracking", BEFORE, verbosity=0)
    try:
        with connection.cursor() as cursor:
            assert rollups.PROJECT_MONTH not in connection.introspection.table_names(cursor)
        # Written under the triggers of 0007 (three rollups): two people on one project and
        # month are one project-month row.
        _entry(people[0], website, november, 2)
        _entry(people[1], website, november, 1, billable=False)
        _entry(people[0], shop, november + dt.timedelta(days=1), 3)  # December
        call_command("migrate", "tracking", verbosity=0)
        assert _rows() == {
            (website.pk, dt.date(2024, 11, 1), 3 * 3600, 2),
            (shop.pk, dt.date(2024, 12, 1), 3 * 3600, 1),
        }
        billable = ProjectMonth.objects.get(project=website).billable_seconds
        assert billable == 2 * 3600

        # From now on the triggers keep the new table too.
        entry = _entry(people[1], shop, november + dt.timedelta(days=1), 1)
        assert ProjectMonth.objects.get(project=shop).entry_count == 2
        entry.delete()
        TimeEntry.objects.filter(project=website).delete()
        assert _rows() == {(shop.pk, dt.date(2024, 12, 1), 3 * 3600, 1)}
        assert set(rollups_check().values()) == {0}

        # Reversed: the table goes, the three other rollups stay kept.
        call_command("migrate", "tracking", BEFORE, verbosity=0)
        _entry(people[0], website, november, 1)
    finally:
        call_command("migrate", verbosity=0)
    # Forward again: filled from the person-month rows written while it was gone.
    assert (website.pk, dt.date(2024, 11, 1), 3600, 1) in _rows()
    assert set(rollups_check().values()) == {0}
