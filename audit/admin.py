"""The audit trail in the admin: read-only for everyone, scoped like every other model."""

from __future__ import annotations

from django.contrib import admin

from timetracker.admin_scope import ScopedAdminMixin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "action", "actor", "client", "object_type", "object_id", "ip")
    list_select_related = ("actor", "client")
    list_filter = ("action", "created_at", "client")
    search_fields = ("actor__username", "object_id", "ip")
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = (
        "created_at",
        "action",
        "actor",
        "client",
        "object_type",
        "object_id",
        "ip",
        "user_agent",
    )
    readonly_fields = fields

    # The trail is written by audit_record() alone: nobody adds, edits or deletes a row here
    # (pruning is the prune_audit_events command's job).
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
