"""``{% load formatting %}``: the one way templates display money, durations, dates and times.

Thin wrappers around the ``local_*`` functions of ``timetracker.formatting`` (which see),
so pages, the PDF, emails and our admin pages read the same in each language:

=====================================  ======================  ======================
                                       en                      de
=====================================  ======================  ======================
``{{ amount|money:code }}``            ``19,402.95 EUR``       ``19.402,95 EUR``
``{% duration seconds %}``             ``2,338:46 (2,338.78 h)`` ``2.338:46 (2.338,78 h)``
``{{ seconds|hm }}``                   ``2,338:46``            ``2.338:46``
``{{ seconds|hours }}``                ``2,338.78``            ``2.338,78``
``{{ value|number:2 }}``               ``1,234.50``            ``1.234,50``
``{{ day|local_date }}``               ``Sept. 1, 2026``       ``1. Sept. 2026``
``{{ moment|local_time }}``            ``2:05 p.m.``           ``14:05``
``{{ moment|local_datetime }}``        ``Sept. 1, 2026, 2:05 p.m.`` ``1. Sept. 2026, 14:05``
``{% time_range start end %}``         ``1:47 p.m.–3:13 p.m.`` ``13:47–15:13``
``{{ moment|iso }}`` (``<time>``)       ``2026-09-01T14:05:00+02:00`` (the same)
``{{ day|day_label }}``                ``Oct. 5``              ``5. Okt.``
=====================================  ======================  ======================

Registered as a template library in settings (``TEMPLATES[...]["OPTIONS"]["libraries"]``);
``{% load money %}`` and ``{% load hours %}`` are older names for the same library.
"""

from __future__ import annotations

import html

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from timetracker import formatting as f

register = template.Library()


def _safe(function):
    """Garbage in (a string where a number belongs) renders as an empty string, never a 500."""

    def wrapper(value, *args):
        try:
            return function(value, *args)
        except (TypeError, ValueError, AttributeError, ArithmeticError):
            return ""

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


@register.filter
def money(value, currency_code: str = "") -> str:
    """``1234.5|money:"EUR"`` → ``1,234.50 EUR`` (en) or ``1.234,50 EUR`` (de)."""
    return f.local_money(value, currency_code or "")


@register.filter
@_safe
def hm(seconds) -> str:
    """Whole minutes as ``h:mm`` (hours may exceed 24, grouped: ``2,338:46``)."""
    return f.local_hm(int(seconds or 0))


@register.filter
@_safe
def hours(seconds) -> str:
    """Decimal hours, two places, in the active language (``2,338.78``)."""
    return f.local_hours(int(seconds or 0))


@register.filter
@_safe
def number(value, places=None) -> str:
    """A number with the active language's separators, grouped; ``places`` decimals."""
    if value is None or value == "":
        return ""
    return f.local_number(value, int(places) if places not in (None, "") else None)


@register.filter
@_safe
def local_date(value) -> str:
    """``DATE_FORMAT`` of the active language; a datetime shows its local date."""
    return f.local_date(value)


@register.filter
@_safe
def local_time(value) -> str:
    """``TIME_FORMAT`` of the active language, in the project's time zone."""
    return f.local_time(value)


@register.filter
@_safe
def local_datetime(value) -> str:
    """``DATETIME_FORMAT`` of the active language, in the project's time zone."""
    return f.local_datetime(value)


@register.filter
@_safe
def day_label(value) -> str:
    """A short day label (charts): ``Oct. 5`` / ``5. Okt.`` / ``5 oct.`` / ``5 okt``."""
    return f.local_day_label(value)


@register.filter
@_safe
def total_minutes(value) -> int | str:
    """Whole minutes of a ``timedelta`` (rounded up, so a wait is never understated)."""
    return -(-int(value.total_seconds()) // 60)


@register.filter(expects_localtime=True)
@_safe
def iso(value) -> str:
    """ISO 8601 for ``<time datetime>``, in TIME_ZONE: ``2026-09-01T14:05:00+02:00``.

    What ``date:'c'`` gives, without its format parsing (24 µs a call, on every row of a
    50-row list)."""
    return value.isoformat() if value else ""


@register.simple_tag
def time_range(start, end) -> str:
    """``14:05–15:13``; ``since 14:05`` while running (no end)."""
    return f.local_time_range(start, end)


DURATION_HTML = (
    '<span class="hours"><span class="hours__hm">{}</span> '
    '<span class="hours__decimal">({})</span></span>'
)


@register.simple_tag
def duration(seconds):
    """``<span class="hours">2,338:46 (2,338.78 h)</span>``: h:mm with decimal hours beside.

    A tag rather than an included template: a list of projects renders it hundreds of times,
    so each distinct duration is built once per request.
    """
    try:
        whole = int(seconds or 0)
    except (TypeError, ValueError, AttributeError, ArithmeticError):
        return format_html(DURATION_HTML, "", "")
    return f.once_per_request(_duration_html, whole)


def _duration_html(seconds: int):
    # format_html's escaping, by the standard library's escape that Django's wraps (the
    # wrapper was a third of the tag's time; 150 durations on the projects page).
    hm, label = f.local_duration_parts(seconds)
    return mark_safe(DURATION_HTML.format(html.escape(hm), html.escape(label)))  # noqa: S308
