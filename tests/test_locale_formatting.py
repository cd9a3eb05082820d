"""One formatting style per language (timetracker.formatting, {% load formatting %})."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from timetracker.formatting import (
    local_date,
    local_datetime,
    local_day_label,
    local_duration,
    local_money,
    local_time,
    local_time_range,
)

NBSP = "\u00a0"
START = dt.datetime(2026, 9, 1, 14, 5, tzinfo=dt.UTC)
END = dt.datetime(2026, 9, 1, 15, 13, tzinfo=dt.UTC)
SECONDS = 2338 * 3600 + 46 * 60 + 48  # 2338:46, 2338.78 h


@pytest.fixture(autouse=True)
def utc(settings):
    settings.TIME_ZONE = "UTC"


@pytest.mark.parametrize(
    ("language", "date", "time", "span", "duration", "money", "label"),
    [
        ("en", "Sept. 1, 2026", "2:05 p.m.", "2:05 p.m.–3:13 p.m.", "2,338:46 (2,338.78 h)",
         f"19,402.95{NBSP}EUR", "Oct. 5"),
        ("de", "1. Sept. 2026", "14:05", "14:05–15:13", "2.338:46 (2.338,78 h)",
         f"19.402,95{NBSP}EUR", "5. Okt."),
        ("fr", "1 sept. 2026", "14:05", "14:05–15:13", f"2{NBSP}338:46 (2{NBSP}338,78 h)",
         f"19{NBSP}402,95{NBSP}EUR", "5 oct."),
        ("nl", "1 sep 2026", "14:05", "14:05–15:13", "2.338:46 (2.338,78 u)",
         f"19.402,95{NBSP}EUR", "5 okt"),
    ],
)  # fmt: skip
def test_each_language_has_one_style(language, date, time, span, duration, money, label):
    with translation.override(language):
        assert local_date(START.date()) == date
        assert local_date(START) == date
        assert local_time(START) == time
        assert local_time_range(START, END) == span
        assert local_duration(SECONDS) == duration
        assert local_money(Decimal("19402.95"), "EUR") == money
        assert local_day_label(dt.date(2026, 10, 5)) == label
        assert local_datetime(START).startswith(date)


def test_english_never_says_noon_or_midnight():
    with translation.override("en"):
        noon = dt.datetime(2026, 9, 1, 12, 0, tzinfo=dt.UTC)
        assert local_time(noon) == "12:00 p.m."
        assert local_time_range(START.replace(hour=11, minute=45), noon) == "11:45 a.m.–12:00 p.m."


def test_a_running_entry_reads_since():
    with translation.override("de"):
        assert local_time_range(START, None) == "seit 14:05"


def test_times_are_in_the_project_time_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    with translation.override("de"):
        assert local_time(START) == "16:05"


def test_the_template_library():
    template = Template(
        "{% load formatting %}{{ day|local_date }}|{{ amount|money:'EUR' }}|"
        "{% duration seconds %}|{% time_range start end %}|{{ bad|money:'EUR' }}|{{ bad|hm }}"
    )
    context = Context(
        {"day": START.date(), "amount": Decimal("5"), "seconds": 5400, "start": START,
         "end": END, "bad": "x"}
    )  # fmt: skip
    with translation.override("de"):
        assert template.render(context) == (
            f"1. Sept. 2026|5,00{NBSP}EUR|"
            '<span class="hours"><span class="hours__hm">1:30</span> '
            '<span class="hours__decimal">(1,50 h)</span></span>|14:05–15:13||'
        )


def test_the_older_library_names_still_load():
    template = Template("{% load money hours %}{{ 1234|money:'EUR' }} {{ 3600|hm }}")
    with translation.override("en"):
        assert template.render(Context()) == f"1,234.00{NBSP}EUR 1:00"


def test_memoised_values_follow_the_active_language():
    # One "request" (no request_started in between): each language gets its own text.
    for _ in range(2):
        for language, date, time in [
            ("en", "Sept. 1, 2026", "2:05 p.m."),
            ("de", "1. Sept. 2026", "14:05"),
        ]:
            with translation.override(language):
                assert local_date(START) == date
                assert local_time(START) == time
                assert local_duration(SECONDS).startswith("2,338" if language == "en" else "2.338")
    # fmt: skip


def test_a_time_format_reading_more_than_hour_and_minute_is_not_memoised_by_minute(monkeypatch):
    from django.utils import formats

    from timetracker import formatting

    real = formats.get_format
    monkeypatch.setattr(
        formatting.formats,
        "get_format",
        lambda name, *a, **k: "H:i:s" if name == "TIME_FORMAT" else real(name, *a, **k),
    )
    assert local_time(START) == "14:05:00"
    assert local_time(START.replace(second=30)) == "14:05:30"


@pytest.mark.parametrize(
    ("time_format", "minute_only"),
    [
        ("g:i a", True),
        ("H:i", True),
        ("P", True),
        ("H:i T", False),
        (r"H:i \T", True),
        ("s", False),
    ],
)
def test_which_time_formats_read_only_hour_and_minute(time_format, minute_only):
    from timetracker.formatting import _reads_hour_and_minute_only

    assert _reads_hour_and_minute_only(time_format) is minute_only


@pytest.mark.django_db
def test_the_memo_is_per_request_and_bounded(client):
    from timetracker import formatting

    day = dt.date(1999, 12, 31)
    with translation.override("en"):
        local_date(day)
        assert any(day in key for key in formatting._MEMO)
        client.get("/accounts/login/")  # request_started clears it
        assert not any(day in key for key in formatting._MEMO)
        for n in range(formatting._MEMO_MAX + 10):
            local_date(dt.date(2000, 1, 1) + dt.timedelta(days=n))
        assert len(formatting._MEMO) <= formatting._MEMO_MAX
        assert local_date(dt.date(2000, 1, 1)) == "Jan. 1, 2000"


def test_duration_of_garbage_is_empty_as_before():
    template = Template("{% load formatting %}{% duration bad %}")
    assert template.render(Context({"bad": "x"})) == (
        '<span class="hours"><span class="hours__hm"></span> '
        '<span class="hours__decimal">()</span></span>'
    )


def test_times_of_day_are_kept_per_language_and_bounded(monkeypatch):
    from timetracker import formatting

    monkeypatch.setattr(formatting, "_TIMES_OF_DAY_MAX", 100)
    formatting._times_of_day.clear()
    with translation.override("en"):
        assert local_time(START) == "2:05 p.m."
    with translation.override("de"):
        assert local_time(START) == "14:05"
    kept = {key[0]: text for key, text in formatting._times_of_day.items() if key[2:] == (14, 5)}
    assert kept == {"en": "2:05 p.m.", "de": "14:05"}
    with translation.override("en"):
        for minute in range(300):
            local_time(START + dt.timedelta(minutes=minute))
    assert len(formatting._times_of_day) <= 100
    with translation.override("en"):
        assert local_time(START + dt.timedelta(minutes=299)) == "7:04 p.m."


def test_a_settings_change_forgets_the_times_of_day(settings):
    from timetracker import formatting

    with translation.override("en"):
        local_time(START)
    assert formatting._times_of_day
    settings.USE_THOUSAND_SEPARATOR = not settings.USE_THOUSAND_SEPARATOR
    assert not formatting._times_of_day


ISO_VALUES = [
    dt.datetime(2026, 1, 15, 9, 3, 48, tzinfo=dt.UTC),  # winter
    dt.datetime(2026, 7, 15, 23, 30, tzinfo=dt.UTC),  # summer, the next local day
    dt.datetime(2026, 3, 29, 1, 0, 0, 123456, tzinfo=dt.UTC),  # DST change, microseconds
    dt.datetime(2026, 7, 15, 9, 0),  # naive
    dt.date(2026, 9, 1),
    None,
    "",
    "not a date",
]


@pytest.mark.parametrize("value", ISO_VALUES)
@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_the_iso_filter_reads_as_date_c(settings, value, zone):
    settings.TIME_ZONE = zone
    template = Template("{% load formatting %}{{ value|iso }}|{{ value|date:'c' }}")
    ours, django_s = template.render(Context({"value": value})).split("|")
    assert ours == django_s
    if isinstance(value, dt.datetime) and value.tzinfo and zone == "Europe/Berlin":
        assert ours.endswith(("+01:00", "+02:00"))
