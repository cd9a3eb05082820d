"""Invoices, their items and payments. Derived states are QuerySet methods, never stored."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from timetracker.dates import today
from timetracker.deliveries import DeliveryRecord
from timetracker.formatting import from_cents
from timetracker.scoping import ScopedQuerySet, currency_validator, default_currency

MONEY = {"max_digits": 14, "decimal_places": 2}


# The definitions of the derived states, as conditions, shared by filters and aggregates.
def unpaid_q() -> Q:
    """Sent and something still due."""
    return Q(status="sent", total_amount__gt=F("amount_paid"))


def overdue_q(on) -> Q:
    """Unpaid and past the due date ``on`` (today in TIME_ZONE when None)."""
    return unpaid_q() & Q(due_date__lt=on or today())


# Every named invoice state (§2, derived, never stored): the one mapping from a state's name
# to its condition. ``InvoiceQuerySet.in_state`` filters by it (the admin's payment-state
# filter, the portal's and the API's ``status``), ``status_counts`` counts by it.
INVOICE_STATES = {
    "all": lambda on: Q(),
    "draft": lambda on: Q(status="draft"),
    "issued": lambda on: Q(status__in=("sent", "paid")),
    "paid": lambda on: Q(status="paid"),
    "unpaid": lambda on: unpaid_q(),
    "overdue": overdue_q,
    "cancelled": lambda on: Q(status="cancelled"),
}


def state_q(name: str, on=None) -> Q:
    """The condition of the state ``name`` (``on``: the day overdue is relative to)."""
    try:
        return INVOICE_STATES[name](on)
    except KeyError:
        raise ValueError(f"Unknown invoice state {name!r}.") from None


def amount_due_expr() -> ExpressionWrapper:
    return ExpressionWrapper(
        F("total_amount") - F("amount_paid"), output_field=DecimalField(**MONEY)
    )


class InvoiceQuerySet(ScopedQuerySet):
    client_lookup = "client_id"

    def in_state(self, name: str, *, on=None) -> InvoiceQuerySet:
        """Invoices in the derived state ``name`` (``INVOICE_STATES``): ``all``, ``draft``,
        ``issued``, ``paid``, ``unpaid``, ``overdue`` (relative to ``on``, default today in
        TIME_ZONE) or ``cancelled``. An unknown name is a ``ValueError``."""
        return self.filter(state_q(name, on))

    def issued(self) -> InvoiceQuerySet:
        """Sent or paid: what the client has received (drafts are internal)."""
        return self.in_state("issued")

    def portal_visible(self) -> InvoiceQuerySet:
        """What the Client Portal lists: issued and cancelled invoices, never drafts."""
        return self.filter(status__in=Invoice.PORTAL_STATUSES)

    def paid(self) -> InvoiceQuerySet:
        """Status ``paid`` (over-payment included)."""
        return self.in_state("paid")

    def unpaid(self) -> InvoiceQuerySet:
        """Sent and something still due."""
        return self.in_state("unpaid")

    def overdue(self, on=None) -> InvoiceQuerySet:
        """Unpaid and past the due date (today in TIME_ZONE unless ``on`` is given)."""
        return self.in_state("overdue", on=on)

    def cancelled(self) -> InvoiceQuerySet:
        """Withdrawn invoices."""
        return self.in_state("cancelled")

    def drafts(self) -> InvoiceQuerySet:
        """Internal drafts."""
        return self.in_state("draft")

    def status_counts(self, on=None) -> dict[str, int]:
        """Counts for the portal's status filter in one aggregate query over any set of
        invoices. The portal reads the same figures from the tallies
        (``ClientInvoiceCount.status_counts``), which the tests hold equal to this.

        Keys: ``total`` (every row of this queryset), ``paid``, ``unpaid``, ``overdue`` (as
        the methods of the same names; overdue relative to ``on``, default today).
        """
        # COUNT(status), not COUNT(id): every column read is in invoice_client_status.
        return self.aggregate(
            total=Count("status"),
            **{
                name: Count("status", filter=state_q(name, on))
                for name in ("paid", "unpaid", "overdue")
            },
        )

    def balances_by_currency(self, on=None):
        """Unpaid and overdue invoices per currency (one GROUP BY query, lazy) of any set
        of invoices. The dashboard reads a client's from ``ClientUnpaid.balances``, which
        the tests hold equal to this.

        Rows are dicts with ``currency_code``, ``unpaid_count``, ``unpaid_due``,
        ``overdue_count`` and ``overdue_due`` (amounts due; overdue relative to ``on``).
        """
        due = amount_due_expr()
        overdue = Q(due_date__lt=on or today())
        zero = models.Value(Decimal("0"), output_field=DecimalField(**MONEY))
        return (
            self.unpaid()
            .order_by("currency_code")
            .values("currency_code")
            .annotate(
                unpaid_count=Count("status"),
                unpaid_due=Coalesce(Sum(due), zero),
                overdue_count=Count("status", filter=overdue),
                overdue_due=Coalesce(Sum(due, filter=overdue), zero),
            )
        )


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    ISSUED_STATUSES = (Status.SENT, Status.PAID)
    PORTAL_STATUSES = (Status.SENT, Status.PAID, Status.CANCELLED)

    invoice_number = models.CharField(_("invoice number"), max_length=50, unique=True)
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    project = models.ForeignKey(
        "clients.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    currency_code = models.CharField(
        _("currency"), max_length=3, default=default_currency, validators=[currency_validator]
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    subtotal = models.DecimalField(_("subtotal"), default=Decimal("0"), **MONEY)
    tax_amount = models.DecimalField(_("tax"), default=Decimal("0"), **MONEY)
    total_amount = models.DecimalField(_("total"), default=Decimal("0"), **MONEY)
    amount_paid = models.DecimalField(_("amount paid"), default=Decimal("0"), **MONEY)
    notes = models.TextField(_("notes"), blank=True)
    # Billing snapshot: what the invoice was addressed to when issued, kept even if the
    # client's record changes later.
    billing_name = models.CharField(_("billed to"), max_length=200, blank=True)
    billing_contact = models.CharField(_("contact"), max_length=200, blank=True)
    billing_email = models.EmailField(_("billing email"), blank=True)
    billing_address = models.TextField(_("billing address"), blank=True)
    # Issuer snapshot: the business profile as it was when the invoice was issued (§9), so a
    # later edit of the profile never rewrites an issued invoice. Keys: BusinessProfile.SNAPSHOT.
    # Null for rows loaded in bulk by SQL (seed_demo): treated like an empty snapshot.
    issuer = models.JSONField(_("issuer"), default=dict, blank=True, null=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-issue_date", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__gte=F("issue_date")),
                name="invoice_due_not_before_issue",
                violation_error_message=_("The due date must not be before the issue date."),
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0), name="invoice_amount_paid_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0, tax_amount__gte=0, total_amount__gte=0),
                name="invoice_totals_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="invoice_tax_rate_range"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "sent", "paid", "cancelled"]),
                name="invoice_status_valid",
            ),
        ]
        indexes = [
            # Portal status filters: a client's invoices by status, newest first. INCLUDE: the
            # status counts and the balances (unpaid, overdue) are index-only scans
            # (PostgreSQL; SQLite gets the plain index).
            models.Index(
                fields=["client", "status", "-issue_date", "-id"],
                include=["due_date", "total_amount", "amount_paid", "currency_code"],
                name="invoice_client_status",
            ),
            # Portal list of every status and the dashboard's recent invoices: one client's
            # invoices newest first, read in order (no sort, no other client's rows).
            # INCLUDE status: a deep page's keys (KeysFirstPaginator) are skipped in the
            # index alone, drafts filtered out there (PostgreSQL).
            models.Index(
                fields=["client", "-issue_date", "-id"],
                include=["status"],
                name="invoice_client_issued",
            ),
            # Overdue: a client's sent invoices by due date.
            models.Index(fields=["client", "due_date"], name="invoice_client_due"),
            # Unpaid and overdue over every client (the API's counts for staff): the sent
            # invoices only, index-only on PostgreSQL — not one entry per paid invoice.
            models.Index(
                fields=["due_date"],
                include=["total_amount", "amount_paid"],
                condition=Q(status="sent"),
                name="invoice_sent_due",
            ),
            # Every client's invoices newest first (admin, the API for staff), and a deep
            # page's keys skipped in the index alone, by any status (KeysFirstPaginator):
            # the last of 8,000 staff API pages at XL 219 -> ~40 ms.
            models.Index(
                fields=["-issue_date", "-id"],
                include=["status", "due_date", "total_amount", "amount_paid"],
                name="invoice_issue_date",
            ),
        ]

    def __str__(self) -> str:
        return self.invoice_number

    @property
    def amount_due(self) -> Decimal:
        return self.total_amount - self.amount_paid

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_issued(self) -> bool:
        return self.status in self.ISSUED_STATUSES

    @property
    def is_paid(self) -> bool:
        return self.status == self.Status.PAID

    @property
    def is_unpaid(self) -> bool:
        return self.status == self.Status.SENT and self.amount_due > 0

    @property
    def is_overdue(self) -> bool:
        return self.is_unpaid and self.due_date < today()

    @property
    def days_overdue(self) -> int:
        """Whole days past the due date, for overdue invoices (else 0)."""
        if not self.is_overdue:
            return 0
        return (today() - self.due_date).days

    @property
    def display_status(self) -> str:
        """The badge the client sees: paid / overdue / unpaid / cancelled / draft."""
        if self.status == self.Status.PAID:
            return "paid"
        if self.status == self.Status.CANCELLED:
            return "cancelled"
        if self.status == self.Status.DRAFT:
            return "draft"
        if self.is_overdue:
            return "overdue"
        if self.is_unpaid:
            return "unpaid"
        return "sent"

    @property
    def display_status_label(self) -> str:
        return {
            "paid": _("Paid"),
            "cancelled": _("Cancelled"),
            "draft": _("Draft"),
            "overdue": _("Overdue"),
            "unpaid": _("Unpaid"),
            "sent": _("Sent"),
        }[self.display_status]


class InvoiceItem(models.Model):
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="items"
    )
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=2, default=Decimal("1")
    )
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    amount = models.DecimalField(_("amount"), default=Decimal("0"), **MONEY)
    position = models.PositiveIntegerField(_("position"), default=0)
    time_entries = models.ManyToManyField(
        "tracking.TimeEntry",
        verbose_name=_("time entries"),
        blank=True,
        related_name="invoice_items",
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("invoice item")
        verbose_name_plural = _("invoice items")

    def __str__(self) -> str:
        return self.description


class ClientInvoiceCountQuerySet(ScopedQuerySet):
    client_lookup = "client_id"

    def total(self, statuses) -> int:
        """How many invoices these rows count in ``statuses`` (one small aggregate)."""
        rows = self.filter(status__in=statuses).order_by()
        return int(rows.aggregate(n=Coalesce(Sum("invoice_count"), 0))["n"])

    def status_counts(self, unpaid: ClientUnpaidQuerySet, on=None) -> dict[str, int]:
        """``invoices.status_counts(on)`` of the portal-visible invoices of exactly the
        clients of these rows, without reading the invoices (two small queries).

        ``total`` and ``paid`` come from these rows; ``unpaid`` and ``overdue`` from
        ``unpaid``, the ``ClientUnpaid`` rows of the same clients.
        """
        portal = self.filter(status__in=Invoice.PORTAL_STATUSES).order_by()
        by_status = dict(
            portal.values("status").annotate(n=Sum("invoice_count")).values_list("status", "n")
        )
        open_ = unpaid.counts(on=on)
        return {
            "total": int(sum(by_status.values())),
            "paid": int(by_status.get(Invoice.Status.PAID, 0)),
            "unpaid": open_["unpaid"],
            "overdue": open_["overdue"],
        }


class ClientInvoiceCount(models.Model):
    """How many invoices a client has in one status — kept by database triggers only
    (``invoicing.counts``); never written by the ORM."""

    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.DO_NOTHING,  # rows follow the invoices, which PROTECT the client
        related_name="invoice_counts",
        db_index=False,  # invoice_count_unique leads with client_id
    )
    status = models.CharField(_("status"), max_length=20, choices=Invoice.Status.choices)
    invoice_count = models.BigIntegerField(_("invoices"), default=0)

    objects = ClientInvoiceCountQuerySet.as_manager()

    class Meta:
        db_table = "invoicing_client_invoice_count"
        ordering = ["client", "status"]
        verbose_name = _("invoice count")
        verbose_name_plural = _("invoice counts")
        constraints = [
            models.UniqueConstraint(fields=["client", "status"], name="invoice_count_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.status}: {self.invoice_count}"


class ClientUnpaidQuerySet(ScopedQuerySet):
    client_lookup = "client_id"

    def _figures(self, on):
        overdue = Q(due_date__lt=on or today())
        return {
            "unpaid_count": Coalesce(Sum("invoice_count"), 0),
            "unpaid_cents": Coalesce(Sum("due_cents"), 0),
            "overdue_count": Coalesce(Sum("invoice_count", filter=overdue), 0),
            "overdue_cents": Coalesce(Sum("due_cents", filter=overdue), 0),
        }

    def balances(self, on=None) -> list[dict]:
        """``InvoiceQuerySet.balances_by_currency(on)`` of the invoices these rows tally,
        from the rows (one GROUP BY query over at most one row per currency and due date).

        Dicts with ``currency_code``, ``unpaid_count``, ``unpaid_due``, ``overdue_count``
        and ``overdue_due`` (Decimal amounts due; overdue relative to ``on``, default today).
        """
        rows = self.order_by("currency_code").values("currency_code").annotate(**self._figures(on))
        return [
            {
                "currency_code": row["currency_code"],
                "unpaid_count": int(row["unpaid_count"]),
                "unpaid_due": from_cents(row["unpaid_cents"]),
                "overdue_count": int(row["overdue_count"]),
                "overdue_due": from_cents(row["overdue_cents"]),
            }
            for row in rows
        ]

    def counts(self, on=None) -> dict[str, int]:
        """How many unpaid and overdue invoices these rows tally (one aggregate query)."""
        figures = self._figures(on)
        row = self.order_by().aggregate(
            unpaid=figures["unpaid_count"], overdue=figures["overdue_count"]
        )
        return {"unpaid": int(row["unpaid"]), "overdue": int(row["overdue"])}


class ClientUnpaid(models.Model):
    """A client's unpaid invoices (``unpaid_q``) due on one day in one currency: how many,
    and the amount due in cents — kept by database triggers only (``invoicing.counts``);
    never written by the ORM. The dashboard's balances and the portal's unpaid and overdue
    counts read these rows: one per due date with something open, not one per invoice."""

    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.DO_NOTHING,  # rows follow the invoices, which PROTECT the client
        related_name="unpaid_tallies",
        db_index=False,  # client_unpaid_unique leads with client_id
    )
    currency_code = models.CharField(_("currency"), max_length=3)
    due_date = models.DateField(_("due date"))
    invoice_count = models.BigIntegerField(_("invoices"), default=0)
    # Integer cents: exact sums on SQLite too, which keeps decimals as floating point.
    due_cents = models.BigIntegerField(_("amount due (cents)"), default=0)

    objects = ClientUnpaidQuerySet.as_manager()

    class Meta:
        db_table = "invoicing_client_unpaid"
        ordering = ["client", "currency_code", "due_date"]
        verbose_name = _("unpaid tally")
        verbose_name_plural = _("unpaid tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "currency_code", "due_date"], name="client_unpaid_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.due_date} {self.currency_code}: {self.invoice_count}"


class PaymentQuerySet(ScopedQuerySet):
    client_lookup = "invoice__client_id"


class Payment(models.Model):
    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CARD = "card", _("Card")
        CASH = "cash", _("Cash")
        OTHER = "other", _("Other")

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="payments"
    )
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    method = models.CharField(
        _("method"), max_length=20, choices=Method.choices, default=Method.BANK_TRANSFER
    )
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [
            # The admin's payment list in date order and its date hierarchy's first and last
            # payment: without it, a sort of every payment (164 ms at XL, 0.3 ms with it).
            models.Index(fields=["date", "id"], name="payment_date"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} · {self.amount} on {self.date}"


class BusinessProfile(models.Model):
    """The issuer of every invoice: one row, edited by admins (§9).

    Issuing an invoice copies it into ``Invoice.issuer``; read the current row with
    ``BusinessProfile.load()``.
    """

    # What an invoice snapshots (and the order the "From" block shows it in).
    SNAPSHOT = (
        "legal_name",
        "address",
        "email",
        "phone",
        "tax_id",
        "iban",
        "bic",
        "bank_account",
        "payment_terms",
        "invoice_footer",
    )
    # Without these an invoice is not a legal, payable document.
    REQUIRED = ("legal_name", "address", "email", "tax_id")

    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    address = models.TextField(_("address"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    tax_id = models.CharField(_("VAT / tax id"), max_length=50, blank=True)
    iban = models.CharField(_("IBAN"), max_length=42, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    bank_account = models.TextField(
        _("bank account"),
        blank=True,
        help_text=_("Other bank details (e.g. account and routing number) when there is no IBAN."),
    )
    payment_terms = models.TextField(
        _("payment terms"), blank=True, help_text=_("For example: payable within 30 days.")
    )
    invoice_footer = models.TextField(_("invoice footer"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("business profile")
        verbose_name_plural = _("business profile")
        constraints = [
            # One row: the primary key is always 1.
            models.CheckConstraint(condition=Q(pk=1), name="business_profile_singleton"),
        ]

    def __str__(self) -> str:
        return self.legal_name or str(_("Business profile"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> BusinessProfile:
        """The profile row (an unsaved, empty one until an admin fills it in)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @property
    def missing_fields(self) -> list[str]:
        """Verbose names of the required fields still empty (bank details count as one)."""
        missing = [
            str(self._meta.get_field(name).verbose_name)
            for name in self.REQUIRED
            if not getattr(self, name).strip()
        ]
        if not (self.iban.strip() or self.bank_account.strip()):
            missing.append(str(_("bank details (IBAN or bank account)")))
        return missing

    @property
    def is_complete(self) -> bool:
        return not self.missing_fields

    def snapshot(self) -> dict[str, str]:
        """What an invoice keeps of the issuer when it is issued."""
        return {name: getattr(self, name) for name in self.SNAPSHOT}


