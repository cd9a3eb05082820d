"""Time entries in the admin: scoped, big-table friendly; subcontractors edit only their own."""

from __future__ import annotations

import datetime as dt
import operator
from functools import reduce

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import (
    ALL_VAR,
    ERROR_FLAG,
    IS_POPUP_VAR,
    ORDER_VAR,
    PAGE_VAR,
    SEARCH_VAR,
    TO_FIELD_VAR,
)
from django.contrib.auth import get_user_model
from django.db.models import BooleanField, ExpressionWrapper, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Project
from timetracker.admin_bigtables import AutocompleteListFilter, BigTableAdminMixin
from timetracker.admin_display import truncated
from timetracker.admin_scope import ProtectedDeleteMixin, ScopedAdminMixin
from timetracker.formatting import local_duration

from .forms import TimeEntryAdminForm
from .models import ClientDay, ProjectDay, TimeEntry, UserProjectMonth

User = get_user_model()


class RunningFilter(admin.SimpleListFilter):
    title = _("timer")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("running", _("Running")), ("finished", _("Finished"))]

    def queryset(self, request, queryset):
        if self.value() == "running":
            return queryset.running()
        if self.value() == "finished":
            return queryset.finished()
        return queryset


# URL parameters of the change list that do not narrow the rows.
NON_FILTER_PARAMS = {ALL_VAR, ORDER_VAR, PAGE_VAR, ERROR_FLAG, IS_POPUP_VAR, TO_FIELD_VAR}
# Filters the rollups answer: the rows they count are the finished entries of these.
ROLLUP_FILTERS = {
    "client__id__exact",
    "project__id__exact",
    "user__id__exact",
    "start_time__year",
    "start_time__month",
    "start_time__day",
    RunningFilter.parameter_name,
}


def rollup_filters(params: dict[str, list[str]]) -> dict[str, int | str] | None:
    """The change list's filters (``request.GET.lists()``) if the rollups can count the rows
    they select — a client, project, person, date-hierarchy period, timer state and nothing
    else (no search) — as ``{parameter: value}``; else ``None``."""
    filters: dict[str, int | str] = {}
    for key, values in params.items():
        if key in NON_FILTER_PARAMS or (key == SEARCH_VAR and not "".join(values).strip()):
            continue
        if key not in ROLLUP_FILTERS or len(values) != 1:
            return None
        value = values[0]
        if key == RunningFilter.parameter_name:
            if value not in ("running", "finished"):
                return None
            filters[key] = value
            continue
        if not value.isdigit() or len(value) > 18:
            return None
        filters[key] = int(value)
    # Rollup days are local days of TIME_ZONE; the date hierarchy uses the active zone.
    if timezone.get_current_timezone_name() != settings.TIME_ZONE:
        return None
    return filters


def rollup_period(filters) -> tuple[dt.date | None, dt.date | None]:
    """The first and last local day of the date-hierarchy period (``None, None``: all)."""
    year = filters.get("start_time__year")
    if year is None:
        return None, None
    month = filters.get("start_time__month")
    day = filters.get("start_time__day")
    if month is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if day is None:
        first = dt.date(year, month, 1)
        return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return dt.date(year, month, day), dt.date(year, month, day)


