"""Money/hours helpers (timetracker.formatting) and calendar helpers (timetracker.dates)."""

import datetime as dt
import zoneinfo
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timetracker.dates import local_day_bounds, month_start, project_timezone, today, week_start
from timetracker.formatting import format_hm, round_money, seconds_to_hours

D = Decimal


# --- round_money ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("0.005"), D("0.01")),
        (D("0.004"), D("0.00")),
        (D("2.675"), D("2.68")),
        (D("1.9095"), D("1.91")),
        (D("0.025"), D("0.03")),
        (D("-0.005"), D("-0.01")),  # half away from zero
        ("10.125", D("10.13")),
        (7, D("7.00")),
    ],
)
def test_round_money_rounds_half_up_to_cents(value, expected):
    result = round_money(value)
    assert result == expected
    assert result.as_tuple().exponent == -2


# --- seconds_to_hours -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "hours"),
    [
        (None, D("0.00")),
        (0, D("0.00")),
        (17, D("0.00")),  # 0.00472
        (18, D("0.01")),  # exactly 0.005: half-up
        (1800, D("0.50")),
        (3600, D("1.00")),
        (5400, D("1.50")),
        (3723, D("1.03")),
        (360_000, D("100.00")),
    ],
)
def test_seconds_to_hours(seconds, hours):
    assert seconds_to_hours(seconds) == hours


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_seconds_to_hours_in_integers_is_the_decimal_division(seconds):
    # Integer seconds take an integer path; the result is the half-up Decimal one, digit
    # for digit (str: the same 2 places, -0.00 for a small negative).
    division = (Decimal(seconds) / Decimal(3600)).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert str(seconds_to_hours(seconds)) == str(division)
    assert str(seconds_to_hours(Decimal(seconds))) == str(division)


# --- format_hm --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "0:00"),
        (0, "0:00"),
        (59, "0:00"),  # rounded down to the minute
        (60, "0:01"),
        (3599, "0:59"),
        (3600, "1:00"),
        (5400, "1:30"),
        (36_000 + 540, "10:09"),
        (100 * 3600, "100:00"),
    ],
)
def test_format_hm(seconds, text):
    assert format_hm(seconds) == text


# --- timetracker.dates ------------------------------------------------------------------------


def freeze(monkeypatch, moment):
    monkeypatch.setattr("timetracker.dates.timezone.now", lambda: moment)


@pytest.mark.parametrize(
    ("tz_name", "expected"),
    [
        ("UTC", dt.date(2024, 5, 10)),
        ("Europe/Berlin", dt.date(2024, 5, 11)),  # 01:30 local
        ("Pacific/Auckland", dt.date(2024, 5, 11)),
        ("America/New_York", dt.date(2024, 5, 10)),  # 19:30 local
    ],
)
def test_today_is_the_date_in_the_project_time_zone(monkeypatch, settings, tz_name, expected):
    settings.TIME_ZONE = tz_name
    freeze(monkeypatch, dt.datetime(2024, 5, 10, 23, 30, tzinfo=dt.UTC))
    assert today() == expected


def test_project_timezone_follows_settings(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    assert project_timezone() == zoneinfo.ZoneInfo("Asia/Tokyo")


def test_local_day_bounds_are_local_midnights(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    start, end = local_day_bounds(dt.date(2024, 5, 10))
    assert start == dt.datetime(2024, 5, 9, 22, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2024, 5, 10, 22, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("day", "hours"),
    [
        (dt.date(2024, 3, 10), 23),  # spring forward
        (dt.date(2024, 11, 3), 25),  # fall back
        (dt.date(2024, 6, 1), 24),
    ],
)
def test_local_day_bounds_span_dst_days_correctly(settings, day, hours):
    settings.TIME_ZONE = "America/New_York"
    start, end = local_day_bounds(day)
    # Same-zone subtraction is wall-clock arithmetic in Python; compare real instants.
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=hours)
    assert start.astimezone(zoneinfo.ZoneInfo("America/New_York")).time() == dt.time(0, 0)


def test_month_start():
    assert month_start(dt.date(2024, 2, 29)) == dt.date(2024, 2, 1)
    assert month_start(dt.date(2024, 2, 1)) == dt.date(2024, 2, 1)


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (dt.date(2024, 5, 6), dt.date(2024, 5, 6)),  # Monday
        (dt.date(2024, 5, 12), dt.date(2024, 5, 6)),  # Sunday
        (dt.date(2024, 1, 3), dt.date(2024, 1, 1)),
        (dt.date(2021, 1, 1), dt.date(2020, 12, 28)),  # across a year
    ],
)
def test_week_start_is_the_iso_monday(day, monday):
    assert week_start(day) == monday