class InvoiceDeliveryQuerySet(ScopedQuerySet):
    client_lookup = "invoice__client_id"

    def unsent(self) -> InvoiceDeliveryQuerySet:
        """Deliveries still to go out (pending, or claimed by a worker that may have died)."""
        return self.filter(
            status__in=[InvoiceDelivery.Status.PENDING, InvoiceDelivery.Status.SENDING]
        )


class InvoiceDelivery(DeliveryRecord):
    """One email about one invoice to one recipient (§9): the record that makes sending
    idempotent. A task only sends a delivery that is not ``sent`` yet, so re-issues, retries
    and a restarted worker never mail anyone twice.

    ``key`` tells repeated kinds apart: empty for the new-invoice email (once per invoice and
    recipient), the reminder's date for overdue reminders (once per round).
    """

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("New invoice")
        REMINDER = "reminder", _("Overdue reminder")

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        "accounts.User",
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="invoice_deliveries",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=20, blank=True, default="")

    objects = InvoiceDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invoice email")
        verbose_name_plural = _("invoice emails")
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "recipient", "kind", "key"], name="invoice_delivery_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed", "skipped"]),
                name="invoice_delivery_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="invoice_delivery_status"),
            models.Index(fields=["invoice", "kind", "-created_at"], name="invoice_delivery_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} → {self.email} ({self.get_kind_display()})"
