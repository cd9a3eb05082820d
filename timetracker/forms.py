"""Form fields shared by the apps' forms."""

from __future__ import annotations

from django import forms


class ProjectChoiceField(forms.ModelChoiceField):
    """A project chooser labelled "Client · Project" (select ``client`` with the queryset)."""

    def label_from_instance(self, obj) -> str:
        return f"{obj.client.name} · {obj.name}"
