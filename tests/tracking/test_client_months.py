"""ClientMonth (tracking.client_months): its triggers are installed, a subtraction never
inserts a row, and a project's rate or client change moves exactly its months. The property
test over every write path is ``tests/tracking/test_rollups.py``."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from tests.factories import ClientFactory, ProjectFactory, TimeEntryFactory
from tracking import client_months
from tracking.models import ClientMonth, ProjectMonth

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC)


def _entry(project, hours=1, *, start=START, billable=True):
    return TimeEntryFactory(
        project=project,
        start_time=start,
        end_time=start + dt.timedelta(hours=hours),
        billable=billable,
    )


def _row(client):
    return ClientMonth.objects.values_list(
        "seconds", "billable_seconds", "entry_count", "rated_cent_seconds", "unrated_seconds"
    ).get(client=client)


def test_every_client_month_trigger_is_installed():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            wanted = set(client_months.SQLITE_TRIGGERS)
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            wanted = {name for names in client_months.PG_TRIGGERS.values() for name in names}
        names = {name for (name,) in cursor.fetchall()}
    assert wanted <= names


def test_a_month_holds_rated_and_unrated_seconds_apart():
    acme = ClientFactory(default_hourly_rate=Decimal("50.00"))
    rated = ProjectFactory(client=acme, hourly_rate=Decimal("33.33"))
    unrated = ProjectFactory(client=acme, hourly_rate=None)
    _entry(rated, 2)
    _entry(unrated, 1)
    _entry(unrated, 3, billable=False)

    # 7,200 s × 3,333 cents; 3,600 billable s for the client's default rate to bill.
    assert _row(acme) == (21600, 10800, 3, 7200 * 3333, 3600)


def test_a_rate_change_and_a_move_carry_the_projects_months():
    acme, globex = ClientFactory(), ClientFactory()
    project = ProjectFactory(client=acme, hourly_rate=None)
    ProjectFactory(client=acme, hourly_rate=Decimal("10.00"))
    _entry(project, 1)

    project.hourly_rate = Decimal("0.29")
    project.save()
    assert _row(acme) == (3600, 3600, 1, 3600 * 29, 0)

    project.client = globex
    project.save()
    assert not ClientMonth.objects.filter(client=acme).exists()
    assert _row(globex) == (3600, 3600, 1, 3600 * 29, 0)


def test_removing_months_after_the_rollup_was_emptied_adds_no_negative_rows():
    # A test database flush may empty the client months before the project months.
    project = ProjectFactory(hourly_rate=Decimal("10.00"))
    entry = _entry(project, 1)
    ClientMonth.objects.all().delete()

    entry.delete()

    assert not ProjectMonth.objects.exists()
    assert not ClientMonth.objects.exists()


def test_install_again_recomputes_rows_that_drifted():
    project = ProjectFactory(hourly_rate=Decimal("10.00"))
    _entry(project, 1)
    ClientMonth.objects.update(rated_cent_seconds=1, unrated_seconds=5)

    client_months.install_triggers(connection)

    assert _row(project.client) == (3600, 3600, 1, 3600 * 1000, 0)


def test_client_months_are_scoped_like_the_entries(acme, globex, subcontractor, staff_user):
    _entry(ProjectFactory(client=acme))
    _entry(ProjectFactory(client=globex))

    visible = ClientMonth.objects.visible_to(subcontractor)

    assert set(visible.values_list("client", flat=True)) == {acme.pk}
    assert ClientMonth.objects.visible_to(staff_user).count() == 2


def test_a_project_moved_and_rerated_in_one_save_moves_at_both_rates():
    acme, globex = ClientFactory(), ClientFactory()
    project = ProjectFactory(client=acme, hourly_rate=Decimal("10.00"))
    _entry(project, 2)

    project.client, project.hourly_rate = globex, None
    project.save()

    assert not ClientMonth.objects.filter(client=acme).exists()
    assert _row(globex) == (7200, 7200, 1, 0, 7200)
