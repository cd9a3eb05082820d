"""``{% load charts %}``: the weekly hours chart, rendered once per language and data.

``{% weekly_chart chart %}`` renders ``portal/_weekly_chart.html`` for a chart of
``portal.charts.weekly_hours_chart`` — the same markup as including it — and keeps the result
in a small per-process memo keyed by the active language and the chart's bars and gridlines.
The 12-week chart is the most expensive fragment of the dashboard (about 160 template nodes:
a duration, two dates and five coordinates per bar) and it changes only when hours in the
last 12 weeks do, so most page views reuse it. The key holds every value the template
reads, so a changed hour, week or language renders afresh; nothing is ever stale.
Not memoised with ``DEBUG`` (edits to the template show at once) and cleared whenever a
setting changes (tests' ``override_settings``, e.g. formats or the time zone).
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

TEMPLATE = "portal/_weekly_chart.html"
# Charts of up to this many (language, data) pairs are kept per process; then all are dropped.
MEMO_SIZE = 512
_rendered: dict[tuple, str] = {}


def _clear(**kwargs) -> None:
    _rendered.clear()


setting_changed.connect(_clear)


def render_weekly_chart(chart: dict) -> str:
    """The chart's markup (safe), from the memo when this language and data were seen."""
    key = (get_language(), tuple(chart["bars"]), tuple(chart["gridlines"]))
    html = _rendered.get(key)
    if html is None:
        html = mark_safe(get_template(TEMPLATE).render({"chart": chart}))  # noqa: S308 - our template's output
        if not settings.DEBUG:
            if len(_rendered) >= MEMO_SIZE:
                _rendered.clear()
            _rendered[key] = html
    return html


@register.simple_tag
def weekly_chart(chart: dict) -> str:
    """``{% weekly_chart chart %}``: the chart and its table (``portal/_weekly_chart.html``)."""
    return render_weekly_chart(chart)
