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

Exports of many rows (the portal's time-entry CSV) have the database produce some values as
text: ``LocalDateTimeText``, ``LocalTimeText``, ``HoursMinutesText`` and
``DecimalHoursText`` below give exactly what ``localtime(…).strftime("%Y-%m-%d %H:%M")``,
``localtime(…).strftime("%H:%M")``, ``format_hm`` and ``str(seconds_to_hours(…))`` give
(``tests/test_formatting_sql.py`` compares them on both databases, across DST changes).
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.signals import request_started, setting_changed
from django.db.models import CharField, Func
from django.utils import dateformat, formats, timezone
from django.utils.translation import get_language, gettext, pgettext

CENT = Decimal("0.01")
NBSP = "\u00a0"
# Between the two times of a span: an en dash, as typography wants, in every language.
RANGE_DASH = "\u2013"


def round_money(value) -> Decimal:
    """Round to 2 places, half-up, as invoices require."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def from_cents(cents: int) -> Decimal:
    """Integer cents (the tallies' exact sums) as an amount with 2 places: 1234 -> 12.34,
    1200 -> 12.00."""
    return Decimal(int(cents)).scaleb(-2)


def cents_sql(vendor: str, amount: str) -> str:
    """SQL for the decimal ``amount`` (2 places at most) in integer cents: exact on
    PostgreSQL; rounded on SQLite, whose decimals are floating point (0.29 * 100 is
    28.999…, which a plain CAST truncates)."""
    if vendor == "postgresql":
        return f"(({amount}) * 100)::bigint"
    return f"CAST(ROUND(({amount}) * 100) AS INTEGER)"


def seconds_to_hours(seconds: int | None) -> Decimal:
    """Decimal hours, 2 places, half-up."""
    if type(seconds) is int and seconds >= 0:
        # In integers: a third of the Decimal division's time, and reports call it twice per
        # row (4,000 times for a staff report at XL). hundredths = floor(s / 36 + 1/2).
        return Decimal((seconds * 2 + 36) // 72).scaleb(-2)
    return (Decimal(seconds or 0) / Decimal(3600)).quantize(CENT, rounding=ROUND_HALF_UP)


def format_hm(seconds: int | None) -> str:
    """``h:mm`` for a number of seconds (rounded down to the minute), ungrouped: for CSV."""
    minutes = int(seconds or 0) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


# --- display, in the active language ----------------------------------------------------------

# Values a page repeats (the same day on 50 time-entry rows, the same durations) are formatted
# once per request: keyed by the function, the active language and the value; cleared when a
# request starts and when a setting changes (tests), and bounded for work outside requests.
_MEMO: dict = {}
_MEMO_MAX = 2048


def _clear_memo(**kwargs) -> None:
    _MEMO.clear()


request_started.connect(_clear_memo, dispatch_uid="timetracker.formatting.memo")
setting_changed.connect(_clear_memo, dispatch_uid="timetracker.formatting.memo")


def once_per_request(function, value):
    """``function(value)`` in the active language, computed once per request."""
    key = (function, get_language(), type(value), value)
    try:
        return _MEMO[key]
    except KeyError:
        pass
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    result = _MEMO[key] = function(value)
    return result


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
    if type(seconds) is int and 0 <= seconds < 10**15:
        decimal_sep, grouping, thousand_sep = _number_separators()
        if grouping == 3:
            return _grouped_hours(seconds, decimal_sep, thousand_sep)
    return local_number(seconds_to_hours(seconds), 2)


def _grouped_hours(seconds: int, decimal_sep: str, thousand_sep: str) -> str:
    """``local_number(seconds_to_hours(seconds), 2)`` for whole seconds ≥ 0 in a language
    that groups by three, without a Decimal: every duration on a page shows its decimal
    hours (150 on the projects page). Tests compare both ways."""
    hundredths = (seconds * 2 + 36) // 72
    whole = f"{hundredths // 100:,}".replace(",", thousand_sep)
    return f"{whole}{decimal_sep}{hundredths % 100:02d}"


# "%(hours)s h" per language: looked up once, not once per duration shown.
_hours_labels: dict[str | None, str] = {}


def local_hours_label(seconds: int | None) -> str:
    """Decimal hours with their unit: ``2,338.78 h``."""
    language = get_language()
    label = _hours_labels.get(language)
    if label is None:
        label = _hours_labels[language] = gettext("%(hours)s h")
    return label % {"hours": local_hours(seconds)}


def local_duration_parts(seconds: int | None) -> tuple[str, str]:
    """``(local_hm, local_hours_label)`` of ``seconds``: ``("2,338:46", "2,338.78 h")``.

    The language and its separators are read once for both (``{% duration %}`` shows both
    for every figure of a page, and each lookup of the active language costs a context
    variable read)."""
    language = get_language()
    separators = _separators.get(language)
    label = _hours_labels.get(language)
    if (
        separators is None
        or label is None
        or separators[1] != 3
        or type(seconds) is not int
        or not 0 <= seconds < 10**15
    ):
        return local_hm(seconds), local_hours_label(seconds)
    decimal_sep, _grouping, thousand_sep = separators
    minutes = seconds // 60
    hm = f"{minutes // 60:,}".replace(",", thousand_sep) + f":{minutes % 60:02d}"
    return hm, label % {"hours": _grouped_hours(seconds, decimal_sep, thousand_sep)}


def local_duration(seconds: int | None) -> str:
    """The one way a duration reads: ``2,338:46 (2,338.78 h)``."""
    hm, label = local_duration_parts(seconds)
    return f"{hm} ({label})"


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

    Each (language, day) is formatted once per request (``once_per_request``): lists repeat
    the same few days. A datetime is reduced to its local date first (``DATE_FORMAT`` holds
    only date parts).
    """
    if not value:
        return ""
    local = _local(value)
    # DATE_FORMAT holds date characters only (Django applies it to plain dates too), so a
    # datetime reads as its local day: formatted once per day and request.
    day = local.date() if isinstance(local, dt.datetime) else local
    if type(day) is not dt.date:
        return formats.date_format(local, "DATE_FORMAT")
    return once_per_request(_date_format, day)


def _date_format(day: dt.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _forget_formats(**kwargs) -> None:
    """Any setting may change a format (``FORMAT_MODULE_PATH``, ``LANGUAGE_CODE``, …)."""
    _separators.clear()
    _times_of_day.clear()
    _hours_labels.clear()


setting_changed.connect(_forget_formats, dispatch_uid="timetracker.formatting.separators")


# Times of day by (language, TIME_FORMAT, hour, minute) for the formats that read nothing
# else: at most 1,440 per language and format, so kept for the process (a list of 50 entries
# has as many distinct minutes); cleared with the other formats when a setting changes.
_times_of_day: dict[tuple[str | None, str, int, int], str] = {}
_TIMES_OF_DAY_MAX = 20_000


def local_time(value) -> str:
    """A time in ``TIME_FORMAT``: ``2:05 p.m.`` (en), ``14:05`` (de, fr, nl)."""
    if not value:
        return ""
    local = _local(value)
    language = get_language()
    time_format = formats.get_format("TIME_FORMAT", language)
    if isinstance(local, (dt.datetime, dt.time)):
        key = (language, time_format, local.hour, local.minute)
        try:
            return _times_of_day[key]
        except KeyError:
            pass
        # Every TIME_FORMAT we ship (``g:i a``, ``H:i``) reads the hour and minute only.
        if _reads_hour_and_minute_only(time_format):
            if len(_times_of_day) >= _TIMES_OF_DAY_MAX:
                _times_of_day.clear()
            text = dateformat.time_format(dt.time(local.hour, local.minute), time_format)
            _times_of_day[key] = text
            return text
    return dateformat.time_format(local, time_format)


# Format characters that read nothing but the hour and the minute (django.utils.dateformat).
_HOUR_AND_MINUTE_CHARS = frozenset("aAgGhHiP")


@functools.lru_cache(maxsize=64)
def _reads_hour_and_minute_only(time_format: str) -> bool:
    return set(dateformat.re_formatchars.findall(time_format)) <= _HOUR_AND_MINUTE_CHARS


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


# --- the values above, computed by the database (for exports of many rows) ---------------------


def _local_sql(compiler, connection, expression, pg_format: str, sqlite_parts: str):
    """SQL for a datetime column in the current time zone (the one ``timezone.localtime``
    uses) as text: ``to_char(… AT TIME ZONE …)`` on PostgreSQL; on SQLite, which has no
    time zone database, Django's own cast functions (``zoneinfo`` in Python, per row)."""
    sql, params = compiler.compile(expression)
    tzname = timezone.get_current_timezone_name()
    if connection.vendor == "postgresql":
        return f"to_char(({sql}) AT TIME ZONE %s, '{pg_format}')", (*params, tzname)
    date_sql, date_params = connection.ops.datetime_cast_date_sql(sql, tuple(params), tzname)
    time_sql, time_params = connection.ops.datetime_cast_time_sql(sql, tuple(params), tzname)
    # The casts give ``date.isoformat()`` and ``time.isoformat()``: HH:MM is its start.
    if sqlite_parts == "time":
        return f"substr({time_sql}, 1, 5)", time_params
    return f"{date_sql} || ' ' || substr({time_sql}, 1, 5)", (*date_params, *time_params)


class LocalDateTimeText(Func):
    """``YYYY-MM-DD HH:MM``: a datetime column in the current time zone, as text.

    The same as ``timezone.localtime(value).strftime("%Y-%m-%d %H:%M")`` (seconds cut off,
    not rounded); the date is its first ten characters.
    """

    arity = 1
    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        return _local_sql(
            compiler, connection, self.source_expressions[0], "YYYY-MM-DD HH24:MI", "datetime"
        )


class LocalTimeText(Func):
    """``HH:MM`` (24-hour, seconds cut off): a datetime column's time in the current time zone."""

    arity = 1
    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        return _local_sql(compiler, connection, self.source_expressions[0], "HH24:MI", "time")


class _IntegerText(Func):
    """Text from integer arithmetic on one integer column, in SQL both databases share.

    ``sql_template`` names the column ``{s}`` (as often as it needs it); integer division
    truncates on both, which is floor for the non-negative values used here.
    """

    arity = 1
    output_field = CharField()
    sql_template = ""

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        value = f"COALESCE({sql}, 0)"
        return self.sql_template.format(s=value), tuple(params) * self.sql_template.count("{s}")

    @staticmethod
    def _two_digits(part: str) -> str:
        return f"CASE WHEN {part} < 10 THEN '0' ELSE '' END || CAST({part} AS TEXT)"


class HoursMinutesText(_IntegerText):
    """``format_hm`` of a column of seconds: ``h:mm``, rounded down to the minute."""

    sql_template = "CAST({s} / 3600 AS TEXT) || ':' || " + _IntegerText._two_digits(
        "({s} / 60 - {s} / 3600 * 60)"
    )


class DecimalHoursText(_IntegerText):
    """``str(seconds_to_hours(…))`` of a column of seconds: hours with 2 places, half-up.

    Hundredths of an hour are ``seconds / 36``, rounded half-up: ``(seconds + 18) / 36``.
    """

    sql_template = "CAST(({s} + 18) / 36 / 100 AS TEXT) || '.' || " + _IntegerText._two_digits(
        "(({s} + 18) / 36 - ({s} + 18) / 36 / 100 * 100)"
    )
