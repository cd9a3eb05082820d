"""Time-entry instants and durations are bounded (issue 8, data poisoning): in the validators
(forms, admin, API), in the services and in the database (docs/ARCHITECTURE.md, "Date and
duration bounds")."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from tests.factories import ProjectFactory, StaffUserFactory, TimeEntryFactory
from timetracker.dates import (
    DATE_MAX,
    DATE_MIN,
    DATETIME_MAX,
    DATETIME_MIN,
    MAX_DURATION_SECONDS,
    datetime_in_range,
    validate_date_in_range,
    validate_datetime_in_range,
)
from tracking.models import TimeEntry
from tracking.services import timer_start, timer_stop

pytestmark = pytest.mark.django_db

UTC = dt.UTC
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
ONE_US = dt.timedelta(microseconds=1)
ADD_URL = reverse("admin:tracking_timeentry_add")


@pytest.fixture
def project(acme):
    return ProjectFactory(client=acme, name="Acme Website")


# --- timetracker.dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        DATETIME_MIN,
        DATETIME_MAX - ONE_US,
        dt.datetime(1970, 1, 1, 1, 0, tzinfo=BRUSSELS),  # exactly DATETIME_MIN in UTC
        dt.datetime(2024, 5, 6, 9, 0, tzinfo=NEW_YORK),
    ],
)
def test_instants_inside_the_range_are_valid(value):
    assert datetime_in_range(value)
    validate_datetime_in_range(value)


@pytest.mark.parametrize(
    "value",
    [
        DATETIME_MIN - ONE_US,
        DATETIME_MAX,
        dt.datetime(1970, 1, 1, 0, 30, tzinfo=BRUSSELS),  # 1969 in UTC
        # Year 0 / year 10000 in UTC: compared without converting, so no OverflowError.
        dt.datetime(1, 1, 1, tzinfo=BRUSSELS),
        dt.datetime(9999, 12, 31, 23, 59, tzinfo=NEW_YORK),
        dt.datetime(1950, 1, 1, tzinfo=UTC),
    ],
)
def test_instants_outside_the_range_are_a_validation_error(value):
    assert not datetime_in_range(value)
    with pytest.raises(ValidationError) as exc:
        validate_datetime_in_range(value)
    assert exc.value.code == "datetime_out_of_range"
    assert "1970-01-01 00:00" in exc.value.messages[0]


def test_naive_instants_are_read_in_the_current_time_zone(settings):
    settings.TIME_ZONE = "Europe/Brussels"
    assert not datetime_in_range(dt.datetime(1970, 1, 1, 0, 30))  # 23:30 UTC the day before
    assert datetime_in_range(dt.datetime(1970, 1, 1, 1, 0))


def test_calendar_dates_are_bounded_too():
    validate_date_in_range(DATE_MIN)
    validate_date_in_range(DATE_MAX)
    for value in (DATE_MIN - dt.timedelta(days=1), DATE_MAX + dt.timedelta(days=1)):
        with pytest.raises(ValidationError):
            validate_date_in_range(value)


def test_the_longest_span_fits_a_64_bit_column_not_a_32_bit_one():
    assert 2**31 - 1 < MAX_DURATION_SECONDS < 2**63 - 1


# --- the model: validators and clean() --------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "bad_field"),
    [
        (dt.datetime(1, 1, 1, tzinfo=BRUSSELS), dt.datetime(2024, 1, 1, tzinfo=UTC), "start_time"),
        (dt.datetime(1950, 1, 1, tzinfo=UTC), dt.datetime(2025, 1, 1, tzinfo=UTC), "start_time"),
        (dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(9999, 12, 31, tzinfo=UTC), "end_time"),
        (dt.datetime(2024, 1, 1, tzinfo=UTC), DATETIME_MAX, "end_time"),
    ],
)
def test_full_clean_rejects_instants_outside_the_range(project, start, end, bad_field):
    entry = TimeEntry(user=StaffUserFactory(), project=project, start_time=start, end_time=end)
    with pytest.raises(ValidationError) as exc:
        entry.full_clean()
    errors = exc.value.message_dict
    assert set(errors) == {bad_field}
    assert len(errors[bad_field]) == 1  # clean() adds no second, confusing error


def test_full_clean_accepts_an_entry_spanning_the_whole_range(project):
    entry = TimeEntry(
        user=StaffUserFactory(),
        project=project,
        start_time=DATETIME_MIN,
        end_time=DATETIME_MAX - dt.timedelta(seconds=1),
    )
    entry.full_clean()
    assert entry.duration_seconds == MAX_DURATION_SECONDS - 1


# --- the database -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.datetime(1, 1, 2, tzinfo=UTC), None),
        (DATETIME_MIN - ONE_US, DATETIME_MIN),
        (DATETIME_MAX, None),
        (dt.datetime(1950, 1, 1, tzinfo=UTC), dt.datetime(2025, 1, 1, tzinfo=UTC)),
        (dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(9999, 12, 31, 23, 59, tzinfo=UTC)),
    ],
)
def test_the_database_refuses_instants_outside_the_range(project, start, end):
    entry = TimeEntry(user=StaffUserFactory(), project=project, start_time=start, end_time=end)
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.save()  # no full_clean(): as a bulk load or a careless script would
    assert not TimeEntry.objects.exists()


def test_the_brussels_year_one_start_never_reaches_the_table(settings, project):
    settings.TIME_ZONE = "Europe/Brussels"
    entry = TimeEntry(
        user=StaffUserFactory(),
        project=project,
        start_time=timezone.make_aware(dt.datetime(1, 1, 1, 0, 0)),
        end_time=dt.datetime(2024, 1, 1, tzinfo=UTC),
    )
    # PostgreSQL receives it (as 1 BC in UTC) and its constraint refuses it; on SQLite the
    # value cannot even be converted to UTC text before it is sent.
    expected = IntegrityError if connection.vendor == "postgresql" else OverflowError
    with pytest.raises(expected), transaction.atomic():
        entry.save()
    assert not TimeEntry.objects.exists()


def test_the_database_refuses_a_duration_beyond_the_longest_span(project):
    entry = TimeEntryFactory(project=project)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.filter(pk=entry.pk).update(duration_seconds=MAX_DURATION_SECONDS + 1)


def test_durations_longer_than_68_years_are_stored_and_summed(project):
    # 2**31 seconds is about 68 years: a 32-bit column overflowed (500 on PostgreSQL).
    start = DATETIME_MIN
    end = start + dt.timedelta(seconds=2**31 + 5)
    TimeEntryFactory(project=project, start_time=start, end_time=end)
    TimeEntryFactory(project=project, start_time=start, end_time=end)
    entry = TimeEntry.objects.first()
    assert entry.duration_seconds == 2**31 + 5
    totals = TimeEntry.objects.totals()
    assert totals["seconds"] == 2 * (2**31 + 5)
    assert type(totals["seconds"]) is int


def test_the_constraints_and_indexes_exist_after_migrating():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "tracking_timeentry")
    expected = {
        "time_entry_start_in_range",
        "time_entry_end_in_range",
        "time_entry_duration_in_range",
        "time_entry_end_after_start",
        "time_entry_duration_iff_finished",
        "time_entry_one_running_per_user",
        "time_entry_client_start",
        "time_entry_project_start",
    }
    assert expected <= set(constraints)
    # The running-timer guard is still a unique index (lost once to an ALTER on PostgreSQL).
    assert constraints["time_entry_one_running_per_user"]["unique"]
    assert constraints["time_entry_one_running_per_user"]["columns"] == ["user_id"]


def test_a_second_running_timer_is_still_refused_by_the_database(project):
    user = StaffUserFactory()
    TimeEntryFactory(user=user, project=project, end_time=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntryFactory(user=user, project=project, end_time=None)


# --- services ---------------------------------------------------------------------------------


def test_timer_start_and_stop_still_work(project):
    user = StaffUserFactory()
    entry = timer_start(user=user, project=project)
    stopped = timer_stop(user=user)
    assert stopped.pk == entry.pk
    assert stopped.duration_seconds is not None


def test_timer_start_refuses_a_clock_outside_the_range(monkeypatch, project):
    user = StaffUserFactory()
    monkeypatch.setattr(timezone, "now", lambda: DATETIME_MAX + dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        timer_start(user=user, project=project)
    assert not TimeEntry.objects.exists()


def test_timer_stop_refuses_a_clock_outside_the_range(monkeypatch, project):
    user = StaffUserFactory()
    entry = timer_start(user=user, project=project)
    monkeypatch.setattr(timezone, "now", lambda: DATETIME_MAX + dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        timer_stop(user=user)
    entry.refresh_from_db()
    assert entry.is_running


# --- the admin (as a subcontractor) and the portal --------------------------------------------


def form_data(project, start=("2024-05-06", "09:00"), end=("2024-05-06", "10:30")):
    return {
        "project": project.pk,
        "start_time_0": start[0],
        "start_time_1": start[1],
        "end_time_0": end[0],
        "end_time_1": end[1],
        "billable": "on",
        "notes": "from the admin",
    }


@pytest.mark.parametrize(
    ("start", "end", "bad_field"),
    [
        (("0001-01-01", "00:00"), ("2024-05-06", "10:30"), "start_time"),
        (("1950-01-01", "00:00"), ("2025-01-01", "00:00"), "start_time"),
        (("2024-05-06", "09:00"), ("9999-12-31", "23:59"), "end_time"),
        (("0001-01-01", "00:00"), ("9999-12-31", "23:59"), "start_time"),
    ],
)
def test_admin_add_form_rejects_dates_outside_the_range(
    settings, client, subcontractor, project, start, end, bad_field
):
    settings.TIME_ZONE = "Europe/Brussels"
    client.force_login(subcontractor)
    response = client.post(ADD_URL, form_data(project, start, end))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert bad_field in errors
    assert "1970-01-01 00:00" in errors[bad_field][0]
    assert not TimeEntry.objects.exists()


def test_admin_add_form_still_saves_a_normal_entry(settings, client, subcontractor, project):
    settings.TIME_ZONE = "Europe/Brussels"
    client.force_login(subcontractor)
    response = client.post(ADD_URL, form_data(project))
    assert response.status_code == 302
    assert TimeEntry.objects.get().duration_seconds == 90 * 60


def test_pages_listing_entries_still_load_after_a_poisoning_attempt(
    settings, client, subcontractor, acme_user, project
):
    settings.TIME_ZONE = "Europe/Brussels"
    # Midday: the same day in UTC and in Brussels. The rollups count days in the zone they
    # were installed for, and this test does not rebuild them (the factory's "three hours
    # ago" fell on another local day for an hour each night, and the pages found nothing).
    start = dt.datetime(2024, 5, 6, 10, tzinfo=dt.UTC)
    TimeEntryFactory.create_batch(3, project=project, start_time=start)
    client.force_login(subcontractor)
    client.post(ADD_URL, form_data(project, ("0001-01-01", "00:00")))
    assert client.get(reverse("admin:tracking_timeentry_changelist")).status_code == 200

    client.force_login(acme_user)
    url = reverse("portal:time_entries")
    for query in ({"page": "last"}, {"project_id": project.pk}):
        response = client.get(url, query)
        assert response.status_code == 200
        assert len(response.context["entries"]) == 3
