"""The audit trail (PRODUCT.md §11): who did or saw what, when, from where."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from timetracker.scoping import ScopedQuerySet


class AuditEventQuerySet(ScopedQuerySet):
    client_lookup = "client_id"

    def for_object(self, obj) -> AuditEventQuerySet:
        """Events about one row (any model)."""
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))

    def invoice_views(self, invoice) -> AuditEventQuerySet:
        """The portal's "invoice viewed" events of ``invoice``, earliest first."""
        return (
            self.for_object(invoice)
            .filter(action=AuditEvent.Action.INVOICE_VIEWED)
            .order_by("created_at", "pk")
        )

    def older_than(self, cutoff) -> AuditEventQuerySet:
        """Events created before ``cutoff`` (a datetime): what pruning deletes."""
        return self.filter(created_at__lt=cutoff)


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        LOGIN_SUCCEEDED = "login_succeeded", _("Login succeeded")
        LOGIN_FAILED = "login_failed", _("Login failed")
        LOCKED_OUT = "locked_out", _("Locked out")
        INVOICE_VIEWED = "invoice_viewed", _("Invoice viewed")
        PDF_DOWNLOADED = "pdf_downloaded", _("PDF downloaded")
        CSV_EXPORTED = "csv_exported", _("CSV exported")
        TOKEN_CREATED = "token_created", _("Token created")
        TOKEN_REVOKED = "token_revoked", _("Token revoked")
        PORTAL_ACCESS_GRANTED = "portal_access_granted", _("Portal access granted")
        PORTAL_ACCESS_REVOKED = "portal_access_revoked", _("Portal access revoked")
        TWO_FACTOR_ENROLLED = "2fa_enrolled", _("Two-factor enrolled")
        TWO_FACTOR_DISABLED = "2fa_disabled", _("Two-factor disabled")
        TWO_FACTOR_RESET = "2fa_reset", _("Two-factor reset")
        TWO_FACTOR_FAILED = "2fa_failed", _("Two-factor code refused")
        SESSIONS_REVOKED = "sessions_revoked", _("Other sessions logged out")

    # SET_NULL, not PROTECT: the trail must outlive the account (a deleted user's logins stay
    # on record), and a login must never make a user undeletable. Billing history itself is
    # protected on the invoicing side.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The admin's filters: by action, by client, both over time.
            models.Index(fields=["action", "created_at"], name="audit_action_created_idx"),
            models.Index(fields=["client", "created_at"], name="audit_client_created_idx"),
            # "First viewed by the client" on the invoice page.
            models.Index(
                fields=["object_type", "object_id", "action", "created_at"],
                name="audit_object_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.created_at:%Y-%m-%d %H:%M}"
