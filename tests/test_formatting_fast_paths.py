"""The fast paths of ``timetracker.formatting`` give exactly Django's characters."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import formats, translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from timetracker import formatting as f

LANGUAGES = ["en", "de", "fr", "nl"]
INTS = [0, 1, -1, 7, 12, 999, 1000, -1000, 12345, 999_999, 1_000_000, -2_338_046, 10**14 + 7]
DECIMALS = ["0.01", "-0.01", "0.10", "1.50", "999.99", "1000.00", "-1234.56", "2338.78",
            "19402.95", "1234567.89", "-0.00", "0.00", "0.005", "12.345", "7", "1E+3"]  # fmt: skip


def django(value, places=None):
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_whole_numbers_read_as_djangos(language):
    with translation.override(language):
        for value in INTS:
            for places in (None, 0, 2):
                assert f.local_number(value, places) == django(value, places), (value, places)


@pytest.mark.parametrize("language", LANGUAGES)
def test_decimals_read_as_djangos(language):
    with translation.override(language):
        for text in DECIMALS:
            value = Decimal(text)
            for places in (None, 0, 1, 2, 3):
                assert f.local_number(value, places) == django(value, places), (text, places)
        for value in (1.5, 1234.5678, float("1e20")):
            assert f.local_number(value, 2) == django(value, 2)


def test_hours_and_money_keep_their_grouping_in_every_language():
    expected = {"en": "2,338.78", "de": "2.338,78", "fr": "2\xa0338,78", "nl": "2.338,78"}
    for language, text in expected.items():
        with translation.override(language):
            assert f.local_hours(8_419_608) == text
            assert f.local_money(Decimal("-19402.95"), "EUR").startswith("-19")


def test_a_changed_format_setting_is_seen_at_once(settings):
    with translation.override("en"):
        assert f.local_number(1234) == "1,234"
        settings.THOUSAND_SEPARATOR = "'"  # irrelevant for en (its formats win), but resets
        settings.FORMAT_MODULE_PATH = []
        assert f.local_number(1234) == django(1234)


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_read_as_djangos_and_datetimes_show_their_local_day(language, settings):
    settings.TIME_ZONE = "America/New_York"
    new_york = zoneinfo.ZoneInfo("America/New_York")
    with translation.override(language):
        for day in (dt.date(2026, 9, 1), dt.date(2024, 2, 29), dt.date(2026, 12, 31)):
            assert f.local_date(day) == formats.date_format(day, "DATE_FORMAT")
            assert f.local_date(day) == f.local_date(day)  # from the memo
        late = dt.datetime(2026, 9, 2, 2, 30, tzinfo=dt.UTC)  # 1 September in New York
        assert f.local_date(late) == formats.date_format(late.astimezone(new_york), "DATE_FORMAT")
        assert f.local_date(late) == f.local_date(dt.date(2026, 9, 1))


def test_the_date_memo_follows_the_language():
    day = dt.date(2026, 9, 1)
    with translation.override("en"):
        english = f.local_date(day)
    with translation.override("de"):
        german = f.local_date(day)

    assert english == "Sept. 1, 2026"
    assert german == "1. Sept. 2026"


def test_garbage_and_odd_values_still_go_through_django():
    assert f.local_date(None) == ""
    assert f.local_number("12") == django("12")
    for value in (Decimal("NaN"), Decimal("Infinity"), True, 10**16, Decimal("1E-30")):
        for places in (None, 2):
            assert outcome(f.local_number, value, places) == outcome(django, value, places)


def outcome(function, *args):
    try:
        return function(*args)
    except Exception as exc:  # the same failure is the same behaviour
        return type(exc)


def reference_duration(seconds):
    """What ``{% duration %}`` showed through Django alone: h:mm and decimal hours."""
    minutes = int(seconds or 0) // 60
    hm = f"{django(minutes // 60, 0)}:{minutes % 60:02d}"
    hours = django(f.seconds_to_hours(seconds), 2)
    return hm, translation.gettext("%(hours)s h") % {"hours": hours}


SECONDS = [0, 1, 17, 18, 35, 36, 59, 60, 3599, 3600, 3617, 3618, 8_419_608, 8_419_626,
           359_999_999, 10**12 + 17, 10**15 - 1, 10**15, None, -3600]  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
def test_durations_read_as_djangos(language):
    with translation.override(language):
        for seconds in SECONDS:
            expected = reference_duration(seconds)
            assert f.local_duration_parts(seconds) == expected, seconds  # first: fills caches
            assert f.local_duration_parts(seconds) == expected, seconds  # the fast path
            assert (f.local_hm(seconds), f.local_hours_label(seconds)) == expected, seconds
            if seconds is not None and seconds >= 0:
                assert f.local_hours(seconds) == django(f.seconds_to_hours(seconds), 2)


@hypothesis_settings(max_examples=300, deadline=None)
@given(seconds=st.integers(min_value=0, max_value=10**15 + 10), language=st.sampled_from(LANGUAGES))
def test_any_duration_reads_as_djangos(seconds, language):
    with translation.override(language):
        f.local_duration_parts(0)  # the caches filled, so the fast path answers
        assert f.local_duration_parts(seconds) == reference_duration(seconds)
        assert f.local_hours(seconds) == django(f.seconds_to_hours(seconds), 2)


def test_the_hours_label_follows_the_language_and_settings(settings):
    with translation.override("de"):
        assert f.local_duration_parts(5400) == ("1:30", "1,50 h")
    with translation.override("nl"):
        assert f.local_duration_parts(5400)[1] == "1,50 u"
    assert f._hours_labels
    settings.USE_THOUSAND_SEPARATOR = not settings.USE_THOUSAND_SEPARATOR
    assert not f._hours_labels
