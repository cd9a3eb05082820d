"""The portal's filters (§3.5 invoice status, §3.6 time entries), applied to an already
scoped queryset (``ClientPortalRequiredMixin.filterset_class``)."""

from __future__ import annotations

import copy
import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ValidationError
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


class TimeEntryFilterForm(forms.Form):
    def full_clean(self):
        super().full_clean()
        # Tie each error message to its input for screen readers (see the template's ids).
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"{self[name].auto_id}-error"

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
    view as ``(id, name, status)`` rows (``project_choices_rows``), so validating and
    rendering the form need no further query and no model instances.
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
            for pk, name, status in projects
        ]

    @staticmethod
    def project_choices_rows(client):
        """The ``projects`` argument: the client's projects by name, as plain rows."""
        return list(
            Project.objects.for_client(client).order_by("name").values_list("id", "name", "status")
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
