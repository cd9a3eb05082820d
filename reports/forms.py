"""The report's filter form: every choice comes from the requesting user's scope."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Project
from timetracker.dates import this_month
from timetracker.forms import ProjectChoiceField
from tracking.models import TimeEntry

from .report import GROUP_BY_CHOICES, GroupBy

DATE_FORMAT = "%Y-%m-%d"
MIN_YEAR, MAX_YEAR = 1900, 9998


def report_people(user):
    """The people ``user`` may report on: those who worked on something ``user`` may see
    (a subcontractor never learns the name of someone who only worked for other clients)."""
    worked = TimeEntry.objects.visible_to(user).filter(user=OuterRef("pk"))
    return (
        get_user_model()
        .objects.filter(Exists(worked))
        .order_by("first_name", "last_name", "username")
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name


class ReportForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        input_formats=[DATE_FORMAT],
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_FORMAT),
        help_text=_("YYYY-MM-DD, inclusive"),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        input_formats=[DATE_FORMAT],
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_FORMAT),
        help_text=_("YYYY-MM-DD, inclusive"),
    )
    client = forms.ModelChoiceField(
        label=_("Client"), queryset=Client.objects.none(), required=False, empty_label=_("All")
    )
    project = ProjectChoiceField(
        label=_("Project"), queryset=Project.objects.none(), required=False, empty_label=_("All")
    )
    user = UserChoiceField(
        label=_("Person"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("All"),
    )
    group_by = forms.ChoiceField(
        label=_("Group by"), choices=GROUP_BY_CHOICES, required=False, initial=GroupBy.CLIENT
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=[("", "HTML"), ("csv", "CSV")], required=False
    )

    def __init__(self, data, *, user, **kwargs):
        # Unset parameters take their defaults, so the inputs show what the table covers.
        date_from, date_to = this_month()
        defaults = {
            "date_from": date_from.strftime(DATE_FORMAT),
            "date_to": date_to.strftime(DATE_FORMAT),
            "group_by": GroupBy.CLIENT,
        }
        merged = {**defaults, **{key: data.get(key) for key in data if data.get(key) != ""}}
        super().__init__(merged, **kwargs)
        self.fields["client"].queryset = Client.objects.visible_to(user).order_by("name")
        self.fields["project"].queryset = (
            Project.objects.visible_to(user)
            .select_related("client")
            .order_by("client__name", "name")
        )
        self.fields["user"].queryset = report_people(user)

    def _clean_year(self, name):
        value = self.cleaned_data.get(name)
        # Day bounds are computed as aware datetimes; keep far-off years from overflowing.
        if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise forms.ValidationError(
                _("Choose a date between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR}
            )
        return value

    def clean_date_from(self):
        return self._clean_year("date_from")

    def clean_date_to(self):
        return self._clean_year("date_to")

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned
