"""Page links for ``portal/_pagination.html``: ``page_obj|page_links`` → numbers and gaps."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def page_links(page_obj, on_each_side: int = 1) -> list[int | None]:
    """The page numbers to link around the current page, ``None`` for a gap:
    ``[1, None, 4, 5, 6, None, 20]`` on page 5 of 20 (first and last always included)."""
    if page_obj is None:
        return []
    numbers = page_obj.paginator.get_elided_page_range(
        page_obj.number, on_each_side=int(on_each_side), on_ends=1
    )
    return [n if isinstance(n, int) else None for n in numbers]
