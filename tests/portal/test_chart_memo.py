"""``{% weekly_chart chart %}``: the chart's markup, rendered once per language and data."""

import datetime as dt

import pytest
from django.template.loader import get_template, render_to_string
from django.utils import translation

from portal.charts import weekly_hours_chart
from portal.templatetags import charts as chart_tags

WEEKS = [dt.date(2026, 9, 7) + dt.timedelta(weeks=n) for n in range(12)]


def chart(hours_per_week=(1, 2, 0, 5, 8, 13, 21, 3, 0, 4, 7, 9)):
    return weekly_hours_chart([(w, h * 3600) for w, h in zip(WEEKS, hours_per_week, strict=True)])


@pytest.fixture(autouse=True)
def empty_memo():
    chart_tags._rendered.clear()
    yield
    chart_tags._rendered.clear()


def render_tag(data) -> str:
    return render_to_string("portal/_chart_memo_test.html", {"chart": data})


@pytest.fixture(autouse=True)
def tag_template(settings, tmp_path):
    (tmp_path / "portal").mkdir()
    (tmp_path / "portal" / "_chart_memo_test.html").write_text(
        "{% load charts %}{% weekly_chart chart %}"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]


@pytest.mark.parametrize("language", ["en", "de", "fr", "nl"])
def test_the_tag_renders_exactly_what_the_include_did(language):
    data = chart()
    with translation.override(language):
        expected = get_template("portal/_weekly_chart.html").render({"chart": data})
        first, again = render_tag(data), render_tag(data)

    assert first == again == expected
    assert first.count('<rect class="chart__bar') == 12


def test_a_second_render_of_the_same_chart_reuses_the_markup(monkeypatch):
    data = chart()
    render_tag(data)
    rendered = []
    original = chart_tags.get_template

    def counting(name):
        rendered.append(name)
        return original(name)

    monkeypatch.setattr(chart_tags, "get_template", counting)

    render_tag(chart())  # equal data, a new dict

    assert rendered == []


def test_changed_hours_and_another_language_render_afresh():
    english = render_tag(chart())
    changed = render_tag(chart((1, 2, 0, 5, 8, 13, 21, 3, 0, 4, 7, 10)))
    with translation.override("de"):
        german = render_tag(chart())

    assert changed != english
    assert "10:00" in changed and "10:00" not in english
    assert german != english and "Sept." in german


def test_a_changed_setting_empties_the_memo(settings):
    render_tag(chart())
    assert chart_tags._rendered

    settings.USE_THOUSAND_SEPARATOR = not settings.USE_THOUSAND_SEPARATOR

    assert not chart_tags._rendered


def test_debug_renders_every_time(settings):
    settings.DEBUG = True

    render_tag(chart())

    assert not chart_tags._rendered


def test_the_memo_stays_bounded(monkeypatch):
    monkeypatch.setattr(chart_tags, "MEMO_SIZE", 3)
    for top in range(1, 8):
        render_tag(chart((top, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))

    assert 1 <= len(chart_tags._rendered) <= 3
