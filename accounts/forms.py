"""Admin forms for users (role, Client Portal access, subcontractor assignments, §4.1) and
the password reset form that also reaches invitees who never chose a password."""

from __future__ import annotations

import unicodedata

from django import forms
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth.forms import AdminUserCreationForm, PasswordResetForm, UserChangeForm
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from clients.models import Client

from .models import User


class UserAccessFormMixin(forms.Form):
    """Shared by the add and change forms; the admin sets ``current_user`` on the class."""

    assigned_clients = forms.ModelMultipleChoiceField(
        label=_("Assigned clients"),
        queryset=Client.objects.all(),
        required=False,
        widget=FilteredSelectMultiple(_("clients"), is_stacked=False),
        help_text=_("Subcontractors see only these clients and their projects."),
    )

    current_user: User | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "client" in self.fields:
            # Active clients only, but keep an archived client that is already chosen valid.
            current = Q(pk=self.instance.client_id) if self.instance.client_id else Q(pk=None)
            self.fields["client"].queryset = Client.objects.filter(Q(is_active=True) | current)
            self.fields["client"].help_text = _("The client whose portal this user sees.")
        if self.instance.pk and "assigned_clients" in self.fields:
            assigned = self.instance.assigned_clients.values_list("pk", flat=True)
            self.initial.setdefault("assigned_clients", list(assigned))

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role", self.instance.role)
        self._clean_role(role, cleaned)
        self._clean_portal(cleaned)
        if role != User.Role.SUBCONTRACTOR and "assigned_clients" in cleaned:
            # Assignments only mean something for subcontractors; saving clears them.
            cleaned["assigned_clients"] = Client.objects.none()
        return cleaned

    def _clean_role(self, role, cleaned) -> None:
        me = self.current_user
        if me is not None and self.instance.pk == me.pk and role != User.Role.ADMIN:
            self.add_error("role", _("You cannot remove your own admin role."))
        # What follows from the role (admin ⇔ superuser, staff, group, assignments) is set
        # when the admin saves, by accounts.services.user_apply_role (UserAdmin.save_related).

    def _clean_portal(self, cleaned) -> None:
        if "client_portal_enabled" not in self.fields:
            return
        if (
            cleaned.get("client_portal_enabled")
            and cleaned.get("client") is None
            and "client" not in self.errors
        ):
            self.add_error(
                "client",
                _("Choose the client this user belongs to, or switch portal access off."),
            )
        # Access switched off drops the client on save (accounts.services.user_apply_role).


class UserAdminChangeForm(UserAccessFormMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class UserAdminCreationForm(UserAccessFormMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)


class AccountPasswordResetForm(PasswordResetForm):
    """Django's reset form, which also mails active users whose password is unusable.

    Django skips them (an unusable password usually means "logs in elsewhere"); here it
    means a portal invitee who has not chosen a password yet, and whose invitation link
    expired. The link is the same one-time reset link; the email tells them to choose a
    password rather than reset one. The page after submitting is the same whether or not
    an account matched, so the form reveals nothing about which addresses exist.
    """

    def get_users(self, email):
        email_field = User.get_email_field_name()
        users = User._default_manager.filter(**{f"{email_field}__iexact": email, "is_active": True})
        # Django's own check: iexact in the database, then a Unicode-aware comparison.
        wanted = _casefold(email)
        return (user for user in users if _casefold(getattr(user, email_field)) == wanted)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        """In the account's saved language; without one, the language of the page it was
        requested from (most likely the account holder's browser)."""
        language = context["user"].language or translation.get_language()
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


def _casefold(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold()


class TwoFactorCodeForm(forms.Form):
    """A six-digit code from the authenticator app, or one of the backup codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        help_text=_("From your authenticator app, or one of your backup codes."),
    )
