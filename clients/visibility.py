"""Per-client visibility (PRODUCT.md §10): the one policy every client-facing output asks.

Pages, the CSV export, the PDF, the API serializers and the emails read
``client.visibility`` and leave hidden data out entirely (never hidden with CSS).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

TEAM_MEMBER = _("Team member")


@dataclass(frozen=True)
class PortalVisibility:
    show_notes: bool = True
    show_team_names: bool = True
    show_budget: bool = False

    @classmethod
    def for_client(cls, client) -> PortalVisibility:
        return cls(
            show_notes=client.portal_show_notes,
            show_team_names=client.portal_show_team_names,
            show_budget=client.portal_show_budget,
        )

    def notes(self, text: str) -> str:
        """An entry's notes as the client may see them ("" when hidden)."""
        return text if self.show_notes else ""

    def person(self, user) -> str:
        """A team member's name as the client may see it."""
        if user is None:
            return ""
        return self.person_name(user.display_name)

    def person_name(self, display_name: str) -> str:
        """A team member's display name (already read) as the client may see it."""
        return display_name if self.show_team_names else str(TEAM_MEMBER)
