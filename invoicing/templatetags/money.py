"""``{{ amount|money:currency_code }}``: an amount in the active locale with its currency."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats

from timetracker.formatting import round_money

register = template.Library()


@register.filter
def money(value, currency_code: str = "") -> str:
    """``1234.5|money:"EUR"`` → ``1,234.50 EUR`` (en) or ``1.234,50 EUR`` (de).

    Two places, rounded half-up; the code is joined with a no-break space so it never wraps
    away from the number. Empty or non-numeric input renders as an empty string.
    """
    if value is None or value == "":
        return ""
    try:
        amount = round_money(Decimal(str(value)))
    except (InvalidOperation, TypeError, ValueError):
        return ""
    number = formats.number_format(amount, 2, use_l10n=True, force_grouping=True)
    return f"{number}\u00a0{currency_code}" if currency_code else number
