"""Calendar dates in ``settings.TIME_ZONE`` and their bounds as aware datetimes."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone


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


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())
