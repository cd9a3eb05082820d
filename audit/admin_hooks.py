"""What audit adds to other apps' admin pages, from here: invoicing must not import audit."""

from __future__ import annotations

from django.contrib import admin
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from invoicing.models import Invoice

from .models import AuditEvent


class FirstViewedInvoiceAdminMixin:
    """Adds "first viewed by the client" to an issued invoice's admin page."""

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "first_viewed_by_client")

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and obj.pk is not None:
            fieldsets.append(
                (gettext_lazy("Client Portal"), {"fields": ("first_viewed_by_client",)})
            )
        return fieldsets

    @admin.display(description=gettext_lazy("first viewed by the client"))
    def first_viewed_by_client(self, obj) -> str:
        if obj is None or obj.pk is None:
            return ""
        event = AuditEvent.objects.invoice_views(obj).select_related("actor").first()
        if event is None:
            return _("Not viewed in the portal yet")
        when = formats.date_format(timezone.localtime(event.created_at), "DATETIME_FORMAT")
        if event.actor_id:
            return _("First viewed by the client at %(when)s (%(who)s)") % {
                "when": when,
                "who": event.actor.display_name,
            }
        return _("First viewed by the client at %(when)s") % {"when": when}


def install(site=admin.site) -> None:
    """Re-register the invoice admin with the audit fields (called from AuditConfig.ready)."""
    model_admin = site._registry.get(Invoice)
    if model_admin is None or isinstance(model_admin, FirstViewedInvoiceAdminMixin):
        return
    base = type(model_admin)
    audited = type(
        base.__name__, (FirstViewedInvoiceAdminMixin, base), {"__module__": base.__module__}
    )
    site.unregister(Invoice)
    site.register(Invoice, audited)
