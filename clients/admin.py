"""Clients and projects in the admin, scoped by ``visible_to``; archive instead of delete."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from invoicing.models import Invoice
from timetracker.admin_display import money_cell, truncated
from timetracker.admin_scope import ProtectedDeleteMixin, ScopedAdminMixin, ScopedInlineMixin
from tracking.models import TimeEntry

from .models import Client, Project


class ProjectInline(ScopedInlineMixin, admin.TabularInline):
    model = Project
    fields = ("name", "status", "billable", "hourly_rate", "budget_hours")
    extra = 0
    show_change_link = True


@admin.register(Client)
class ClientAdmin(ProtectedDeleteMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("short_name", "contact", "currency_code", "hourly_rate", "is_active")
    list_display_links = ("short_name",)
    list_filter = ("is_active", "currency_code")
    search_fields = ("name", "contact_person", "email")
    ordering = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "is_active", "require_2fa")}),
        (_("Contact"), {"fields": ("contact_person", "email", "phone", "address")}),
        (_("Billing"), {"fields": ("currency_code", "default_hourly_rate")}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = ("created_at", "updated_at")
    inlines = [ProjectInline]
    actions = ["archive", "reactivate"]

    @admin.action(description=_("Archive selected clients"), permissions=["change"])
    def archive(self, request, queryset):
        count = queryset.filter(is_active=True).update(is_active=False)
        self.message_user(
            request,
            ngettext("Archived %(n)d client.", "Archived %(n)d clients.", count) % {"n": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reactivate selected clients"), permissions=["change"])
    def reactivate(self, request, queryset):
        count = queryset.filter(is_active=False).update(is_active=True)
        self.message_user(
            request,
            ngettext("Reactivated %(n)d client.", "Reactivated %(n)d clients.", count)
            % {"n": count},
            messages.SUCCESS,
        )

    @admin.display(description=_("name"), ordering="name")
    def short_name(self, obj: Client) -> str:
        return truncated(obj.name)

    @admin.display(description=_("contact person"), ordering="contact_person")
    def contact(self, obj: Client) -> str:
        return truncated(obj.contact_person, narrow=True)

    @admin.display(description=_("hourly rate"), ordering="default_hourly_rate")
    def hourly_rate(self, obj: Client) -> str:
        return money_cell(obj.default_hourly_rate, obj.currency_code)

    def deletion_blockers(self, objs) -> list[str]:
        rows = Client.objects.filter(pk__in=[o.pk for o in objs]).annotate(
            n_projects=Count("projects", distinct=True),
            n_invoices=Count("invoices", distinct=True),
        )
        return [
            _(
                "%(client)s has %(projects)d project(s) and %(invoices)d invoice(s). "
                "Archive the client instead."
            )
            % {"client": c.name, "projects": c.n_projects, "invoices": c.n_invoices}
            for c in rows
            if c.n_projects or c.n_invoices
        ]


@admin.register(Project)
class ProjectAdmin(ProtectedDeleteMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("short_name", "client_name", "status", "billable", "rate", "budget_hours")
    list_display_links = ("short_name",)
    list_select_related = ("client",)
    list_filter = ("status", "billable", "client")
    search_fields = ("name", "client__name", "description")
    ordering = ("client__name", "name")
    autocomplete_fields = ("client",)
    fieldsets = (
        (None, {"fields": ("client", "name", "description", "status")}),
        (_("Billing"), {"fields": ("billable", "hourly_rate", "budget_hours")}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = ("created_at", "updated_at")
    actions = ["archive", "reactivate"]

    @admin.display(description=_("name"), ordering="name")
    def short_name(self, obj: Project) -> str:
        return truncated(obj.name)

    @admin.display(description=_("client"), ordering="client__name")
    def client_name(self, obj: Project) -> str:
        return truncated(obj.client.name, narrow=True)

    @admin.display(description=_("hourly rate"), ordering="hourly_rate")
    def rate(self, obj: Project) -> str:
        if obj.hourly_rate is None:
            return "–"
        return money_cell(obj.hourly_rate, obj.client.currency_code)

    @admin.action(description=_("Archive selected projects"), permissions=["change"])
    def archive(self, request, queryset):
        count = queryset.exclude(status=Project.Status.ARCHIVED).update(
            status=Project.Status.ARCHIVED
        )
        self.message_user(
            request,
            ngettext("Archived %(n)d project.", "Archived %(n)d projects.", count) % {"n": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reactivate selected projects"), permissions=["change"])
    def reactivate(self, request, queryset):
        count = queryset.exclude(status=Project.Status.ACTIVE).update(status=Project.Status.ACTIVE)
        self.message_user(
            request,
            ngettext("Reactivated %(n)d project.", "Reactivated %(n)d projects.", count)
            % {"n": count},
            messages.SUCCESS,
        )

    def deletion_blockers(self, objs) -> list[str]:
        ids = [o.pk for o in objs]
        entries = dict(
            TimeEntry.objects.filter(project_id__in=ids)
            .values_list("project_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        invoices = dict(
            Invoice.objects.filter(project_id__in=ids)
            .values_list("project_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        return [
            _(
                "%(project)s has %(entries)d time entries and %(invoices)d invoice(s). "
                "Archive the project instead."
            )
            % {
                "project": project,
                "entries": entries.get(project.pk, 0),
                "invoices": invoices.get(project.pk, 0),
            }
            for project in objs
            if project.pk in entries or project.pk in invoices
        ]
