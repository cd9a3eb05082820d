"""Page numbers for small lists, a cursor for time entries (stable at millions of rows)."""

from __future__ import annotations

import functools

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound

from timetracker.pagination import KeysFirstPaginator

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class KnownCountPagination(PageNumberPagination):
    """Page numbers whose total comes from ``view.known_count()`` when it has one (an int),
    instead of a ``COUNT(*)`` over the rows (the invoices: 400,000 for staff at XL); a page
    reads its keys first (``KeysFirstPaginator``), so a deep one skips index entries, not
    table rows."""

    def paginate_queryset(self, queryset, request, view=None):
        count = view.known_count() if view is not None else None
        if count is None:
            self.django_paginator_class = PageNumberPagination.django_paginator_class
        else:
            self.django_paginator_class = functools.partial(KeysFirstPaginator, count=count)
        return super().paginate_queryset(queryset, request, view)


class TimeEntryCursorPagination(pagination.CursorPagination):
    """Newest first by ``(start_time, id)``; the cursor is opaque."""

    ordering = ("-start_time", "-id")
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        # DRF trusts the position inside the (unsigned) cursor; a forged one must not reach
        # the database as a value that is not a timestamp.
        if cursor is not None and cursor.position is not None:
            try:
                valid = parse_datetime(cursor.position) is not None
            except (ValueError, TypeError, OverflowError):
                valid = False
            if not valid:
                raise NotFound(_("Invalid cursor"))
        return cursor
