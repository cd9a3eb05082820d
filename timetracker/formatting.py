"""Money and hours helpers shared by services, templates and reports."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_money(value) -> Decimal:
    """Round to 2 places, half-up, as invoices require."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def seconds_to_hours(seconds: int | None) -> Decimal:
    """Decimal hours, 2 places, half-up."""
    return (Decimal(seconds or 0) / Decimal(3600)).quantize(CENT, rounding=ROUND_HALF_UP)


def format_hm(seconds: int | None) -> str:
    """``h:mm`` for a number of seconds (rounded down to the minute)."""
    minutes = int(seconds or 0) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"
