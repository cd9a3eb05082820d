"""Paginators shared by the portal and the API."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class KnownCountPaginator(Paginator):
    """A paginator told its total up front, when an aggregate already counted the rows.

    Saves the ``COUNT(*)`` query Django's paginator would otherwise run.
    """

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count
