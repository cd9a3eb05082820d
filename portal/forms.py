"""Forms of the portal's few writes."""

from __future__ import annotations

from django import forms

from accounts.models import User


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("notify_invoices", "notify_reminders", "notify_comments")
