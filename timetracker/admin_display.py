"""Change-list cells that keep the admin's lists inside their area at 1280 px: long text
truncated with the full value in a ``title``, money formatted like the portal's."""

from __future__ import annotations

from django.utils.html import format_html

from timetracker.templatetags.formatting import money


def truncated(text, *, narrow: bool = False) -> str:
    """``text`` cut off with an ellipsis by CSS (``.truncate``), the whole of it as a title."""
    text = "" if text is None else str(text)
    if not text:
        return "–"
    css = "truncate truncate--narrow" if narrow else "truncate"
    return format_html('<span class="{}" title="{}">{}</span>', css, text, text)


def money_cell(value, currency_code: str = "") -> str:
    """An amount with grouping and two places in the active locale, and its currency code:
    the portal's ``money`` filter."""
    text = money(value, currency_code)
    if not text:
        return "–"
    # The code may go below a very long number (a narrow column) but the number never breaks.
    number, _, code = text.partition("\u00a0")
    if not code:
        return text
    return format_html('<span class="money">{}</span> <span class="money">{}</span>', number, code)
