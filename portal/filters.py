"""The portal's filters (§3.5 invoice status, §3.6 time entries), applied to an already
scoped queryset (``ClientPortalRequiredMixin.filterset_class``)."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Q, Subquery, Value, When
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ChoiceField, ChoiceIterator

from clients.models import Project
from invoicing.models import Invoice
from tracking.models import TimeEntry

from .widgets import FastSelect

# Dates outside this range cannot be turned into aware datetimes in every time zone.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(9998, 12, 31)
DATE_FORMAT = "%Y-%m-%d"

# The project filter lists every project of a client with at most this many. A bigger client
# gets a bounded list (the selected project, then its recently booked projects or those
# matching ``project_search``) and the search field: the page costs the same at 200 or
# 20,000 projects (docs/PORTAL.md, "Time-entry filters").
PROJECT_CHOICES_MAX = 100
# "Recently booked": the projects of the client's newest entries (an index-only read).
RECENT_ENTRIES = 100
SEARCH_MAX_LENGTH = 100
# Ids PostgreSQL's bigint holds; anything else is no project (and so a 400).
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class ProjectChoices:
    """The project filter's options: ``rows`` of ``(id, name, status)``.

    ``complete``: the rows are all of the client's ``total`` projects, by name. Otherwise
    they are the selected project (first) and the recently booked projects, or those
    matching ``search``, by name, at most ``PROJECT_CHOICES_MAX``; ``truncated`` when more
    matched.
    """

    rows: list
    total: int
    complete: bool = True
    search: str = ""
    truncated: bool = False


def _project_pk(value) -> int | None:
    """A ``project_id`` query value as an id worth looking up (else ``None``: a 400)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        number = int(value)
        if 0 < number <= MAX_ID:
            return number
    return None


def project_search_term(data) -> str:
    """``project_search``, whitespace collapsed, at most ``SEARCH_MAX_LENGTH`` characters."""
    value = data.get("project_search") if data is not None else None
    return " ".join(str(value or "").split())[:SEARCH_MAX_LENGTH]


class TimeEntryFilterForm(forms.Form):
    def full_clean(self):
        super().full_clean()
        # Tie each error message to its input for screen readers (see the template's ids).
        for name, field in self.fields.items():
            ids = [f"{self[name].auto_id}-error"] if name in self.errors else []
            if field.help_text:
                ids.append(f"{self[name].auto_id}-help")
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    def clean(self):
        cleaned = super().clean()
        for name in ("date_from", "date_to"):
            day = cleaned.get(name)
            if day is not None and not MIN_DATE <= day <= MAX_DATE:
                self.add_error(name, _("Enter a date between 1900 and 9998."))
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned


class SharedChoiceField(ChoiceField):
    """A ``ChoiceField`` whose copy shares the choices instead of deep-copying them.

    A form deep-copies its fields per instance, and Django's ``ChoiceField`` deep-copies its
    choices with it: for the project filter that is every row of a big client's 200
    projects, built for this request and never changed. Same choices, same behaviour.
    """

    def __deepcopy__(self, memo):
        if not isinstance(self._choices, ChoiceIterator):
            return super().__deepcopy__(memo)
        result = forms.Field.__deepcopy__(self, memo)
        result._choices = copy.copy(self._choices)
        result._choices.field = result
        return result


class SharedChoiceFilter(django_filters.ChoiceFilter):
    field_class = SharedChoiceField


def _date_filter(label, method):
    return django_filters.DateFilter(
        label=label,
        method=method,
        input_formats=[DATE_FORMAT],
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_FORMAT),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )


