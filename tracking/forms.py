"""Forms for time entries in the admin and for the timer page."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clients.models import Project
from timetracker.forms import ProjectChoiceField

from .models import TimeEntry


class TimeEntryAdminForm(forms.ModelForm):
    """The admin's time-entry form; ``request_user`` is set on the class by the admin.

    When the ``user`` field is not on the form (subcontractors), new entries belong to the
    person saving them.
    """

    request_user = None

    class Meta:
        model = TimeEntry
        fields = ("user", "project", "start_time", "end_time", "billable", "notes")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" not in self.fields and self.instance.pk is None:
            self.instance.user = self.request_user
        if "user" in self.fields:
            # People who track time are active staff; keep a former colleague valid on
            # their old entries.
            who = Q(is_staff=True, is_active=True)
            if self.instance.user_id:
                who |= Q(pk=self.instance.user_id)
            self.fields["user"].queryset = get_user_model().objects.filter(who).order_by("username")

    def clean(self):
        cleaned = super().clean()
        if "user" not in self.fields and cleaned.get("end_time") is None:
            # With ``user`` off the form Django skips the one-running-entry constraint check;
            # the database would still refuse, so say it here instead of failing on save.
            running = TimeEntry.objects.running_for(self.instance.user)
            if self.instance.pk:
                running = running.exclude(pk=self.instance.pk)
            if running.exists():
                self.add_error(
                    "end_time",
                    _("You already have a running timer: enter an end time or stop it first."),
                )
        return cleaned


class TimerStartForm(forms.Form):
    """Start a timer on one of the active projects in the user's scope."""

    project = ProjectChoiceField(label=_("Project"), queryset=Project.objects.none())
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = (
            Project.objects.visible_to(user)
            .active()
            .select_related("client")
            .order_by("client__name", "name")
        )
