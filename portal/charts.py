"""Geometry of the dashboard's weekly hours chart, rendered as inline SVG by the template."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from timetracker.formatting import seconds_to_hours

WIDTH = 720
HEIGHT = 220
TOP = 16
BOTTOM = 40  # room for the week labels (26 chart units tall on phones)
LEFT = 72  # room for the hour labels ("200 h" at 26 chart units on phones)
RIGHT = 16  # so the newest week's label is not cut off at the edge
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class Bar:
    week: dt.date
    seconds: int
    hours: Decimal
    x: float
    y: float
    width: float
    height: float
    label_x: float


@dataclass(frozen=True)
class Gridline:
    hours: int
    y: float


def _nice_ceiling(hours: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... hours that is at least ``hours``."""
    if hours <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(hours))
    for step in (1, 2, 5, 10):
        if step * magnitude >= hours:
            return int(step * magnitude)
    return int(10 * magnitude)


def weekly_hours_chart(weeks: list[tuple[dt.date, int]]) -> dict:
    """Bars and gridlines for ``(week_start, seconds)`` pairs, oldest first."""
    top = _nice_ceiling(max((s for _, s in weeks), default=0) / 3600)
    slot = (WIDTH - LEFT - RIGHT) / max(len(weeks), 1)
    bar_width = slot * 0.6
    bars = []
    for index, (week, seconds) in enumerate(weeks):
        height = PLOT_HEIGHT * seconds / (top * 3600)
        x = LEFT + index * slot + (slot - bar_width) / 2
        bars.append(
            Bar(
                week=week,
                seconds=seconds,
                hours=seconds_to_hours(seconds),
                x=round(x, 1),
                y=round(TOP + PLOT_HEIGHT - height, 1),
                width=round(bar_width, 1),
                height=round(height, 1),
                label_x=round(x + bar_width / 2, 1),
            )
        )
    marks = [0, top // 2, top] if top % 2 == 0 else [0, top]
    gridlines = [Gridline(hours=h, y=round(TOP + PLOT_HEIGHT * (1 - h / top), 1)) for h in marks]
    return {
        "bars": bars,
        "gridlines": gridlines,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "label_y": HEIGHT - 8,
        "has_data": any(s for _, s in weeks),
    }
