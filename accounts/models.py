"""Users, their roles, and the one place that decides which clients a user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from clients.models import Client


class UserManager(DjangoUserManager):
    """Keeps ``role="admin"`` and ``is_superuser`` in step for users created in code."""

    # _create_user_object is shared by the sync and async paths. create_user() has already
    # set is_superuser=False by now, so role admin must overwrite it, not setdefault.
    def _create_user_object(self, username, email, password, **extra_fields):
        if extra_fields.get("is_superuser"):
            extra_fields["role"] = User.Role.ADMIN
        elif extra_fields.get("role") == User.Role.ADMIN:
            extra_fields["is_superuser"] = True
            extra_fields["is_staff"] = True
        elif extra_fields.get("role") == User.Role.SUBCONTRACTOR:
            # Subcontractors work in the admin, which only lets staff in.
            extra_fields["is_staff"] = True
        return super()._create_user_object(username, email, password, **extra_fields)

    def portal_users(self):
        """Users who can log in to the Client Portal."""
        return self.filter(client_portal_enabled=True, client__isnull=False)


class User(AbstractUser):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        USER = "user", _("User")
        SUBCONTRACTOR = "subcontractor", _("Subcontractor")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.USER)
    client_portal_enabled = models.BooleanField(_("client portal enabled"), default=False)
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("portal client"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="portal_users",
    )
    assigned_clients = models.ManyToManyField(
        "clients.Client",
        verbose_name=_("assigned clients"),
        through="accounts.UserClient",
        related_name="assigned_users",
        blank=True,
    )
    # Email notifications the user has opted into (§9); the portal's settings page edits them.
    notify_invoices = models.BooleanField(_("email me new invoices"), default=True)
    notify_reminders = models.BooleanField(_("email me payment reminders"), default=True)
    notify_comments = models.BooleanField(_("email me new comments"), default=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["role"], name="user_role_idx")]

    @property
    def is_client_portal_user(self) -> bool:
        return bool(self.client_portal_enabled and self.client_id is not None)

    @property
    def is_scope_restricted(self) -> bool:
        return self.role == self.Role.SUBCONTRACTOR and not self.is_superuser

    @property
    def display_name(self) -> str:
        """What other people see for this user: full name, else username."""
        return self.get_full_name() or self.username

    def get_allowed_client_ids(self) -> set[int] | None:
        """The ids of the clients this user may see; ``None`` means no restriction.

        Restriction is the default: only superusers and non-subcontractor staff are
        unrestricted, and a new kind of user sees nothing until granted.
        """
        if self.is_superuser:
            return None
        if self.is_scope_restricted:
            return set(
                UserClient.objects.filter(user_id=self.pk).values_list("client_id", flat=True)
            )
        if self.is_staff:
            return None
        if self.is_client_portal_user:
            return {self.client_id}
        return set()

    def get_allowed_project_ids(self) -> set[int] | None:
        """The ids of every project (any status) of the allowed clients; ``None`` = all."""
        from clients.models import Project

        client_ids = self.get_allowed_client_ids()
        if client_ids is None:
            return None
        if not client_ids:
            return set()
        return set(Project.objects.filter(client_id__in=client_ids).values_list("id", flat=True))

    def get_client_portal_data(self) -> dict[str, Any] | None:
        """Lazy querysets of everything the portal shows this user, or ``None`` without access."""
        if not self.is_client_portal_user:
            return None
        from clients.models import Project
        from invoicing.models import Invoice
        from tracking.models import TimeEntry

        client: Client = self.client
        return {
            "client": client,
            "projects": Project.objects.for_client(client).active(),
            "invoices": Invoice.objects.for_client(client).portal_visible(),
            "time_entries": TimeEntry.objects.for_client(client).finished(),
        }


class UserClient(models.Model):
    """A subcontractor's assignment to one client."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="client_assignments")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="user_assignments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "user_clients"
        verbose_name = _("client assignment")
        verbose_name_plural = _("client assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "client"], name="user_client_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.client}"