class TimeEntryFilter(django_filters.FilterSet):
    """``project_id`` (one of the client's projects, any status) and an inclusive date range.

    Project choices come from ``projects``, the client's projects already fetched by the
    view as ``(id, name, status)`` rows (``project_choices_rows``: all of them for a client
    with up to ``PROJECT_CHOICES_MAX``, a bounded list and a ``project_search`` field for a
    bigger one), so validating and rendering the form need no further query and no model
    instances. A project the list does not hold is never valid: the selected one is always
    in it when it is the client's.
    """

    project_id = SharedChoiceFilter(
        field_name="project_id",
        label=_("Project"),
        empty_label=_("All projects"),
        # A big client has hundreds of projects: rendered without a template per option.
        widget=FastSelect,
        error_messages={"invalid_choice": _("Choose one of your projects.")},
    )
    date_from = _date_filter(_("From"), "filter_date_from")
    date_to = _date_filter(_("To"), "filter_date_to")

    class Meta:
        model = TimeEntry
        fields = ["project_id", "date_from", "date_to"]
        form = TimeEntryFilterForm

    def __init__(self, data=None, queryset=None, *, projects, **kwargs):
        super().__init__(data, queryset, **kwargs)
        if not isinstance(projects, ProjectChoices):
            projects = ProjectChoices(rows=list(projects), total=len(projects))
        self.project_choices = projects
        labels = {value: str(label).lower() for value, label in Project.Status.choices}
        active = Project.Status.ACTIVE
        self.filters["project_id"].extra["choices"] = [
            (
                str(pk),
                name
                if status == active
                else _("%(name)s (%(status)s)")
                % {"name": name, "status": labels.get(status, status.lower())},
            )
            for pk, name, status in projects.rows
        ]

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            if not self.project_choices.complete:
                self._add_project_search(form)
        return self._form

    def filter_queryset(self, queryset):
        # ``project_search`` only chooses the project list's options: it filters no entry.
        for name, value in self.form.cleaned_data.items():
            if name in self.filters:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def _add_project_search(self, form) -> None:
        """A bounded project list: the search field after it, and what the list holds."""
        choices = self.project_choices
        form.fields["project_search"] = forms.CharField(
            label=_("Find a project"),
            required=False,
            strip=True,
            widget=forms.TextInput(
                attrs={"type": "search", "maxlength": SEARCH_MAX_LENGTH, "autocomplete": "off"}
            ),
            help_text=_(
                "Part of a name, then Filter: the project list shows the matches, any status."
            ),
        )
        form.order_fields(["project_id", "project_search"])
        values = {"search": choices.search, "total": choices.total, "shown": len(choices.rows)}
        if choices.search and choices.truncated:
            text = _(
                "The first %(shown)d of your projects matching “%(search)s”: "
                "search for more of the name to narrow the list."
            )
        elif choices.search:
            text = _("Your projects matching “%(search)s” (%(total)d projects in all).")
        else:
            text = _(
                "The projects with your latest entries. You have %(total)d projects: "
                "search to list any of them."
            )
        form.fields["project_id"].help_text = text % values

    @staticmethod
    def project_choices_rows(client, data=None) -> ProjectChoices:
        """The ``projects`` argument, in one query whatever the client's size.

        A client with at most ``PROJECT_CHOICES_MAX`` projects: all of them (any status), by
        name. A bigger one: the selected ``project_id`` (if it is the client's), then its
        projects of the newest ``RECENT_ENTRIES`` entries, or the projects whose name
        contains ``project_search``, by name, at most ``PROJECT_CHOICES_MAX``. ``total``
        comes from a count subquery of the same query (a second query only when no row
        comes back: no match, nothing booked yet).
        """
        limit = PROJECT_CHOICES_MAX
        selected = _project_pk(data.get("project_id")) if data is not None else None
        search = project_search_term(data)
        projects = Project.objects.for_client(client)
        total = Subquery(projects.order_by().values("client_id").annotate(n=Count("*")).values("n"))
        if search:
            wanted = Q(name__icontains=search)
        else:
            recent = (
                TimeEntry.objects.for_client(client)
                .finished()
                .order_by("-start_time", "-id")
                .values("project_id")[:RECENT_ENTRIES]
            )
            wanted = Q(pk__in=recent)
        first = Value(1)
        if selected is not None:
            wanted |= Q(pk=selected)
            first = Case(When(pk=selected, total__gt=limit, then=Value(0)), default=Value(1))
        rows = list(
            projects.annotate(total=total, first=first)
            .filter(Q(total__lte=limit) | wanted)
            .order_by("first", "name", "id")
            .values_list("id", "name", "status", "total")[: limit + 1]
        )
        # No row (nothing matches the search, no entry booked yet): the total is not in the
        # rows, and a big client must keep its search field, so count the projects.
        count = rows[0][3] if rows else projects.count()
        return ProjectChoices(
            rows=[row[:3] for row in rows[:limit]],
            total=count,
            complete=count <= limit,
            search=search if count > limit else "",
            truncated=len(rows) > limit,
        )

    def filter_date_from(self, queryset, name, value):
        return queryset.started_between(date_from=value)

    def filter_date_to(self, queryset, name, value):
        return queryset.started_between(date_to=value)


# The invoice list's tabs: the states of §2 the portal offers, in order ("all" = every
# portal-visible invoice).
INVOICE_STATUSES = {
    "all": _("All"),
    "paid": _("Paid"),
    "unpaid": _("Unpaid"),
    "overdue": _("Overdue"),
}


def validate_invoice_status(value: str) -> None:
    if value not in INVOICE_STATUSES:
        raise ValidationError(
            _("Unknown status “%(status)s”. Choose one of: %(choices)s."),
            code="invalid_choice",
            params={"status": value[:40], "choices": ", ".join(INVOICE_STATUSES)},
        )


class InvoiceFilter(django_filters.FilterSet):
    """``status``: one of ``INVOICE_STATUSES`` (empty = all), through ``Invoice.objects.in_state``
    relative to the day ``on``."""

    status = django_filters.CharFilter(
        method="filter_status", strip=False, validators=[validate_invoice_status]
    )

    class Meta:
        model = Invoice
        fields = ["status"]

    def __init__(self, data=None, queryset=None, *, on, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.on = on

    def filter_status(self, queryset, name, value):
        return queryset.in_state(value, on=self.on)
