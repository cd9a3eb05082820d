"""Writes to invoices: items, totals, issuing, cancelling and payments.

Every change to money goes through here so totals stay consistent with items and an
issued invoice is never altered.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils.translation import gettext as _

from timetracker.dates import today
from timetracker.formatting import round_money
from tracking.models import TimeEntry

from .models import MONEY, BusinessProfile, Invoice, InvoiceDelivery, InvoiceItem, Payment

# The largest amount a money column (``MONEY``: 14 digits, 2 of them cents) holds.
MONEY_MAX = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"]) - Decimal("0.01")


def money_check(amount: Decimal, *, what: str) -> Decimal:
    """``amount`` rounded to cents; ``ValidationError`` if it does not fit a money column.

    A database refuses (PostgreSQL) or cannot even format (SQLite) a number past the
    column's ``max_digits``: check before saving, and say which amount is too large.
    """
    amount = Decimal(amount)
    if not amount.is_finite() or abs(round_money(amount)) > MONEY_MAX:
        raise ValidationError(
            _("The %(what)s would be %(amount)s, more than an invoice can hold (%(max)s).")
            % {
                "what": what,
                "amount": f"{amount:,.2f}" if amount.is_finite() else amount,
                "max": f"{MONEY_MAX:,.2f}",
            },
            code="money_overflow",
        )
    return round_money(amount)


def invoice_totals_check(*, subtotal: Decimal, tax_rate: Decimal) -> tuple[Decimal, Decimal]:
    """``invoice_totals_compute``, refusing totals too large for their columns."""
    money_check(subtotal, what=_("subtotal"))
    tax, total = invoice_totals_compute(subtotal=subtotal, tax_rate=tax_rate)
    money_check(tax, what=_("tax"))
    money_check(total, what=_("total"))
    return tax, total


def item_amount_compute(*, quantity: Decimal, unit_price: Decimal) -> Decimal:
    """An item's amount, quantity x unit price rounded to cents; refuses one too large."""
    return money_check(Decimal(quantity) * Decimal(unit_price), what=_("item amount"))


class InvoiceLocked(ValidationError):
    """Raised when something tries to change the items or totals of a non-draft invoice."""


def _ensure_draft(invoice: Invoice) -> None:
    if invoice.status != Invoice.Status.DRAFT:
        raise InvoiceLocked(
            _("Invoice %(number)s is %(status)s: its items and totals can no longer change.")
            % {"number": invoice.invoice_number, "status": invoice.get_status_display()}
        )


def _ensure_own_client(invoice: Invoice, *, time_entries=None) -> None:
    """Refuse a project or time entries of another client (PRODUCT.md §2).

    ``time_entries`` (entries or their ids) are checked when given; otherwise the entries
    already linked from the invoice's items. The database refuses the same (see
    ``invoicing/migrations/0002_invoice_integrity.py``); this says it as a ValidationError.
    """
    if invoice.project_id is not None and invoice.project.client_id != invoice.client_id:
        raise ValidationError({"project": _("This project belongs to another client.")})
    if time_entries is None:
        entries = TimeEntry.objects.filter(invoice_items__invoice=invoice)
    else:
        entries = TimeEntry.objects.filter(pk__in=[getattr(e, "pk", e) for e in time_entries])
    if entries.exclude(client_id=invoice.client_id).exists():
        raise ValidationError(
            {"time_entries": _("Only time entries of this invoice's client can be billed.")}
        )


def invoice_totals_compute(*, subtotal: Decimal, tax_rate: Decimal) -> tuple[Decimal, Decimal]:
    """(tax_amount, total_amount) for a subtotal, rounded half-up to cents."""
    tax = round_money(Decimal(subtotal) * Decimal(tax_rate) / Decimal(100))
    return tax, round_money(subtotal) + tax


