"""Admin forms of the clients app."""

from __future__ import annotations

import base64

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .branding import LOGO_CONTENT_TYPE, logo_reencode
from .models import ClientBranding


class LogoInput(forms.ClearableFileInput):
    """The stored logo as an inline preview (a ``data:`` image) instead of a link to
    ``MEDIA_URL``, where nothing is served."""

    template_name = "clients/widgets/logo_input.html"
    missing_text = _("(file missing from storage)")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["preview"] = self._preview(value) if self.is_initial(value) else ""
        context["widget"]["missing_text"] = self.missing_text
        return context

    @staticmethod
    def _preview(value) -> str:
        try:
            with value.storage.open(value.name, "rb") as handle:
                data = handle.read()
        except OSError:
            return ""
        return f"data:{LOGO_CONTENT_TYPE};base64,{base64.b64encode(data).decode('ascii')}"


class ClientBrandingForm(forms.ModelForm):
    """Branding on the client's admin page: every upload is validated and re-encoded here
    (the stored file is the clean PNG, never the upload), the colour is normalised."""

    class Meta:
        model = ClientBranding
        fields = ("portal_title", "welcome_text", "accent_color", "logo")
        widgets = {
            "accent_color": forms.TextInput(attrs={"placeholder": "#1f5fbf", "size": 9}),
            "logo": LogoInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        }

    def clean_accent_color(self) -> str:
        return (self.cleaned_data.get("accent_color") or "").strip().lower()

    def clean_portal_title(self) -> str:
        return " ".join((self.cleaned_data.get("portal_title") or "").split())

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if isinstance(logo, UploadedFile):
            return logo_reencode(logo)
        return logo  # unchanged, or False when "clear" was ticked

    def save(self, commit=True):
        old_name = self.initial.get("logo").name if self.initial.get("logo") else ""
        branding = super().save(commit=commit)
        if commit and old_name and old_name != branding.logo.name:
            # Replaced or cleared: the old file goes once the new row is committed.
            storage = branding.logo.storage
            transaction.on_commit(lambda: storage.delete(old_name))
        return branding


class ClientBrandingFormSet(forms.BaseInlineFormSet):
    """The branding inline: deleting the row deletes its logo file too, once committed."""

    def delete_existing(self, obj, commit=True):
        name, storage = obj.logo.name, obj.logo.storage
        super().delete_existing(obj, commit=commit)
        if commit and name:
            transaction.on_commit(lambda: storage.delete(name))
