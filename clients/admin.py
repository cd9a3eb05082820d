"""Clients and projects in the admin, scoped by ``visible_to``; archive instead of delete."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from timetracker.admin_scope import (
    ArchiveActionsMixin,
    ProtectedDeleteMixin,
    ScopedAdminMixin,
    ScopedInlineMixin,
)

from .models import Client, Project
from .services import client_archive, client_reactivate, project_archive, project_reactivate


class ProjectInline(ScopedInlineMixin, admin.TabularInline):
    model = Project
    fields = ("name", "status", "billable", "hourly_rate", "budget_hours")
    extra = 0
    show_change_link = True


@admin.register(Client)
class ClientAdmin(ArchiveActionsMixin, ProtectedDeleteMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "contact_person",
        "email",
        "currency_code",
        "default_hourly_rate",
        "is_active",
    )
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
    archive_service = staticmethod(client_archive)
    reactivate_service = staticmethod(client_reactivate)

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
class ProjectAdmin(ArchiveActionsMixin, ProtectedDeleteMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "client",
        "status",
        "billable",
        "hourly_rate",
        "budget_hours",
        "updated_at",
    )
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
    archive_service = staticmethod(project_archive)
    reactivate_service = staticmethod(project_reactivate)

    def deletion_blockers(self, objs) -> list[str]:
        # Through the reverse relations (tracking and invoicing sit above this app): one
        # GROUP BY per relation over the selected projects.
        def counts(relation: str) -> dict[int, int]:
            rows = (
                Project.objects.filter(pk__in=[o.pk for o in objs])
                .annotate(n=Count(relation))
                .filter(n__gt=0)
                .values_list("pk", "n")
            )
            return dict(rows)

        entries = counts("time_entries")
        invoices = counts("invoices")
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
