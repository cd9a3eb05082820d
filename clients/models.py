"""Clients (customer companies) and their projects."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Length, Lower
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from clients import branding
from clients.visibility import PortalVisibility
from timetracker.deliveries import DeliveryRecord
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

    def with_latest_update(self) -> ProjectQuerySet:
        """Annotate each project's newest published status update: ``latest_update_status``,
        ``latest_update_title`` and ``latest_update_at`` (correlated subqueries, so the
        list stays one query; all ``None`` without a published update)."""
        newest = (
            ProjectUpdate.objects.published()
            .filter(project=OuterRef("pk"))
            .order_by("-published_at", "-id")
        )
        return self.annotate(
            latest_update_status=Subquery(newest.values("status")[:1]),
            latest_update_title=Subquery(newest.values("title")[:1]),
            latest_update_at=Subquery(newest.values("published_at")[:1]),
        )

    def with_total_count(self) -> ProjectQuerySet:
        """Annotate ``total_count``, the size of the whole queryset, so a sliced list also
        knows the full count in the same query.

        An uncorrelated ``COUNT(*)`` subquery over the same filters (evaluated once; an
        index-only count of the client's active projects), not a window: ``COUNT(*) OVER ()``
        read every matching row in full before the slice (2,000 projects at XL for the
        dashboard's five). ``Func`` rather than ``Count`` so Django adds no ``GROUP BY``.
        """
        counted = self.order_by().annotate(
            n=Func(Value(1), function="COUNT", output_field=models.BigIntegerField())
        )
        return self.annotate(total_count=Subquery(counted.values("n")))


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
        indexes = [
            models.Index(fields=["client", "status", "name"], name="project_client_status"),
            # The staff report by client joins a month's project rows (15,542 at XL) to their
            # client and rate: an index-only scan instead of reading the whole table
            # (PostgreSQL; SQLite does not build covering indexes).
            models.Index(
                fields=["id"], include=["client", "hourly_rate"], name="project_client_rate"
            ),
        ]

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


class ProjectUpdateQuerySet(ScopedQuerySet):
    client_lookup = "project__client_id"

    def published(self) -> ProjectUpdateQuerySet:
        """Updates with a ``published_at`` (drafts have none): what the portal shows."""
        return self.filter(published_at__isnull=False)

    def drafts(self) -> ProjectUpdateQuerySet:
        """Unpublished updates (staff only)."""
        return self.filter(published_at__isnull=True)

    def newest_first(self) -> ProjectUpdateQuerySet:
        return self.order_by("-published_at", "-id")


class ProjectUpdate(models.Model):
    """A status update on a project written by staff (PRODUCT.md §10); ``published_at``
    empty means a draft, which the portal never shows."""

    class Status(models.TextChoices):
        ON_TRACK = "on_track", _("On track")
        AT_RISK = "at_risk", _("At risk")
        OFF_TRACK = "off_track", _("Off track")
        DONE = "done", _("Done")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="updates"
    )
    # SET_NULL: removing a user keeps the project's history (the update shows no author).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="project_updates",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ON_TRACK
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, max_length=10_000)
    percent_complete = models.PositiveSmallIntegerField(
        _("percent complete"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    published_at = models.DateTimeField(
        _("published"),
        null=True,
        blank=True,
        help_text=_("Leave empty to keep the update as a draft the client does not see."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ProjectUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("project status update")
        verbose_name_plural = _("project status updates")
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_complete__isnull=True)
                | Q(percent_complete__gte=0, percent_complete__lte=100),
                name="project_update_percent_range",
                violation_error_message=_("Percent complete must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["on_track", "at_risk", "off_track", "done"]),
                name="project_update_status_valid",
            ),
        ]
        indexes = [
            # The portal's timeline and the dashboard's "latest per project".
            models.Index(
                F("project"),
                F("published_at").desc(),
                F("id").desc(),
                condition=Q(published_at__isnull=False),
                name="project_update_published",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProjectCommentQuerySet(ScopedQuerySet):
    client_lookup = "project__client_id"

    def live(self) -> ProjectCommentQuerySet:
        """Not soft-deleted."""
        return self.filter(deleted_at__isnull=True)

    def for_portal(self) -> ProjectCommentQuerySet:
        """What a client user may read: neither internal nor deleted."""
        return self.live().filter(internal=False)

    def newest_first(self) -> ProjectCommentQuerySet:
        return self.order_by("-created_at", "-id")


class ProjectComment(models.Model):
    """A comment on a project (PRODUCT.md §10): client users write them in the portal, staff
    answer in the admin. ``internal`` notes are staff-only and never reach a client (page,
    email); ``deleted_at`` is the author's soft delete."""

    MAX_LENGTH = 5000

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="project_comments",
    )
    # Written in the portal by one of the client's users (else by staff in the admin); it
    # decides who is notified and how the author is named.
    from_client = models.BooleanField(_("from the client"), default=False, editable=False)
    body = models.TextField(_("comment"), max_length=MAX_LENGTH)
    internal = models.BooleanField(
        _("internal note"),
        default=False,
        help_text=_("Staff only: never shown to the client or emailed to them."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)

    objects = ProjectCommentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("project comment")
        verbose_name_plural = _("project comments")
        constraints = [
            models.CheckConstraint(
                condition=Q(GreaterThanOrEqual(Length("body"), 1))
                & Q(LessThanOrEqual(Length("body"), 5000)),
                name="project_comment_body_length",
                violation_error_message=_("A comment has 1 to 5,000 characters."),
            ),
            models.CheckConstraint(
                condition=~Q(from_client=True, internal=True),
                name="project_comment_client_not_internal",
            ),
        ]
        indexes = [
            models.Index(
                F("project"),
                F("created_at").desc(),
                F("id").desc(),
                condition=Q(deleted_at__isnull=True, internal=False),
                name="project_comment_portal",
            ),
            models.Index(F("created_at").desc(), name="project_comment_created"),
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.body[:50]}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class CommentDeliveryQuerySet(ScopedQuerySet):
    client_lookup = "comment__project__client_id"


class CommentDelivery(DeliveryRecord):
    """One email about one comment to one recipient: sent at most once (unique pair)."""

    comment = models.ForeignKey(
        ProjectComment,
        verbose_name=_("comment"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="comment_deliveries",
    )
    objects = CommentDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("comment email")
        verbose_name_plural = _("comment emails")
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "recipient"], name="comment_delivery_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed", "skipped"]),
                name="comment_delivery_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.comment_id} → {self.email} ({self.get_status_display()})"


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
