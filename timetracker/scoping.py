"""What every app shares: the one scoping QuerySet (PRODUCT.md §4.2) and currency fields.

It lives in the project package so that every domain app can build on it without importing
another app (docs/ARCHITECTURE.md, "Layers").
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

currency_validator = RegexValidator(
    r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code such as EUR or USD.")
)


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY


class ScopedQuerySet(models.QuerySet):
    """The one scoping mechanism: every tenant-facing query starts from these two methods.

    ``client_lookup`` is the path from the model to its client id.
    """

    client_lookup = "client_id"

    def visible_to(self, user) -> ScopedQuerySet:
        """Rows the user may see, from ``user.get_allowed_client_ids()`` (nothing if anonymous)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        client_ids = user.get_allowed_client_ids()
        if client_ids is None:
            return self.all()
        if not client_ids:
            return self.none()
        return self.filter(**{f"{self.client_lookup}__in": client_ids})

    def for_client(self, client) -> ScopedQuerySet:
        """Rows that belong to one client (a ``Client`` or its id)."""
        return self.filter(**{self.client_lookup: getattr(client, "pk", client)})
