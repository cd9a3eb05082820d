"""Clients (customer companies) and their projects."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Max, Q, Sum, Window
from django.db.models.functions import Coalesce, Length, Lower
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from clients import branding
from clients.visibility import PortalVisibility
from timetracker.scoping import ScopedQuerySet, currency_validator, default_currency


class ClientQuerySet(ScopedQuerySet):
    client_lookup = "pk"

    def active(self) -> ClientQuerySet:
        """Clients that are not archived."""
        return self.filter(is_active=True)


class Client(models.Model):
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    contact_person = models.CharField(_("contact person"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    address = models.TextField(_("address"), blank=True)
    currency_code = models.CharField(
        _("currency"), max_length=3, default=default_currency, validators=[currency_validator]
    )
    default_hourly_rate = models.DecimalField(
        _("default hourly rate"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    is_active = models.BooleanField(_("active"), default=True)
    # PRODUCT.md §11: this client's portal users must enrol in two-factor login first.
    require_2fa = models.BooleanField(_("require two-factor login"), default=False)
    # PRODUCT.md §10: what this client's portal users may see. When off, the data is left out
    # of every output (pages, CSV, PDF, API, emails); ``visibility`` is the one place to ask.
    portal_show_notes = models.BooleanField(_("show entry notes in the portal"), default=True)
    portal_show_team_names = models.BooleanField(
        _("show team members' names in the portal"),
        default=True,
        help_text=_('When off, the portal says "Team member" instead of a name.'),
    )
    portal_show_budget = models.BooleanField(_("show project budgets in the portal"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="client_name_ci_unique",
                violation_error_message=_("A client with this name already exists."),
            ),
            models.CheckConstraint(
                condition=models.Q(default_hourly_rate__gte=0)
                | models.Q(default_hourly_rate__isnull=True),
                name="client_rate_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def visibility(self) -> PortalVisibility:
        """What the portal, its CSV, PDF, API and emails may show this client's users."""
        return PortalVisibility.for_client(self)


class ProjectQuerySet(ScopedQuerySet):
    client_lookup = "client_id"

    def active(self) -> ProjectQuerySet:
        """Projects with status ``active``."""
        return self.filter(status=Project.Status.ACTIVE)

    def with_hours(self, *, period=None) -> ProjectQuerySet:
        """Annotate figures over each project's finished time entries (one GROUP BY query).

        ``total_seconds``, ``billable_seconds``, ``last_entry_at`` (start of the newest entry)
        and, when ``period`` is an aware ``(start, end)`` pair, ``period_seconds`` for entries
        starting in ``[start, end)``.
        """
        finished = Q(time_entries__end_time__isnull=False)
        seconds = "time_entries__duration_seconds"
        annotations = {
            "total_seconds": Coalesce(Sum(seconds, filter=finished), 0),
            "billable_seconds": Coalesce(
                Sum(seconds, filter=finished & Q(time_entries__billable=True)), 0
            ),
            "last_entry_at": Max("time_entries__start_time", filter=finished),
        }
        if period is not None:
            in_period = Q(
                time_entries__start_time__gte=period[0], time_entries__start_time__lt=period[1]
            )
            annotations["period_seconds"] = Coalesce(Sum(seconds, filter=finished & in_period), 0)
        return self.annotate(**annotations)

    def with_total_count(self) -> ProjectQuerySet:
        """Annotate ``total_count``, the size of the whole queryset (a window function), so a
        sliced list also knows the full count in the same query."""
        return self.annotate(total_count=Window(Count("pk")))


class Project(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        ARCHIVED = "archived", _("Archived")

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    billable = models.BooleanField(_("billable"), default=True)
    hourly_rate = models.DecimalField(
        _("hourly rate"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Leave empty to use the client's default rate."),
        validators=[MinValueValidator(Decimal("0"))],
    )
    budget_hours = models.DecimalField(
        _("budget (hours)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            # Target of time entries' composite foreign key (project, client): it keeps
            # TimeEntry.client, a denormalized copy, equal to its project's client.
            models.UniqueConstraint(fields=["id", "client"], name="project_id_client_unique"),
            models.UniqueConstraint(
                fields=["client", "name"],
                name="project_name_unique_per_client",
                violation_error_message=_("This client already has a project with this name."),
            ),
            models.CheckConstraint(
                condition=models.Q(hourly_rate__gte=0) | models.Q(hourly_rate__isnull=True),
                name="project_rate_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["client", "status", "name"], name="project_client_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def effective_hourly_rate(self) -> Decimal | None:
        """The project's rate, else the client's default rate."""
        if self.hourly_rate is not None:
            return self.hourly_rate
        return self.client.default_hourly_rate


class ClientBranding(models.Model):
    """A client's look in the portal, on its invoice PDFs and in its emails (PRODUCT.md §10).

    Plain values only: a logo re-encoded by ``clients.branding.logo_reencode`` (stored
    under a random name, served by the portal to that client's users alone), a hex colour
    checked for contrast, and plain text escaped wherever it is shown. No CSS or HTML.
    """

    client = models.OneToOneField(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="branding"
    )
    logo = models.FileField(
        _("logo"),
        upload_to=branding.logo_upload_to,
        max_length=200,
        blank=True,
        help_text=_("PNG, JPEG or WebP, at most 1 MB and 4,000 px per side. Stored as PNG."),
    )
    accent_color = models.CharField(
        _("accent colour"),
        max_length=7,
        blank=True,
        validators=[branding.validate_accent_color],
        help_text=_(
            "Hex, for example #1f5fbf; needs 4.5:1 contrast against white. "
            "Empty: the portal's own blue."
        ),
    )
    portal_title = models.CharField(
        _("portal title"),
        max_length=branding.MAX_TITLE_LENGTH,
        blank=True,
        help_text=_('Shown in the portal header instead of "Client Portal". Plain text.'),
    )
    welcome_text = models.TextField(
        _("welcome text"),
        max_length=branding.MAX_WELCOME_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(branding.MAX_WELCOME_LENGTH)],
        help_text=_("Shown on the portal dashboard. Plain text; line breaks are kept."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("branding")
        verbose_name_plural = _("branding")
        constraints = [
            models.CheckConstraint(
                condition=Q(accent_color="") | Q(accent_color__regex=branding.HEX_COLOR_PATTERN),
                name="client_branding_accent_hex",
            ),
            models.CheckConstraint(
                condition=Q(LessThanOrEqual(Length("portal_title"), branding.MAX_TITLE_LENGTH))
                & Q(LessThanOrEqual(Length("welcome_text"), branding.MAX_WELCOME_LENGTH)),
                name="client_branding_text_lengths",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Branding"))

    @property
    def accent(self) -> str:
        """The accent colour to use: the client's, else the portal's default."""
        return self.accent_color.lower() or branding.DEFAULT_ACCENT

    @property
    def accent_dark(self) -> str:
        """A darker shade for text on the light tint (more contrast than the accent)."""
        return branding.mix(self.accent, "#000000", 0.8)

    @property
    def accent_soft(self) -> str:
        """A light tint of the accent for backgrounds."""
        return branding.mix(self.accent, "#ffffff", 0.1)


def branding_of(client: Client) -> ClientBranding | None:
    """The client's branding, or ``None``. No query when it was loaded with the client
    (``select_related("client__branding")``, as the auth backend does for portal users)."""
    try:
        return client.branding
    except ClientBranding.DoesNotExist:
        return None
