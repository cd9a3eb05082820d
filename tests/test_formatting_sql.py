"""The SQL twins of the formatters (timetracker.formatting) give what the Python ones give.

Run on SQLite and on PostgreSQL (``DATABASE_URL``): instants around every change of UTC
offset in a few decades, in zones with DST, half-hour and 45-minute offsets and southern
summers, local midnights and year boundaries, the ends of the supported range; durations
over every second of two hours, the half-way roundings and the longest supported span.
"""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from tests.factories import ProjectFactory, UserFactory
from timetracker.dates import DATETIME_MAX, DATETIME_MIN, MAX_DURATION_SECONDS
from timetracker.formatting import (
    DecimalHoursText,
    HoursMinutesText,
    LocalDateTimeText,
    LocalTimeText,
    format_hm,
    seconds_to_hours,
)
from tracking.models import TimeEntry
from tracking.rollups import utc_offsets

pytestmark = pytest.mark.django_db

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/St_Johns",  # -03:30 / -02:30
    "Asia/Kolkata",  # +05:30, no DST
    "Australia/Lord_Howe",  # +10:30 / +11:00: a half-hour DST change
    "Pacific/Chatham",  # +12:45 / +13:45
    "Pacific/Apia",  # skipped 2011-12-30 entirely
]
YEARS = {1970, 1971, 1995, 2011, 2023, 2024, 2025, 2037, 2038, 2099}
SECOND = dt.timedelta(seconds=1)


def tricky_instants() -> list[dt.datetime]:
    instants = {DATETIME_MIN, DATETIME_MAX - dt.timedelta(microseconds=1)}
    for name in ZONES:
        for utc_from, _offset in utc_offsets(name)[1:]:
            change = dt.datetime.fromisoformat(utc_from).replace(tzinfo=dt.UTC)
            if change.year in YEARS:
                for delta in (-SECOND, dt.timedelta(0), SECOND, dt.timedelta(microseconds=-1)):
                    instants.add(change + delta)
        tz = zoneinfo.ZoneInfo(name)
        for year in (1970, 2024, 2025, 2099):
            for local in (
                dt.datetime(year, 1, 1),
                dt.datetime(year, 3, 1),
                dt.datetime(year, 12, 31, 23, 59, 59, 999999),
            ):
                instant = local.replace(tzinfo=tz).astimezone(dt.UTC)
                if DATETIME_MIN <= instant < DATETIME_MAX:
                    instants.add(instant)
    return sorted(instants)


def make_entries(instants=(), durations=()):
    project, user = ProjectFactory(), UserFactory()
    start = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    entries = [
        TimeEntry(
            project=project,
            client_id=project.client_id,
            user=user,
            start_time=instant,
            end_time=instant,
            duration_seconds=0,
        )
        for instant in instants
    ] + [
        TimeEntry(
            project=project,
            client_id=project.client_id,
            user=user,
            start_time=start,
            end_time=start,
            duration_seconds=seconds,
        )
        for seconds in durations
    ]
    TimeEntry.objects.bulk_create(entries, batch_size=500)


@pytest.mark.parametrize("zone", ZONES)
def test_local_date_and_time_text_match_localtime(zone):
    instants = tricky_instants()
    make_entries(instants=instants)
    with timezone.override(zone):
        rows = TimeEntry.objects.values_list(
            "start_time", LocalDateTimeText("start_time"), LocalTimeText("end_time")
        )
        seen = 0
        for start, local_text, end_text in rows:
            local = timezone.localtime(start)
            assert (local_text, end_text) == (
                local.strftime("%Y-%m-%d %H:%M"),
                local.strftime("%H:%M"),
            ), start
            seen += 1
    assert seen == len(instants) > 100


def test_local_text_follows_the_active_time_zone():
    make_entries(instants=[dt.datetime(2024, 10, 27, 0, 30, tzinfo=dt.UTC)])
    rows = TimeEntry.objects.values_list(LocalDateTimeText("start_time"), flat=True)
    with timezone.override("Europe/Berlin"):
        assert list(rows.all()) == ["2024-10-27 02:30"]
    with timezone.override("America/New_York"):
        assert list(rows.all()) == ["2024-10-26 20:30"]


def test_duration_texts_match_format_hm_and_seconds_to_hours():
    halves = [36 * n + 18 + d for n in (0, 1, 99, 2777, 100_000, 99_999_999) for d in (-1, 0, 1)]
    durations = [
        *range(0, 2 * 3600 + 1),
        *halves,
        359_999,
        360_000,
        MAX_DURATION_SECONDS - 1,
        MAX_DURATION_SECONDS,
    ]
    make_entries(durations=durations)
    rows = TimeEntry.objects.values_list(
        "duration_seconds",
        HoursMinutesText("duration_seconds"),
        DecimalHoursText("duration_seconds"),
    )
    checked = 0
    for seconds, hm, hours in rows.iterator(chunk_size=2000):
        assert (hm, hours) == (format_hm(seconds), str(seconds_to_hours(seconds))), seconds
        checked += 1
    assert checked == len(durations)
    assert str(seconds_to_hours(18)) == "0.01"  # the half-up case the SQL must follow


def test_duration_texts_of_a_missing_duration_read_zero():
    project, user = ProjectFactory(), UserFactory()
    start = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    TimeEntry.objects.bulk_create(
        [TimeEntry(project=project, client_id=project.client_id, user=user, start_time=start)]
    )
    assert list(
        TimeEntry.objects.values_list(
            HoursMinutesText("duration_seconds"), DecimalHoursText("duration_seconds")
        )
    ) == [(format_hm(None), str(seconds_to_hours(None)))]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "amount", ["0.00", "0.01", "0.10", "0.29", "1.15", "33.33", "99999.99", "999999999999.99"]
)
def test_cents_sql_is_exact_where_floating_point_is_not(amount):
    # SQLite keeps decimals as floating point: 0.29 * 100 is 28.999…, truncated by a CAST.
    from decimal import Decimal

    from django.db import connection

    from timetracker.formatting import cents_sql, from_cents

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE cents_probe (amount decimal(14, 2))")
        cursor.execute("INSERT INTO cents_probe (amount) VALUES (%s)", [Decimal(amount)])
        cursor.execute(f"SELECT {cents_sql(connection.vendor, 'amount')} FROM cents_probe")  # noqa: S608
        (cents,) = cursor.fetchone()
        cursor.execute("DROP TABLE cents_probe")

    assert cents == int(Decimal(amount) * 100)
    assert str(from_cents(cents)) == amount
