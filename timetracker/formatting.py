"""Money, hours, dates and times: rounding helpers and the one way to display each.

Two kinds of function:

- **values** for services, CSV and the API, the same in every language: ``round_money``,
  ``seconds_to_hours``, ``format_hm`` (``2338:46``, no grouping);
- **display** (``local_*``) for pages, the PDF and emails, in the active language: Django's
  formats of that language (``DATE_FORMAT``, ``TIME_FORMAT``, ``DATETIME_FORMAT``, the
  number separators), with ours in ``timetracker/formats/<lang>/formats.py`` first.
  Templates reach them through the ``formatting`` tag library
  (``timetracker/templatetags/formatting.py``); docs/PORTAL.md shows the results per language.

Every displayed number is grouped (``2,338:46 (2,338.78 h)``, ``19,402.95 EUR``); money is
the amount and its ISO code, joined with a no-break space, in every language.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.signals import setting_changed
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext, pgettext

CENT = Decimal("0.01")
NBSP = "\u00a0"
# Between the two times of a span: an en dash, as typography wants, in every language.
RANGE_DASH = "\u2013"


def round_money(value) -> Decimal:
    """Round to 2 places, half-up, as invoices require."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def seconds_to_hours(seconds: int | None) -> Decimal:
    """Decimal hours, 2 places, half-up."""
    return (Decimal(seconds or 0) / Decimal(3600)).quantize(CENT, rounding=ROUND_HALF_UP)


def format_hm(seconds: int | None) -> str:
    """``h:mm`` for a number of seconds (rounded down to the minute), ungrouped: for CSV."""
    minutes = int(seconds or 0) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


# --- display, in the active language ----------------------------------------------------------


# Per language: (decimal separator, grouping, thousand separator), read once from its formats.
_separators: dict[str | None, tuple[str, object, str]] = {}


def _number_separators() -> tuple[str, object, str]:
    language = get_language()
    found = _separators.get(language)
    if found is None:
        found = _separators[language] = (
            str(formats.get_format("DECIMAL_SEPARATOR", language, use_l10n=True)),
            formats.get_format("NUMBER_GROUPING", language, use_l10n=True),
            str(formats.get_format("THOUSAND_SEPARATOR", language, use_l10n=True)),
        )
    return found


def local_number(value, places: int | None = None) -> str:
    """A number with the active language's separators, always grouped (``1.234,5``).

    Django's ``number_format`` gives the result; the common cases of every page — a whole
    number, or a Decimal already at ``places`` decimals (hours, money) in a language that
    groups by three — are written directly with Python's own grouping, a fraction of the
    cost and the same characters (tests compare both over many values and languages).
    """
    kind = type(value)
    if kind is int and not places and -(10**15) < value < 10**15:
        decimal_sep, grouping, thousand_sep = _number_separators()
        if grouping == 3:
            return f"{value:,}".replace(",", thousand_sep)
    elif (
        kind is Decimal
        and places is not None
        and 0 < places <= 20
        and value.is_finite()
        and value
        and value.as_tuple().exponent == -places
        and abs(value) < 10**15
    ):
        decimal_sep, grouping, thousand_sep = _number_separators()
        if grouping == 3:
            text = f"{value:,f}"
            return text.replace(",", "\0").replace(".", decimal_sep).replace("\0", thousand_sep)
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


def local_hm(seconds: int | None) -> str:
    """``h:mm`` with grouped hours: ``2,338:46`` (en), ``2.338:46`` (de)."""
    minutes = int(seconds or 0) // 60
    return f"{local_number(minutes // 60, 0)}:{minutes % 60:02d}"


def local_hours(seconds: int | None) -> str:
    """Decimal hours, two places: ``2,338.78`` (en), ``2.338,78`` (de)."""
    return local_number(seconds_to_hours(seconds), 2)


def local_hours_label(seconds: int | None) -> str:
    """Decimal hours with their unit: ``2,338.78 h``."""
    return gettext("%(hours)s h") % {"hours": local_hours(seconds)}


def local_duration(seconds: int | None) -> str:
    """The one way a duration reads: ``2,338:46 (2,338.78 h)``."""
    return f"{local_hm(seconds)} ({local_hours_label(seconds)})"


def local_money(value, currency_code: str = "") -> str:
    """``1,234.50 EUR`` (en), ``1.234,50 EUR`` (de), ``1 234,50 EUR`` (fr).

    Two places, rounded half-up; the code follows the amount after a no-break space in every
    language (an invoice may be in any currency, and the code is unambiguous where "$" is
    not). Empty or non-numeric input renders as an empty string.
    """
    if value is None or value == "":
        return ""
    try:
        amount = round_money(Decimal(str(value)))
    except (InvalidOperation, TypeError, ValueError):
        return ""
    number = local_number(amount, 2)
    return f"{number}{NBSP}{currency_code}" if currency_code else number


def _local(value):
    """An aware datetime in the project's time zone; dates and naive values as they are."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def local_date(value) -> str:
    """A date (or a datetime's local date) in ``DATE_FORMAT``: ``Sept. 1, 2026`` /
    ``1. Sept. 2026`` / ``1 sept. 2026`` / ``1 sep 2026``.

    Each (language, day) is formatted once per process: lists repeat the same few days.
    A datetime is reduced to its local date first (``DATE_FORMAT`` holds only date parts).
    """
    if not value:
        return ""
    value = _local(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if type(value) is not dt.date:
        return formats.date_format(value, "DATE_FORMAT")
    return _date_in(get_language(), value)


@functools.lru_cache(maxsize=4096)
def _date_in(language, day: dt.date) -> str:
    # ``language`` is the active one (the caller passes it): it is part of the memo's key.
    return formats.date_format(day, "DATE_FORMAT")


def _forget_formats(**kwargs) -> None:
    """Any setting may change a format (``FORMAT_MODULE_PATH``, ``LANGUAGE_CODE``, …)."""
    _separators.clear()
    _date_in.cache_clear()


setting_changed.connect(_forget_formats)


def local_time(value) -> str:
    """A time in ``TIME_FORMAT``: ``2:05 p.m.`` (en), ``14:05`` (de, fr, nl)."""
    if not value:
        return ""
    return formats.time_format(_local(value), "TIME_FORMAT")


def local_datetime(value) -> str:
    """Date and time in ``DATETIME_FORMAT``: ``Sept. 1, 2026, 2:05 p.m.`` (en),
    ``1. Sept. 2026, 14:05`` (de)."""
    if not value:
        return ""
    return formats.date_format(_local(value), "DATETIME_FORMAT")


def local_time_range(start, end) -> str:
    """``14:05–15:13``; a running entry (no end) reads ``since 14:05``."""
    if not start:
        return ""
    if not end:
        return gettext("since %(time)s") % {"time": local_time(start)}
    return f"{local_time(start)}{RANGE_DASH}{local_time(end)}"


def local_day_label(value) -> str:
    """A short day label for charts: ``Oct. 5`` (en), ``5. Okt.`` (de), ``5 oct.`` (fr).

    Month names come from Django's translated abbreviations (the ``N`` format character),
    never from ``strftime``; the order is the translators' (a translated format string).
    """
    if not value:
        return ""
    # Translators: a PHP-style date format (Django's "date" filter) for the chart's week
    # labels. N is the abbreviated month, j the day of the month. German: "j. N".
    return formats.date_format(_local(value), pgettext("chart label date format", "N j"))