@transaction.atomic
def invoice_recalculate(*, invoice: Invoice) -> Invoice:
    """Recompute item amounts and the invoice totals from its items (drafts only)."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    _ensure_draft(invoice)
    subtotal = invoice.items.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    # Discount lines may be negative, but the total may not (a DB constraint): say so, not 500.
    if subtotal < 0:
        raise ValidationError(_("The items add up to a negative total."))
    invoice.subtotal = round_money(subtotal)
    invoice.tax_amount, invoice.total_amount = invoice_totals_check(
        subtotal=invoice.subtotal, tax_rate=invoice.tax_rate
    )
    invoice.save(update_fields=["subtotal", "tax_amount", "total_amount", "updated_at"])
    return invoice


@transaction.atomic
def invoice_item_add(
    *,
    invoice: Invoice,
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    time_entries=None,
) -> InvoiceItem:
    """Append an item to a draft invoice and recompute its totals."""
    _ensure_draft(invoice)
    if time_entries:
        _ensure_own_client(invoice, time_entries=time_entries)
    position = (invoice.items.aggregate(m=Max("position"))["m"] or 0) + 1
    item = InvoiceItem(
        invoice=invoice,
        description=description,
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        amount=item_amount_compute(quantity=quantity, unit_price=unit_price),
        position=position,
    )
    item.full_clean()
    item.save()
    if time_entries:
        item.time_entries.set(time_entries)
    invoice_recalculate(invoice=invoice)
    return item


@transaction.atomic
def invoice_item_save(*, item: InvoiceItem, recalculate: bool = True) -> InvoiceItem:
    """Save a new or edited item of a draft invoice; its amount is quantity x unit price.

    ``recalculate=False`` leaves the totals to the caller, who saves several items and then
    calls ``invoice_recalculate`` once (the admin's change form).
    """
    _ensure_draft(Invoice.objects.select_for_update().get(pk=item.invoice_id))
    item.amount = item_amount_compute(quantity=item.quantity, unit_price=item.unit_price)
    item.full_clean()
    item.save()
    if recalculate:
        invoice_recalculate(invoice=item.invoice)
    return item


@transaction.atomic
def invoice_item_delete(*, item: InvoiceItem, recalculate: bool = True) -> None:
    """Remove an item from a draft invoice and recompute its totals (see ``recalculate``
    on ``invoice_item_save``)."""
    invoice = Invoice.objects.select_for_update().get(pk=item.invoice_id)
    _ensure_draft(invoice)
    item.delete()
    if recalculate:
        invoice_recalculate(invoice=invoice)


def _snapshot_billing(invoice: Invoice) -> None:
    client = invoice.client
    invoice.billing_name = client.name
    invoice.billing_contact = client.contact_person
    invoice.billing_email = client.email
    invoice.billing_address = client.address
    # The issuer too (§9): a later edit of the business profile never rewrites this invoice.
    invoice.issuer = BusinessProfile.load().snapshot()


@transaction.atomic
def invoice_issue(
    *, invoice: Invoice, issue_date: dt.date | None = None, notify: bool = True
) -> Invoice:
    """Send a draft: recompute totals, snapshot the client's billing data and the issuer,
    mark ``sent`` and (unless ``notify=False``) queue the new-invoice email to every
    opted-in portal user of the client, in the same transaction."""
    invoice = invoice_recalculate(invoice=invoice)
    if not invoice.items.exists():
        raise ValidationError(_("An invoice without items cannot be issued."))
    _ensure_own_client(invoice)
    if issue_date is not None:
        term = invoice.due_date - invoice.issue_date
        invoice.issue_date = issue_date
        invoice.due_date = issue_date + term
    _snapshot_billing(invoice)
    invoice.status = Invoice.Status.SENT
    invoice.full_clean()
    invoice.save()
    if notify:
        from .notifications import invoice_deliveries_create

        invoice_deliveries_create(invoice=invoice, kind=InvoiceDelivery.Kind.INVOICE)
    return invoice


@transaction.atomic
def invoice_cancel(*, invoice: Invoice) -> Invoice:
    """Withdraw an invoice that has received no payment."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == Invoice.Status.CANCELLED:
        return invoice
    if invoice.amount_paid > 0:
        raise ValidationError(_("An invoice with payments cannot be cancelled."))
    invoice.status = Invoice.Status.CANCELLED
    invoice.save(update_fields=["status", "updated_at"])
    return invoice


@transaction.atomic
def invoice_record_payment(
    *,
    invoice: Invoice,
    amount: Decimal,
    date: dt.date | None = None,
    method: str = Payment.Method.BANK_TRANSFER,
    reference: str = "",
) -> Payment:
    """Record a payment on a sent invoice; it becomes ``paid`` once nothing is due."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status not in Invoice.ISSUED_STATUSES:
        raise ValidationError(
            _("Payments can only be recorded on sent invoices, not on %(status)s ones.")
            % {"status": invoice.get_status_display().lower()}
        )
    amount = round_money(amount)
    if amount <= 0:
        raise ValidationError({"amount": _("A payment must be a positive amount.")})
    money_check(amount, what=_("payment"))
    money_check(invoice.amount_paid + amount, what=_("amount paid"))
    payment = Payment(
        invoice=invoice,
        amount=amount,
        date=date or today(),
        method=method,
        reference=reference,
    )
    payment.full_clean()
    payment.save()
    invoice.amount_paid = invoice.amount_paid + amount
    if invoice.amount_due <= 0:
        invoice.status = Invoice.Status.PAID
    invoice.save(update_fields=["amount_paid", "status", "updated_at"])
    return payment
