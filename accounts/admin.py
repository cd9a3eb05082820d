"""Users in the admin (§4.1): only admins (superusers) see or change them."""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from timetracker.admin_display import truncated
from timetracker.admin_scope import (
    ProtectedDeleteMixin,
    SafeLookupsMixin,
    ScopedRelatedFieldListFilter,
)

from .forms import UserAdminChangeForm, UserAdminCreationForm
from .models import ApiToken, User
from .services import (
    api_token_create,
    api_token_revoke,
    user_apply_role,
    user_send_portal_invitation,
)
from .signals import portal_access_changed
from .two_factor import two_factor_reset

# Devices are managed from the user (reset action) and by the users themselves; django-otp's
# own device admins would show any user's TOTP secret as a QR code.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)

# django-axes' admins (the "Security" section), with our lookups: a hostile date-hierarchy
# year or an empty ``_to_field`` is Django's "incorrect lookup" answer, not a 500.
for _axes_model, _axes_admin in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    if admin.site.is_registered(_axes_model):
        admin.site.unregister(_axes_model)
        admin.site.register(
            _axes_model, type(_axes_admin.__name__, (SafeLookupsMixin, _axes_admin), {})
        )

admin.site.site_header = _("Timetracker administration")
admin.site.site_title = _("Timetracker admin")
admin.site.index_title = _("Back office")


class PortalAccessFilter(admin.SimpleListFilter):
    title = _("portal access")
    parameter_name = "portal"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(client_portal_enabled=True, client__isnull=False)
        if self.value() == "no":
            return queryset.exclude(client_portal_enabled=True, client__isnull=False)
        return queryset


