"""The per-client visibility policy (``clients/visibility.py``) in templates.

``{% with visibility=client.visibility %}`` once, then ``{{ entry.user|person:visibility }}``
("Team member" when the client's team names are off). Notes and budgets are plain
``{% if visibility.show_notes %}`` / ``{% if visibility.show_budget %}`` blocks, so hidden
data (and its column or heading) is never rendered at all.
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def person(user, visibility) -> str:
    """A team member's name as this client may see it."""
    return visibility.person(user)