@admin.register(TimeEntry)
class TimeEntryAdmin(BigTableAdminMixin, ProtectedDeleteMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = TimeEntryAdminForm
    # Client and project in one column, the source only in the filter: fits 1280 px.
    list_display = (
        "start_time",
        "duration",
        "user_name",
        "project_name",
        "billable",
        "short_notes",
    )
    list_display_links = ("start_time",)
    list_select_related = ("user", "project", "client")
    # Thousands of clients, projects and people: an autocomplete box, not a link each.
    list_filter = (
        RunningFilter,
        "billable",
        "source",
        ("client", AutocompleteListFilter),
        ("project", AutocompleteListFilter),
        ("user", AutocompleteListFilter),
    )
    # Searched by get_search_results below (same fields, no joins on the big table).
    search_fields = ("notes", "project__name", "client__name", "user__username")
    search_help_text = _("Searches notes, project, client and team member names.")
    # From the first and last match, hidden while searching (BigTableAdminMixin).
    date_hierarchy = "start_time"
    list_per_page = 50
    autocomplete_fields = ("project",)
    fields = (
        "user",
        "project",
        "start_time",
        "end_time",
        "duration",
        "billable",
        "notes",
        "source",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("duration", "source", "created_at", "updated_at")

    def exact_count(self, request, queryset) -> int | None:
        """The count from the rollups (finished entries) plus the running entries (a handful,
        found by the one-running-timer-per-person index), when only rollup dimensions filter
        the list; else ``None`` (the capped count)."""
        filters = rollup_filters(dict(request.GET.lists()))
        if filters is None:
            return None
        state = filters.get(RunningFilter.parameter_name)
        running = 0 if state == "finished" else queryset.running().count()
        if state == "running":
            return running
        first, last = rollup_period(filters)
        user_id = filters.get("user__id__exact")
        client_id = filters.get("client__id__exact")
        project_id = filters.get("project__id__exact")
        if user_id is not None:
            if "start_time__day" in filters:
                return None  # months only
            rows = UserProjectMonth.objects.visible_to(request.user).filter(user_id=user_id)
            if first is not None:
                rows = rows.months_between(first.replace(day=1), last)
            if client_id is not None:
                rows = rows.filter(project__client_id=client_id)
        elif project_id is not None:
            rows = ProjectDay.objects.visible_to(request.user).between(first, last)
            if client_id is not None:
                rows = rows.filter(project__client_id=client_id)
        else:
            rows = ClientDay.objects.visible_to(request.user).between(first, last)
            if client_id is not None:
                rows = rows.filter(client_id=client_id)
        if project_id is not None:
            rows = rows.filter(project_id=project_id)
        finished = rows.aggregate(n=Coalesce(Sum("entry_count"), 0))["n"]
        return finished + running

    def date_hierarchy_shown(self, changelist) -> bool:
        # Not for filters the indexes cannot answer from their ends (a rare source, running
        # timers, a search): the first and last match could be anywhere.
        filters = rollup_filters(changelist.filter_params)
        return filters is not None and filters.get(RunningFilter.parameter_name) != "running"

    @admin.display(description=_("duration"), ordering="duration_seconds")
    def duration(self, obj: TimeEntry) -> str:
        if obj.pk is None:
            return "–"
        if obj.is_running:
            return _("running")
        return local_duration(obj.duration_seconds)

    @admin.display(description=_("user"), ordering="user__username")
    def user_name(self, obj: TimeEntry) -> str:
        return truncated(obj.user.display_name, narrow=True)

    @admin.display(description=_("project"), ordering="project__name")
    def project_name(self, obj: TimeEntry) -> str:
        return format_html(
            '<span class="truncate truncate--medium" title="{} · {}">{}<br>'
            '<span class="quiet">{}</span></span>',
            obj.client.name,
            obj.project.name,
            obj.project.name,
            obj.client.name,
        )

    @admin.display(description=_("client"), ordering="client__name")
    def client_name(self, obj: TimeEntry) -> str:
        return obj.client.name

    @admin.display(description=_("notes"))
    def short_notes(self, obj: TimeEntry) -> str:
        return truncated(obj.notes, narrow=True)

    # Beyond this many matching projects / clients / people, a term keeps its subquery.
    SEARCH_MAX_RELATED = 1000

    def get_search_results_for_terms(self, request, queryset, terms):
        """Django's search semantics (every term must match some field), but projects,
        clients and users are matched in their own small tables and the entries by id:
        ``OR`` across joined columns made PostgreSQL scan and join all 2 M rows (4.6 s at L,
        about a third of that this way).

        One condition for all terms, applied once: a ``.filter()`` per term made the query
        grow with every term and its building time with the square of their number. The
        terms come capped and deduplicated from ``SafeLookupsMixin``.
        """
        terms = list(terms)
        if not terms:
            return queryset, False

        def user_matches(term):
            return (
                Q(username__icontains=term)
                | Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
            )

        # The small tables are asked first and their ids written into the query: an
        # ``IN (subquery)`` is a filter PostgreSQL checks row by row, so with it the planner
        # could not combine the notes' trigram index (tracking.0006_notes_trigram) with the
        # foreign-key indexes and walked the date index instead: a term with a few old
        # matches read all 2 M rows. One query per table for all terms (a flag per term),
        # so the query count does not grow with the number of words.
        related = [
            ("project", Project.objects.all(), lambda term: Q(name__icontains=term)),
            ("client", Client.objects.all(), lambda term: Q(name__icontains=term)),
            ("user", User.objects.all(), user_matches),
        ]
        per_term = [Q(notes__icontains=term) for term in terms]
        for field, rows, match in related:
            flags = {
                f"term_{n}": ExpressionWrapper(match(term), output_field=BooleanField())
                for n, term in enumerate(terms)
            }
            matching = rows.filter(reduce(operator.or_, (match(t) for t in terms)))
            found = list(
                matching.annotate(**flags).values_list("pk", *flags)[: self.SEARCH_MAX_RELATED + 1]
            )
            for n, term in enumerate(terms):
                if len(found) > self.SEARCH_MAX_RELATED:
                    per_term[n] |= Q(**{f"{field}__in": rows.filter(match(term)).values("pk")})
                    continue
                ids = [row[0] for row in found if row[n + 1]]
                if ids:
                    per_term[n] |= Q(**{f"{field}_id__in": ids})
        condition = reduce(operator.and_, per_term, Q())
        return queryset.filter(condition), False

    def _is_own_or_unrestricted(self, request, obj) -> bool:
        return obj is None or not request.user.is_scope_restricted or obj.user_id == request.user.pk

    def has_change_permission(self, request, obj=None):
        # Subcontractors see every entry of their clients but change only their own.
        return super().has_change_permission(request, obj) and self._is_own_or_unrestricted(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._is_own_or_unrestricted(
            request, obj
        )

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_scope_restricted:
            # A subcontractor's entries are always their own.
            return (*fields, "user")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"request_user": request.user})

    def deletion_blockers(self, objs) -> list[str]:
        invoiced = (
            TimeEntry.objects.filter(pk__in=[o.pk for o in objs], invoice_items__isnull=False)
            .select_related("project")
            .distinct()
        )
        return [
            _("%(entry)s is billed on an invoice and cannot be deleted.") % {"entry": entry}
            for entry in invoiced
        ]
