"""FilterSets of the API, applied to querysets already scoped by ``api.scope``.

Every choice (client, project, user) comes from the requester's own scope, so an id from
outside it is a 400 ("Select a valid choice"), never another client's data. Dates are
``YYYY-MM-DD``, inclusive, compared with the entry's start date in ``TIME_ZONE``, as in the
portal (``TimeEntry.objects.started_between``).
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Project
from invoicing.models import Invoice
from tracking.models import TimeEntry

from .scope import clients_for, projects_for, time_entries_for, visibility_for

# Dates outside this range cannot be turned into aware datetimes in every time zone.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(9998, 12, 31)
DATE_FORMAT = "%Y-%m-%d"


def _clients(request):
    return clients_for(request.user) if request is not None else Client.objects.none()


def _projects(request):
    return projects_for(request.user) if request is not None else Project.objects.none()


def _people(request):
    """People who worked on something the requester may see.

    None for a client user whose client hides team members' names: their entries carry no
    ``user``, so filtering by one would tell people apart again (400, as for any unknown id).
    """
    users = get_user_model().objects
    if request is None:
        return users.none()
    visibility = visibility_for(request.user)
    if visibility is not None and not visibility.show_team_names:
        return users.none()
    worked = time_entries_for(request.user).filter(user=OuterRef("pk"))
    return users.filter(Exists(worked))


class DateRangeForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        for name in ("date_from", "date_to"):
            day = cleaned.get(name)
            if day is not None and not MIN_DATE <= day <= MAX_DATE:
                self.add_error(name, _("Enter a date between 1900-01-01 and 9998-12-31."))
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned


def _date_filter(method: str, help_text: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        method=method,
        input_formats=[DATE_FORMAT],
        help_text=help_text,
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )


class ProjectFilter(django_filters.FilterSet):
    client = django_filters.ModelChoiceFilter(queryset=_clients, help_text="A client id.")
    status = django_filters.ChoiceFilter(choices=Project.Status.choices)

    class Meta:
        model = Project
        fields = ["client", "status"]


class TimeEntryFilter(django_filters.FilterSet):
    project = django_filters.ModelChoiceFilter(queryset=_projects, help_text="A project id.")
    client = django_filters.ModelChoiceFilter(queryset=_clients, help_text="A client id.")
    user = django_filters.ModelChoiceFilter(queryset=_people, help_text="A user id.")
    date_from = _date_filter("filter_date_from", "YYYY-MM-DD, inclusive (start date, TIME_ZONE)")
    date_to = _date_filter("filter_date_to", "YYYY-MM-DD, inclusive (start date, TIME_ZONE)")
    billable = django_filters.BooleanFilter()

    class Meta:
        model = TimeEntry
        fields = ["project", "client", "user", "date_from", "date_to", "billable"]
        form = DateRangeForm

    def filter_date_from(self, queryset, name, value):
        return queryset.started_between(date_from=value)

    def filter_date_to(self, queryset, name, value):
        return queryset.started_between(date_to=value)


class InvoiceFilter(django_filters.FilterSet):
    """``status`` is one of the derived states of §2, through the InvoiceQuerySet methods."""

    STATUSES = ("all", "paid", "unpaid", "overdue")

    status = django_filters.ChoiceFilter(
        choices=[(value, value) for value in STATUSES],
        method="filter_status",
        help_text="all (default), paid, unpaid or overdue",
    )
    client = django_filters.ModelChoiceFilter(queryset=_clients, help_text="A client id.")

    class Meta:
        model = Invoice
        fields = ["status", "client"]

    def filter_status(self, queryset, name, value):
        return queryset.in_state(value)
