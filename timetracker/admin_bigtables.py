"""Change lists for tables too big to count or scan on every page view (issue 12, item 7).

Django's change list asks three things that grow with the table: the paginator's
``COUNT(*)`` of every matching row, the date hierarchy's ``MIN``/``MAX`` and
``DISTINCT date_trunc(…)`` over every matching row, and, for each relation filter, every row
of the related table as a link. ``BigTableAdminMixin`` replaces them:

* ``CappedCountPaginator`` reads at most ``COUNT_CAP + 1`` matching ids. Up to the cap the
  count is exact and the page is read by those ids (the database sorts a few rows instead of
  walking the date index looking for rare matches); past it the list says "more than
  10,000" and pages up to the cap. An admin may supply an exact count that is cheap for some
  requests (``exact_count``: the time entries' rollups).
* The date hierarchy lists the years, months or days between the first and the last match
  (one ``MIN``/``MAX`` query, which the date index answers from its two ends) instead of a
  ``DISTINCT`` over every match, and is not shown while searching (``date_hierarchy_shown``):
  there the two ends of the date index are where the rare matches are not.
* ``AutocompleteListFilter`` is a relation filter that lists only the chosen value and picks
  another with the admin's own autocomplete box (the target admin's scoped ``get_queryset``
  and ``get_search_results`` answer it); people who may not use that box get the scoped
  list of every choice, as before.
* Facet counts (``?_facets``) are off: each is a ``COUNT`` over the whole table.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from timetracker.admin_scope import scoped, scoped_users

# Matches counted exactly; beyond, "more than 10,000" (200 pages of 50).
COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """A paginator that never counts more than ``cap`` + 1 rows (see the module docstring).

    ``exact_count``: a callable returning the exact count when it is cheap, else ``None``.
    ``capped`` tells whether the count stopped at the cap.
    """

    cap = COUNT_CAP

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        self.exact_count = kwargs.pop("exact_count", None)
        super().__init__(object_list, per_page, orphans, allow_empty_first_page, **kwargs)
        self.capped = False

    @cached_property
    def count(self) -> int:
        if self.exact_count is not None:
            count = self.exact_count()
            if count is not None:
                return count
        ids = list(self.object_list.order_by().values_list("pk", flat=True)[: self.cap + 1])
        if len(ids) > self.cap:
            self.capped = True
            return self.cap
        if len(ids) > 0:
            # The same rows, read by id: a plan that cannot walk the date index from its
            # newest end in the hope of meeting the few matches soon.
            self.object_list = self.object_list.filter(pk__in=ids)
        return len(ids)

    def page(self, number):
        """Page 2 onwards: the page's ids first (``OFFSET`` over the ids alone, no joins),
        then its rows with their joins. Page 1 is one query, as Django reads it."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom == 0:
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return self._get_page(self.object_list.filter(pk__in=ids), number, self)


class AutocompleteFiltersMixin:
    """Loads the autocomplete box's scripts on the change list of an admin whose
    ``list_filter`` has an ``AutocompleteListFilter``. Put before ``admin.ModelAdmin``."""

    @property
    def media(self):
        media = super().media
        if any(
            isinstance(entry, tuple) and issubclass(entry[1], AutocompleteListFilter)
            for entry in self.list_filter
        ):
            media += AutocompleteListFilter.widget_media(self.admin_site)
        return media


class BigTableAdminMixin(AutocompleteFiltersMixin):
    """Put before ``admin.ModelAdmin`` on admins of tables with hundreds of thousands of rows."""

    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    change_list_template = "admin/bigtable_change_list.html"

    def exact_count(self, request, queryset) -> int | None:
        """The exact number of rows of ``queryset`` when it is cheap to know, else ``None``."""
        return None

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if queryset.model is not self.model:  # the history page pages log entries
            return Paginator(queryset, per_page, orphans, allow_empty_first_page)
        return self.paginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            exact_count=lambda: self.exact_count(request, queryset),
        )

    def date_hierarchy_shown(self, changelist) -> bool:
        """Whether the date hierarchy is worth its ``MIN``/``MAX`` query for this list."""
        return not changelist.query.strip()


