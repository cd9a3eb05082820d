"""Users, their roles, and the one place that decides which clients a user may see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Project

# The parts of ``get_client_portal_data()`` that apps above this one own: each registers the
# queryset it contributes from its ``AppConfig.ready()`` (tracking: ``time_entries``,
# invoicing: ``invoices``), so accounts never imports them (docs/ARCHITECTURE.md, layers).
PORTAL_DATA_SECTIONS: dict[str, Callable[[Client], QuerySet]] = {}


def register_portal_data(name: str, build: Callable[[Client], QuerySet]) -> None:
    """Add ``name`` to every portal user's ``get_client_portal_data()``: ``build(client)``."""
    PORTAL_DATA_SECTIONS[name] = build


def language_choices():
    """``settings.LANGUAGES``: the languages a user can choose (each in its own name)."""
    return settings.LANGUAGES


class UserManager(DjangoUserManager):
    """Users created in code get their role's flags, group and scope from the one service,
    ``accounts.services.user_apply_role``; a superuser always has role ``admin``."""

    def create_user(self, username, email=None, password=None, **extra_fields):
        if extra_fields.get("is_superuser"):
            extra_fields["role"] = User.Role.ADMIN
        user = super().create_user(username, email, password, **extra_fields)
        return _apply_role(user)

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields["role"] = User.Role.ADMIN
        user = super().create_superuser(username, email, password, **extra_fields)
        return _apply_role(user)

    async def acreate_user(self, username, email=None, password=None, **extra_fields):
        return await sync_to_async(self.create_user)(username, email, password, **extra_fields)

    async def acreate_superuser(self, username, email=None, password=None, **extra_fields):
        return await sync_to_async(self.create_superuser)(username, email, password, **extra_fields)

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
    # Pages and emails in this language; blank follows the browser (and LANGUAGE_CODE for
    # emails). Choices are settings.LANGUAGES through a callable: adding a language needs no
    # migration.
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=language_choices,
        blank=True,
        default="",
        help_text=_("Pages and emails in this language. Empty: the browser's language."),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["role"], name="user_role_idx")]

    @property
    def email_language(self) -> str:
        """The language emails to this user are written in."""
        return self.language or settings.LANGUAGE_CODE

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
        client_ids = self.get_allowed_client_ids()
        if client_ids is None:
            return None
        if not client_ids:
            return set()
        return set(Project.objects.filter(client_id__in=client_ids).values_list("id", flat=True))

    def get_client_portal_data(self) -> dict[str, Any] | None:
        """Lazy querysets of everything the portal shows this user, or ``None`` without access.

        ``client``, its active ``projects``, plus the sections the apps above register
        (``invoices``: portal-visible, ``time_entries``: finished). ``ClientPortalRequiredMixin``
        builds every portal page from this dict.
        """
        if not self.is_client_portal_user:
            return None
        client: Client = self.client
        data: dict[str, Any] = {
            "client": client,
            "projects": Project.objects.for_client(client).active(),
        }
        data.update((name, build(client)) for name, build in PORTAL_DATA_SECTIONS.items())
        return data


def _apply_role(user: User) -> User:
    from .services import user_apply_role  # the services module imports this one

    return user_apply_role(user=user)


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


class ApiTokenQuerySet(models.QuerySet):
    def active(self, *, at=None) -> ApiTokenQuerySet:
        """Tokens that still authenticate: not revoked and not expired (at ``at``, default now)."""
        from django.utils import timezone

        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=at)
        )


class ApiToken(models.Model):
    """A personal access token for the REST API (PRODUCT.md §8).

    Only a SHA-256 hash of the secret is stored; the secret is shown once, when the token
    is created by ``accounts.services.api_token_create``. ``prefix`` (the secret's first 8
    characters) lets people recognise a token in lists.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    PREFIX_LENGTH = 8

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, db_index=True, editable=False)
    token_hash = models.CharField(_("secret hash"), max_length=64, unique=True, editable=False)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=["read", "write"]), name="api_token_scope_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        from django.utils import timezone

        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired

    @property
    def allows_writes(self) -> bool:
        return self.scope == self.Scope.WRITE


class UserSessionQuerySet(models.QuerySet):
    def for_user(self, user) -> UserSessionQuerySet:
        """The sessions of one user, most recently active first."""
        return self.filter(user_id=user.pk).order_by("-last_activity", "-pk")

    def active(self) -> UserSessionQuerySet:
        """Sessions still within the idle timeout and the absolute lifetime."""
        from datetime import timedelta

        from django.utils import timezone

        now = timezone.now()
        return self.filter(
            last_activity__gte=now - timedelta(seconds=settings.SESSION_COOKIE_AGE),
            created_at__gte=now - timedelta(seconds=settings.SESSION_MAX_AGE),
        )


class UserSession(models.Model):
    """One logged-in session of a user, for "your sessions" (PRODUCT.md §11).

    Django's session store cannot be searched by user (and a cached_db store cannot be
    searched at all), so the login records the key here and ``SessionLifetimeMiddleware``
    updates ``last_activity`` when it renews the session (at most once a minute). Logging a
    session out deletes it through the session engine, whichever one is configured.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tracked_sessions")
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("logged in"), auto_now_add=True)
    last_activity = models.DateTimeField(_("last activity"))

    objects = UserSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["user", "last_activity"], name="user_session_activity_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.device}"

    @property
    def device(self) -> str:
        """Browser and system from the user agent, roughly ("Firefox on Windows")."""
        return describe_user_agent(self.user_agent)


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_user_agent(user_agent: str) -> str:
    browser = next((name for key, name in _BROWSERS if key in user_agent), None)
    system = next((name for key, name in _SYSTEMS if key in user_agent), None)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown device")
