"""Calendar dates in ``settings.TIME_ZONE``, their bounds as aware datetimes, and the range
every stored instant must lie in (``DATETIME_MIN`` .. ``DATETIME_MAX``)."""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def project_timezone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def today() -> dt.date:
    """Today's date in ``settings.TIME_ZONE``."""
    return timezone.now().astimezone(project_timezone()).date()


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` of a calendar day in ``settings.TIME_ZONE`` as aware datetimes."""
    tz = project_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def this_month(day: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last calendar day of ``day``'s month (default: today in TIME_ZONE)."""
    day = day or today()
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


# --- Bounds of stored instants ------------------------------------------------------------
# Every stored instant (time entries today; the API and later models reuse these) lies in
# [DATETIME_MIN, DATETIME_MAX), in UTC. Why this range (docs/ARCHITECTURE.md, "Date and
# duration bounds"): decades from year 1 and year 9999, so converting a value to or from any
# time zone (offsets reach ±26 h, historical LMT offsets included) never leaves Python's
# datetime range — a 0001-01-01 00:00 in Europe/Brussels is year 0 in UTC, which PostgreSQL
# stores but Python cannot read back, breaking every page that lists the row. And the
# longest span between them (MAX_DURATION_SECONDS, ~130 years) fits a 64-bit column, not a
# 32-bit one (~68 years), which is why durations are stored as bigint.
DATETIME_MIN = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # inclusive
DATETIME_MAX = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)  # exclusive
MAX_DURATION_SECONDS = int((DATETIME_MAX - DATETIME_MIN).total_seconds())
# Calendar dates (filters, invoice dates): the days whose every instant is in range in UTC.
DATE_MIN = DATETIME_MIN.date()
DATE_MAX = (DATETIME_MAX - dt.timedelta(days=1)).date()

_DATETIME_RANGE_MESSAGE = _("Enter a date and time between %(min)s and %(max)s UTC.")
_DATE_RANGE_MESSAGE = _("Enter a date from %(min)s to %(max)s.")


def datetime_in_range(value: dt.datetime) -> bool:
    """Whether ``value`` lies in ``[DATETIME_MIN, DATETIME_MAX)``.

    A naive value is read in the current time zone, as Django does on save. Never converts
    to UTC (which overflows near year 1 and 9999): aware comparison needs no conversion.
    """
    if timezone.is_naive(value):
        value = value.replace(tzinfo=timezone.get_current_timezone())
    try:
        return DATETIME_MIN <= value < DATETIME_MAX
    except OverflowError:  # pragma: no cover - defensive: aware comparison does not convert
        return False


def validate_datetime_in_range(value: dt.datetime) -> None:
    """Model and serializer field validator: ``value`` must be in the stored-instant range."""
    if not datetime_in_range(value):
        raise ValidationError(
            _DATETIME_RANGE_MESSAGE,
            code="datetime_out_of_range",
            params={
                "min": f"{DATETIME_MIN:%Y-%m-%d %H:%M}",
                "max": f"{DATETIME_MAX:%Y-%m-%d %H:%M}",
            },
        )


def validate_date_in_range(value: dt.date) -> None:
    """Field validator for calendar dates: ``value`` must be in ``[DATE_MIN, DATE_MAX]``."""
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValidationError(
            _DATE_RANGE_MESSAGE,
            code="date_out_of_range",
            params={"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
        )