class AutocompleteListFilter(admin.RelatedFieldListFilter):
    """A relation filter for big related tables: lists "All" and the chosen value (if it is in
    the user's scope), and an autocomplete box to choose another (see the module docstring).

    Works on any foreign key whose target has a registered admin with ``search_fields``;
    ``field_path`` may cross relations (``invoice__client``): the box asks the admin's
    autocomplete endpoint for the last field of the path.
    """

    template = "admin/autocomplete_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.request = request
        self.target_admin = model_admin.admin_site._registry.get(field.related_model)
        self.autocomplete = bool(
            self.target_admin is not None
            and self.target_admin.get_search_fields(request)
            and self.target_admin.has_view_permission(request)
        )
        self.field = field
        self.model_admin = model_admin
        super().__init__(field, request, params, model, model_admin, field_path)

    def has_output(self):
        return True

    def scoped_choices(self, field, request, model_admin):
        """Every row the user may filter by (the rows ``choices`` may name)."""
        related = field.related_model
        if hasattr(related._default_manager, "visible_to"):
            return scoped(related, request.user)
        # People: those on at least one in-scope row (ScopedUserListFilter's rule).
        return scoped_users(model_admin.model, self.field_path, request.user)

    def field_choices(self, field, request, model_admin):
        if not self.autocomplete:
            return self.listing_choices(field, request, model_admin)
        chosen = [value for value in (self.lookup_val or []) if str(value).isdigit()]
        if not chosen:
            return []
        rows = self.scoped_choices(field, request, model_admin).filter(pk__in=chosen)
        return [(row.pk, self.label(row)) for row in rows]

    def listing_choices(self, field, request, model_admin):
        """Every in-scope choice, for people without the autocomplete box."""
        rows = self.scoped_choices(field, request, model_admin)
        if hasattr(rows.model._default_manager, "visible_to"):
            ordering = self.field_admin_ordering(field, request, model_admin)
            if ordering:
                rows = rows.order_by(*ordering)
        return [(row.pk, self.label(row)) for row in rows]

    def label(self, row) -> str:
        return getattr(row, "display_name", None) or str(row)

    def choices(self, changelist):
        self.base_query = changelist.get_query_string(
            remove=[self.lookup_kwarg, self.lookup_kwarg_isnull]
        )
        yield from super().choices(changelist)

    def widget_html(self):
        if not self.autocomplete:
            return ""
        widget = ChosenAutocompleteSelect(
            self.field,
            self.target_admin.admin_site,
            attrs={
                "class": "autocomplete-filter",
                "data-filter-query": self.base_query,
                "data-width": "100%",
                "aria-label": self.title,
            },
        )
        widget.chosen = self.lookup_choices  # already scoped: no second query
        chosen = [pk for pk, _label in self.lookup_choices]
        return widget.render(self.lookup_kwarg, chosen[0] if chosen else None)

    @staticmethod
    def widget_media(admin_site):
        # The widget's media depend on the language only, not on a field.
        select2 = AutocompleteSelect(None, admin_site).media
        # Named after the two scripts it needs, so the merged media keep it behind them.
        ours = ["admin/js/jquery.init.js", "admin/js/autocomplete.js"]
        return select2 + forms.Media(js=[*ours, "admin/js/autocomplete_filter.js"])


class ChosenAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete box with its one option given (``chosen``: ``(pk, label)``
    pairs the filter already read in scope) instead of looked up again."""

    chosen: list = []
    is_required = False

    def optgroups(self, name, value, attr=None):
        options = [self.create_option(name, "", "", False, 0)]
        for index, (pk, label) in enumerate(self.chosen, start=1):
            options.append(self.create_option(name, pk, label, True, index))
        return [(None, options, 0)]
