"""Durations for templates: ``seconds|hm`` → ``12:05``, ``seconds|hours`` → ``12.08``."""

from __future__ import annotations

from django import template
from django.utils import formats

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
