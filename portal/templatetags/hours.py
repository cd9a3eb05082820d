"""Durations for templates: ``seconds|hm`` → ``12:05``, ``seconds|hours`` → ``12.08``."""

from __future__ import annotations

from django import template
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext as _

from timetracker.formatting import format_hm, seconds_to_hours

register = template.Library()


@register.filter
def hm(seconds) -> str:
    """Whole minutes as ``h:mm`` (hours may exceed 24)."""
    try:
        return format_hm(int(seconds or 0))
    except (TypeError, ValueError):
        return ""


@register.filter
def hours(seconds) -> str:
    """Decimal hours, two places, in the active locale."""
    try:
        value = seconds_to_hours(int(seconds or 0))
    except (TypeError, ValueError):
        return ""
    return formats.number_format(value, 2, use_l10n=True, force_grouping=True)


@register.filter
def total_minutes(value) -> int | str:
    """Whole minutes of a ``timedelta`` (rounded up, so a wait is never understated)."""
    try:
        return -(-int(value.total_seconds()) // 60)
    except (AttributeError, TypeError, ValueError):
        return ""


@register.simple_tag
def duration(seconds):
    """``<span class="hours">12:05 (12.08 h)</span>``: h:mm with decimal hours beside it.

    A tag rather than an included template: a list of projects renders it hundreds of times.
    """
    return format_html(
        '<span class="hours"><span class="hours__hm">{}</span> '
        '<span class="hours__decimal">({})</span></span>',
        hm(seconds),
        _("%(hours)s h") % {"hours": hours(seconds)},
    )