@admin.register(User)
class UserAdmin(SafeLookupsMixin, ProtectedDeleteMixin, DjangoUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    # Narrow enough for 1280 px with the sidebar open: the e-mail is searchable, not shown.
    list_display = ("username", "full_name", "role_label", "is_active", "portal_badge")
    list_display_links = ("username",)
    list_select_related = ("client",)
    list_filter = (
        "role",
        PortalAccessFilter,
        ("client", ScopedRelatedFieldListFilter),
        "is_active",
        "is_staff",
        "groups",
    )
    search_fields = ("username", "first_name", "last_name", "email")
    ordering = ("username",)
    filter_horizontal = ("groups", "user_permissions")
    actions = ["send_portal_invitation", "reset_two_factor"]
    _portal_fieldset = (
        _("Client Portal Access"),
        {"fields": ("client_portal_enabled", "client")},
    )
    _assigned_fieldset = (
        _("Assigned Clients (Subcontractor)"),
        {
            "classes": ("assigned-clients",),
            "fields": ("assigned_clients",),
            "description": _("Only used when the role is subcontractor."),
        },
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "language")}),
        (_("Role and access"), {"fields": ("role", "is_active", "is_staff")}),
        _portal_fieldset,
        (
            _("Permissions"),
            {"classes": ("collapse",), "fields": ("groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Role and access"), {"fields": ("role",)}),
        _portal_fieldset,
    )
    readonly_fields = ("last_login", "date_joined")

    class Media:
        js = ("admin/js/user_role.js",)

    # Only admins manage users: staff and subcontractors never reach these pages.
    def _is_admin(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_add_permission(self, request):
        return self._is_admin(request)

    def has_change_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_admin(request)

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj: User) -> str:
        return truncated(obj.get_full_name())

    @admin.display(description=_("role"), ordering="role")
    def role_label(self, obj: User) -> str:
        """admin, staff, subcontractor or client user: what the account is for."""
        if obj.is_superuser or obj.role == User.Role.ADMIN:
            return _("admin")
        if obj.role == User.Role.SUBCONTRACTOR:
            return _("subcontractor")
        if obj.is_staff:
            return _("staff")
        if obj.client_id and obj.client_portal_enabled:
            return _("client user")
        return _("no access")

    @admin.display(description=_("Portal"), ordering="client__name")
    def portal_badge(self, obj: User) -> str:
        if not obj.is_client_portal_user:
            return ""
        return format_html(
            '<span class="truncate" title="{}"><span class="portal-badge">{}</span></span>',
            obj.client.name,
            obj.client.name,
        )

    def get_fieldsets(self, request, obj=None):
        # Added here, not in ``fieldsets``: the admin's checks refuse an M2M with a through
        # model there, although the form declares and saves the field itself.
        fieldsets = list(super().get_fieldsets(request, obj))
        at = fieldsets.index(self._portal_fieldset) + 1
        return [*fieldsets[:at], self._assigned_fieldset, *fieldsets[at:]]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        # The portal client is picked, not managed from here: no add/change/delete/view
        # icons beside the select (a delete ✖ there would delete the whole client).
        if db_field.name == "client" and isinstance(field.widget, RelatedFieldWidgetWrapper):
            widget = field.widget
            widget.can_add_related = widget.can_change_related = False
            widget.can_delete_related = widget.can_view_related = False
        return field

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # The form refuses to let an admin drop their own admin role.
        return type(form.__name__, (form,), {"current_user": request.user})

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = user_apply_role(user=form.instance)
        initial = form.initial if change else {}
        before = initial.get("client") if initial.get("client_portal_enabled") else None
        after = user.client_id if user.is_client_portal_user else None
        if before != after:
            if before is not None:
                portal_access_changed.send(
                    sender=User, user=user, granted=False, client=before, request=request
                )
            if after is not None:
                portal_access_changed.send(
                    sender=User, user=user, granted=True, client=after, request=request
                )

    def deletion_blockers(self, objs) -> list[str]:
        return [
            _("%(user)s has time entries; deactivate the account instead.") % {"user": user}
            for user in User.objects.filter(pk__in=[o.pk for o in objs], time_entries__isnull=False)
            .distinct()
            .order_by("username")
        ]

    def get_urls(self):
        return [
            path(
                "<id>/invite/",
                self.admin_site.admin_view(self.invite_view),
                name="accounts_user_invite",
            ),
            *super().get_urls(),
        ]

    def _invite(self, request, user: User) -> bool:
        try:
            user_send_portal_invitation(user=user, request=request)
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return False
        return True

    @admin.action(description=_("Send portal invitation"), permissions=["change"])
    def send_portal_invitation(self, request, queryset):
        sent = sum(self._invite(request, user) for user in queryset.select_related("client"))
        if sent:
            self.message_user(
                request,
                ngettext("Sent %(n)d portal invitation.", "Sent %(n)d portal invitations.", sent)
                % {"n": sent},
                messages.SUCCESS,
            )

    @admin.action(description=_("Reset two-factor login"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        """For a user who lost their phone: removes every device; they enrol again."""
        users = list(queryset)
        for user in users:
            two_factor_reset(user=user, actor=request.user, request=request)
        self.message_user(
            request,
            ngettext(
                "Reset two-factor login of %(n)d user.",
                "Reset two-factor login of %(n)d users.",
                len(users),
            )
            % {"n": len(users)},
            messages.SUCCESS,
        )

    def invite_view(self, request, id):
        """POST: send the invitation from the button on the user's change page."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        user = self.get_object(request, id)
        if user is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, id)
        if self._invite(request, user):
            self.message_user(
                request,
                _("Portal invitation sent to %(email)s.") % {"email": user.email},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))


class ApiTokenAddForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "name", "scope", "expires_at"]

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user") or getattr(self, "request_user", None)
        if user is not None and not user.is_staff and cleaned.get("scope") != ApiToken.Scope.READ:
            self.add_error("scope", _("Client users can only have read-only tokens."))
        return cleaned


@admin.register(ApiToken)
class ApiTokenAdmin(SafeLookupsMixin, admin.ModelAdmin):
    """Personal access tokens (§8): admins manage everyone's, other staff only their own.

    Tokens never change after creation; the secret is shown once, in the message after
    "Save", and only its hash is stored. Revoking is an action (kept for the record).
    """

    form = ApiTokenAddForm
    list_display = (
        "name",
        "user",
        "prefix",
        "scope",
        "state",
        "created_at",
        "expires_at",
        "last_used_at",
    )
    list_select_related = ("user",)
    list_filter = ("scope",)
    search_fields = ("name", "prefix")
    actions = ["revoke_tokens"]
    autocomplete_fields = ("user",)
    shown_fields = (
        "user",
        "name",
        "prefix",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )

    def _is_staff(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def _owns(self, request, obj) -> bool:
        return obj is None or request.user.is_superuser or obj.user_id == request.user.pk

    def get_queryset(self, request):
        tokens = super().get_queryset(request)
        # Tokens belong to people, not clients: everyone but an admin sees only their own.
        return tokens if request.user.is_superuser else tokens.filter(user=request.user)

    def has_module_permission(self, request):
        return self._is_staff(request)

    def has_view_permission(self, request, obj=None):
        return self._is_staff(request) and self._owns(request, obj)

    def has_add_permission(self, request):
        return self._is_staff(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self._is_staff(request) and request.user.is_superuser

    def has_revoke_permission(self, request):
        return self._is_staff(request)

    def get_fields(self, request, obj=None):
        if obj is not None:
            return self.shown_fields
        if request.user.is_superuser:
            return ("user", "name", "scope", "expires_at")
        return ("name", "scope", "expires_at")

    def get_readonly_fields(self, request, obj=None):
        return self.shown_fields if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"request_user": request.user})

    @admin.display(description=_("state"))
    def state(self, obj: ApiToken) -> str:
        if obj.is_revoked:
            return _("revoked")
        if obj.is_expired:
            return _("expired")
        return _("active")

    def save_model(self, request, obj, form, change):
        if change:  # tokens are immutable; the change page is read-only
            return
        user = form.cleaned_data.get("user") if request.user.is_superuser else request.user
        token, secret = api_token_create(
            user=user or request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_at=form.cleaned_data.get("expires_at"),
            actor=request.user,
            request=request,
        )
        # The admin goes on with ``obj`` (log entry, redirect): make it the saved row.
        for name in ("pk", "user", "prefix", "token_hash", "created_at"):
            setattr(obj, name, getattr(token, name))
        obj._state.adding = False
        self.message_user(
            request,
            format_html(
                _("Token secret (shown only this once, copy it now): {}"),
                format_html('<code class="api-token-secret">{}</code>', secret),
            ),
            messages.WARNING,
        )

    @admin.action(description=_("Revoke selected tokens"), permissions=["revoke"])
    def revoke_tokens(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(token=token, actor=request.user, request=request)
        self.message_user(
            request,
            ngettext("Revoked %(n)d token.", "Revoked %(n)d tokens.", len(tokens))
            % {"n": len(tokens)},
            messages.SUCCESS,
        )
