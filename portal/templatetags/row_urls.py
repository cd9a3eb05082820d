"""``{% load row_urls %}``: ``{% row_url "portal:project_detail" entry.project_id %}``.

The same URL as ``{% url "portal:project_detail" entry.project_id %}``, for the rows of a
list: the URL pattern is reversed once per template render with a stand-in id, and each
row's id is put in its place (reversing costs more than the rest of a row's link).
"""

from __future__ import annotations

from django import template
from django.urls import reverse

register = template.Library()

# A stand-in id no real row has; the int converter writes it as these digits.
STAND_IN = 987654320123456789
STAND_IN_TEXT = str(STAND_IN)


@register.simple_tag(takes_context=True)
def row_url(context, viewname: str, pk) -> str:
    """``reverse(viewname, args=[pk])`` for an ``<int:pk>`` URL, reversed once per render."""
    if type(pk) is not int or pk < 0:
        return reverse(viewname, args=[pk])
    cache = context.render_context
    key = ("row_url", viewname)
    parts = cache.get(key)
    if parts is None:
        head, found, tail = reverse(viewname, args=[STAND_IN]).rpartition(STAND_IN_TEXT)
        parts = cache[key] = (head, tail) if found else ()
    if not parts:
        return reverse(viewname, args=[pk])
    return f"{parts[0]}{pk}{parts[1]}"
