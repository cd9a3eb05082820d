"""Template filters (money, hours) and the weekly chart geometry."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from invoicing.templatetags.money import money
from portal.charts import PLOT_HEIGHT, TOP, weekly_hours_chart
from portal.templatetags.hours import hm, hours, total_minutes


@pytest.mark.parametrize(
    ("value", "code", "expected"),
    [
        (Decimal("1234.5"), "EUR", "1,234.50\u00a0EUR"),
        (Decimal("0.005"), "EUR", "0.01\u00a0EUR"),  # half-up
        (Decimal("-50"), "USD", "-50.00\u00a0USD"),
        (1000, "", "1,000.00"),
        (None, "EUR", ""),
        ("", "EUR", ""),
        ("not a number", "EUR", ""),
    ],
)
def test_money(value, code, expected):
    with translation.override("en"):
        assert money(value, code) == expected


def test_money_uses_the_active_locale():
    with translation.override("de"):
        assert money(Decimal("1234567.891"), "EUR") == "1.234.567,89\u00a0EUR"
    with translation.override("fr"):
        assert money(Decimal("1234.5"), "EUR") == "1\u00a0234,50\u00a0EUR"


def test_money_filter_in_a_template():
    template = Template("{% load money %}{{ amount|money:code }}")
    with translation.override("en"):
        assert template.render(Context({"amount": Decimal("12"), "code": "CHF"})) == (
            "12.00\u00a0CHF"
        )


@pytest.mark.parametrize(
    ("seconds", "expected_hm", "expected_hours"),
    [
        (0, "0:00", "0.00"),
        (59, "0:00", "0.02"),
        (5400, "1:30", "1.50"),
        (360000, "100:00", "100.00"),
        (None, "0:00", "0.00"),
    ],
)
def test_hours_filters(seconds, expected_hm, expected_hours):
    with translation.override("en"):
        assert hm(seconds) == expected_hm
        assert hours(seconds) == expected_hours


def test_hours_filters_survive_garbage():
    assert hm("abc") == ""
    assert hours("abc") == ""


def test_total_minutes_rounds_up():
    assert total_minutes(dt.timedelta(minutes=15)) == 15
    assert total_minutes(dt.timedelta(minutes=14, seconds=1)) == 15
    assert total_minutes(None) == ""


def test_chart_scales_the_tallest_bar_to_a_round_top():
    weeks = [(dt.date(2024, 1, 1) + dt.timedelta(weeks=n), n * 3600) for n in range(12)]
    chart = weekly_hours_chart(weeks)
    bars = chart["bars"]
    assert len(bars) == 12
    assert [g.hours for g in chart["gridlines"]] == [0, 10, 20]  # 11 h → top at 20 h
    assert bars[0].height == 0
    assert bars[11].height == pytest.approx(PLOT_HEIGHT * 11 / 20, abs=0.1)
    assert bars[11].y + bars[11].height == pytest.approx(TOP + PLOT_HEIGHT, abs=0.1)
    assert all(a.x < b.x for a, b in zip(bars, bars[1:], strict=False))
    assert chart["has_data"]


def test_chart_without_data_still_has_an_axis():
    chart = weekly_hours_chart([(dt.date(2024, 1, 1), 0)] * 12)
    assert not chart["has_data"]
    assert [g.hours for g in chart["gridlines"]] == [0, 1]
    assert {bar.height for bar in chart["bars"]} == {0}
