"""invoicing.services: items and totals, issuing, cancelling and payments."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from invoicing.models import Invoice, InvoiceItem, Payment
from invoicing.services import (
    InvoiceLocked,
    invoice_cancel,
    invoice_issue,
    invoice_item_add,
    invoice_item_delete,
    invoice_item_save,
    invoice_recalculate,
    invoice_record_payment,
    invoice_totals_compute,
    money_check,
)
from tests.factories import InvoiceFactory, ProjectFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = dt.date(2024, 5, 10)


@pytest.fixture
def frozen_today(monkeypatch):
    monkeypatch.setattr(
        "timetracker.dates.timezone.now", lambda: dt.datetime(2024, 5, 10, 12, tzinfo=dt.UTC)
    )


@pytest.fixture
def draft(acme):
    return InvoiceFactory(
        client=acme,
        status=Invoice.Status.DRAFT,
        issue_date=dt.date(2024, 5, 1),
        due_date=dt.date(2024, 5, 31),
        subtotal=D("0"),
        tax_amount=D("0"),
        total_amount=D("0"),
        billing_name="",
    )


def add(invoice, quantity="1", unit_price="100.00", **kwargs):
    return invoice_item_add(
        invoice=invoice,
        description=kwargs.pop("description", "Work"),
        quantity=D(quantity),
        unit_price=D(unit_price),
        **kwargs,
    )


def issued(invoice, total="100.00"):
    add(invoice, unit_price=total)
    return invoice_issue(invoice=invoice)


# --- totals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subtotal", "rate", "tax", "total"),
    [
        ("0.10", "25", "0.03", "0.13"),  # 0.025 rounds half-up
        ("10.05", "19", "1.91", "11.96"),  # 1.9095
        ("100.00", "0", "0.00", "100.00"),
        ("0.00", "19", "0.00", "0.00"),
        ("33.33", "7.5", "2.50", "35.83"),  # 2.49975
        ("1.00", "100", "1.00", "2.00"),
    ],
)
def test_totals_compute_rounds_tax_half_up(subtotal, rate, tax, total):
    assert invoice_totals_compute(subtotal=D(subtotal), tax_rate=D(rate)) == (D(tax), D(total))


def test_item_add_computes_amount_and_totals(draft):
    draft.tax_rate = D("19")
    draft.save()
    item = add(draft, quantity="2.5", unit_price="40.00")
    draft.refresh_from_db()
    assert item.amount == D("100.00")
    assert (draft.subtotal, draft.tax_amount, draft.total_amount) == (
        D("100.00"),
        D("19.00"),
        D("119.00"),
    )


def test_item_amount_rounds_half_up(draft):
    assert add(draft, quantity="1.5", unit_price="33.33").amount == D("50.00")  # 49.995


def test_tax_on_a_tiny_subtotal_rounds_half_up(draft):
    draft.tax_rate = D("25")
    draft.save()
    add(draft, quantity="1", unit_price="0.10")
    draft.refresh_from_db()
    assert (draft.subtotal, draft.tax_amount, draft.total_amount) == (
        D("0.10"),
        D("0.03"),
        D("0.13"),
    )


def test_tax_of_19_percent_on_10_05(draft):
    draft.tax_rate = D("19")
    draft.save()
    add(draft, quantity="1", unit_price="10.05")
    draft.refresh_from_db()
    assert (draft.tax_amount, draft.total_amount) == (D("1.91"), D("11.96"))


def test_items_get_increasing_positions_and_totals_add_up(draft):
    first = add(draft, unit_price="10.00")
    second = add(draft, quantity="3", unit_price="0.33")
    draft.refresh_from_db()
    assert second.position == first.position + 1
    assert list(draft.items.all()) == [first, second]
    assert draft.subtotal == draft.total_amount == D("10.99")


def test_item_add_links_time_entries(draft, acme):
    entries = [TimeEntryFactory(project=ProjectFactory(client=acme)) for _ in range(2)]
    item = add(draft, time_entries=entries)
    assert set(item.time_entries.all()) == set(entries)


def test_item_add_rejects_an_invalid_item_and_keeps_totals(draft):
    with pytest.raises(ValidationError):
        add(draft, description="")
    draft.refresh_from_db()
    assert not draft.items.exists()
    assert draft.total_amount == D("0")


def test_item_save_recomputes_amount_and_totals(draft):
    item = add(draft, quantity="1", unit_price="100.00")
    item.quantity = D("3")
    item.amount = D("1")  # derived, ignored
    invoice_item_save(item=item)
    draft.refresh_from_db()
    assert item.amount == D("300.00")
    assert draft.total_amount == D("300.00")


def test_item_save_creates_a_new_item(draft):
    add(draft, unit_price="5.00")
    invoice_item_save(
        item=InvoiceItem(invoice=draft, description="Extra", quantity=D("2"), unit_price=D("1.25"))
    )
    draft.refresh_from_db()
    assert draft.items.count() == 2
    assert draft.total_amount == D("7.50")


def test_item_delete_recomputes_totals(draft):
    keep = add(draft, unit_price="10.00")
    drop = add(draft, unit_price="90.00")
    invoice_item_delete(item=drop)
    draft.refresh_from_db()
    assert list(draft.items.all()) == [keep]
    assert draft.total_amount == D("10.00")


def test_recalculate_repairs_totals_from_items(draft):
    add(draft, unit_price="42.00")
    Invoice.objects.filter(pk=draft.pk).update(subtotal=D("1"), total_amount=D("1"))
    invoice = invoice_recalculate(invoice=draft)
    invoice.refresh_from_db()
    assert invoice.subtotal == invoice.total_amount == D("42.00")


def test_recalculate_of_an_empty_draft_is_zero(draft):
    Invoice.objects.filter(pk=draft.pk).update(subtotal=D("5"), total_amount=D("5"))
    invoice = invoice_recalculate(invoice=draft)
    assert invoice.subtotal == invoice.tax_amount == invoice.total_amount == D("0")


def test_a_discount_line_may_be_negative(draft):
    add(draft, unit_price="100.00")
    add(draft, description="Discount", quantity="1", unit_price="-15.00")
    draft.refresh_from_db()
    assert draft.total_amount == D("85.00")


def test_items_adding_up_to_a_negative_total_are_refused(draft):
    add(draft, unit_price="10.00")
    with pytest.raises(ValidationError):
        add(draft, description="Discount", unit_price="-10.01")
    draft.refresh_from_db()
    assert draft.items.count() == 1
    assert draft.total_amount == D("10.00")


def test_deleting_the_item_that_keeps_the_total_positive_is_refused(draft):
    positive = add(draft, unit_price="50.00")
    add(draft, description="Discount", unit_price="-20.00")
    with pytest.raises(ValidationError):
        invoice_item_delete(item=positive)
    assert draft.items.count() == 2


# --- locked invoices --------------------------------------------------------------------------


@pytest.fixture(params=[Invoice.Status.SENT, Invoice.Status.PAID, Invoice.Status.CANCELLED])
def locked(request, draft):
    item = add(draft, unit_price="100.00")
    Invoice.objects.filter(pk=draft.pk).update(status=request.param)
    draft.refresh_from_db()
    return draft, item


def assert_untouched(invoice, item):
    invoice.refresh_from_db()
    assert invoice.total_amount == D("100.00")
    assert list(invoice.items.all()) == [item]
    item.refresh_from_db()
    assert item.amount == D("100.00")


def test_items_cannot_be_added_to_a_non_draft(locked):
    invoice, item = locked
    with pytest.raises(InvoiceLocked):
        add(invoice, unit_price="1.00")
    assert_untouched(invoice, item)


def test_items_of_a_non_draft_cannot_change(locked):
    invoice, item = locked
    item.quantity = D("9")
    with pytest.raises(InvoiceLocked):
        invoice_item_save(item=item)
    assert_untouched(invoice, item)


def test_items_of_a_non_draft_cannot_be_deleted(locked):
    invoice, item = locked
    with pytest.raises(InvoiceLocked):
        invoice_item_delete(item=item)
    assert_untouched(invoice, item)


def test_totals_of_a_non_draft_cannot_be_recalculated(locked):
    invoice, item = locked
    with pytest.raises(InvoiceLocked):
        invoice_recalculate(invoice=invoice)
    assert_untouched(invoice, item)


def test_item_add_with_a_stale_draft_object_is_still_refused(draft):
    # The caller's object still says draft, but the database says sent.
    add(draft, unit_price="100.00")
    Invoice.objects.filter(pk=draft.pk).update(status=Invoice.Status.SENT)
    with pytest.raises(InvoiceLocked):
        add(draft, unit_price="1.00")
    assert draft.items.count() == 1


def test_invoice_locked_is_a_validation_error():
    assert issubclass(InvoiceLocked, ValidationError)


# --- invoice_issue ----------------------------------------------------------------------------


def test_issue_marks_sent_and_snapshots_billing(draft, acme):
    acme.contact_person = "Wile E. Coyote"
    acme.email = "billing@acme.example"
    acme.address = "1 Desert Road"
    acme.save()
    add(draft, unit_price="250.00")
    invoice = invoice_issue(invoice=draft)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT
    assert invoice.total_amount == D("250.00")
    assert invoice.billing_name == "Acme Corp"
    assert invoice.billing_contact == "Wile E. Coyote"
    assert invoice.billing_email == "billing@acme.example"
    assert invoice.billing_address == "1 Desert Road"


def test_issue_snapshots_the_issuer(draft, profile):
    # Mutation testing found no test of the issuer snapshot (docs/TESTING.md).
    invoice = issued(draft)
    invoice.refresh_from_db()
    assert invoice.issuer == profile.snapshot()
    assert invoice.issuer["legal_name"] == "Issuer Studio GmbH"


def test_a_locked_invoice_says_which_one_and_why(draft):
    invoice = issued(draft)
    with pytest.raises(InvoiceLocked) as caught:
        add(invoice)
    assert caught.value.messages == [
        f"Invoice {invoice.invoice_number} is Sent: its items and totals can no longer change."
    ]


def test_billing_snapshot_survives_later_client_changes(draft, acme):
    invoice = issued(draft)
    acme.name = "Acme Holdings"
    acme.address = "Elsewhere"
    acme.save()
    invoice.refresh_from_db()
    assert invoice.billing_name == "Acme Corp"
    assert invoice.billing_address != "Elsewhere"


def test_issue_refuses_an_empty_invoice(draft):
    with pytest.raises(ValidationError):
        invoice_issue(invoice=draft)
    draft.refresh_from_db()
    assert draft.status == Invoice.Status.DRAFT
    assert draft.billing_name == ""


def test_issue_with_a_date_keeps_the_payment_term(draft):
    add(draft)
    invoice = invoice_issue(invoice=draft, issue_date=dt.date(2024, 6, 10))
    invoice.refresh_from_db()
    assert invoice.issue_date == dt.date(2024, 6, 10)
    assert invoice.due_date == dt.date(2024, 7, 10)  # 30 days, as drafted


def test_issue_refuses_an_already_issued_invoice(draft):
    issued(draft)
    with pytest.raises(InvoiceLocked):
        invoice_issue(invoice=draft)


def test_issue_recomputes_stale_totals(draft):
    add(draft, unit_price="80.00")
    Invoice.objects.filter(pk=draft.pk).update(total_amount=D("1"))
    invoice = invoice_issue(invoice=draft)
    invoice.refresh_from_db()
    assert invoice.total_amount == D("80.00")


# --- invoice_cancel ---------------------------------------------------------------------------


def test_cancel_a_sent_invoice_without_payments(draft):
    invoice = issued(draft)
    assert invoice_cancel(invoice=invoice).status == Invoice.Status.CANCELLED
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CANCELLED


def test_cancel_a_draft(draft):
    assert invoice_cancel(invoice=draft).status == Invoice.Status.CANCELLED


def test_cancel_is_idempotent(draft):
    invoice_cancel(invoice=draft)
    assert invoice_cancel(invoice=draft).status == Invoice.Status.CANCELLED


def test_cancel_refuses_a_partly_paid_invoice(frozen_today, draft):
    invoice = issued(draft)
    invoice_record_payment(invoice=invoice, amount=D("10.00"))
    with pytest.raises(ValidationError):
        invoice_cancel(invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT


def test_cancel_refuses_a_paid_invoice(frozen_today, draft):
    invoice = issued(draft)
    invoice_record_payment(invoice=invoice, amount=D("100.00"))
    with pytest.raises(ValidationError):
        invoice_cancel(invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


# --- invoice_record_payment -------------------------------------------------------------------


def test_partial_then_full_payment_switches_to_paid(frozen_today, draft):
    invoice = issued(draft, total="100.00")

    first = invoice_record_payment(invoice=invoice, amount=D("40.00"), reference="T-1")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT
    assert invoice.amount_paid == D("40.00")
    assert invoice.amount_due == D("60.00")
    assert first.date == TODAY
    assert first.reference == "T-1"
    assert first.method == Payment.Method.BANK_TRANSFER

    invoice_record_payment(invoice=invoice, amount=D("60.00"), date=dt.date(2024, 5, 12))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.amount_paid == D("100.00")
    assert invoice.amount_due == D("0.00")
    assert list(invoice.payments.values_list("amount", flat=True)) == [D("40.00"), D("60.00")]


def test_payments_through_a_stale_object_accumulate(frozen_today, draft):
    invoice = issued(draft, total="100.00")
    invoice_record_payment(invoice=invoice, amount=D("30.00"))
    invoice_record_payment(invoice=invoice, amount=D("30.00"))  # same, now stale, object
    invoice.refresh_from_db()
    assert invoice.amount_paid == D("60.00")


def test_overpayment_marks_paid_with_negative_amount_due(frozen_today, draft):
    invoice = issued(draft, total="100.00")
    invoice_record_payment(invoice=invoice, amount=D("120.00"))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.amount_due == D("-20.00")
    assert invoice in Invoice.objects.paid()
    assert invoice not in Invoice.objects.unpaid()


def test_payment_amount_is_rounded_half_up(frozen_today, draft):
    invoice = issued(draft)
    payment = invoice_record_payment(invoice=invoice, amount=D("10.005"))
    assert payment.amount == D("10.01")


@pytest.mark.parametrize("amount", ["0", "-5.00", "0.004"])
def test_payment_refuses_non_positive_amounts(frozen_today, draft, amount):
    invoice = issued(draft)
    with pytest.raises(ValidationError) as exc:
        invoice_record_payment(invoice=invoice, amount=D(amount))
    assert "amount" in exc.value.message_dict
    invoice.refresh_from_db()
    assert invoice.amount_paid == D("0")
    assert not Payment.objects.exists()


def test_payment_refuses_a_draft(frozen_today, draft):
    add(draft)
    with pytest.raises(ValidationError):
        invoice_record_payment(invoice=draft, amount=D("10.00"))
    assert not Payment.objects.exists()


def test_payment_refuses_a_cancelled_invoice(frozen_today, draft):
    invoice = issued(draft)
    invoice_cancel(invoice=invoice)
    with pytest.raises(ValidationError):
        invoice_record_payment(invoice=invoice, amount=D("10.00"))
    invoice.refresh_from_db()
    assert invoice.amount_paid == D("0")
    assert not Payment.objects.exists()


def test_payment_refuses_an_unknown_method(frozen_today, draft):
    invoice = issued(draft)
    with pytest.raises(ValidationError):
        invoice_record_payment(invoice=invoice, amount=D("1.00"), method="bitcoin")
    assert not Payment.objects.exists()


# --- amounts that do not fit their columns ----------------------------------------------------

MONEY_MAX = "999999999999.99"  # 14 digits, 2 of them cents


def test_money_check_accepts_the_largest_amount_and_refuses_a_cent_more():
    assert money_check(D(MONEY_MAX), what="total") == D(MONEY_MAX)
    assert money_check(D("-" + MONEY_MAX), what="total") == D("-" + MONEY_MAX)
    with pytest.raises(ValidationError, match="more than an invoice can hold") as caught:
        money_check(D(MONEY_MAX) + D("0.01"), what="total")
    # The code callers can match on, and the amount as people read it (mutation testing).
    assert caught.value.code == "money_overflow"
    assert caught.value.messages == [
        "The total would be 1,000,000,000,000.00, more than an invoice can hold"
        " (999,999,999,999.99)."
    ]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_money_check_refuses_non_finite_amounts(value):
    with pytest.raises(ValidationError):
        money_check(D(value), what="total")


def test_item_add_refuses_an_amount_too_large_for_its_column(draft):
    with pytest.raises(ValidationError, match="item amount"):
        add(draft, quantity="99999999.99", unit_price=MONEY_MAX)
    assert not draft.items.exists()


def test_item_add_refuses_items_adding_up_past_the_subtotal_column(draft):
    add(draft, unit_price=MONEY_MAX)
    with pytest.raises(ValidationError, match="subtotal"):
        add(draft, unit_price="0.01")
    draft.refresh_from_db()
    assert draft.items.count() == 1
    assert draft.total_amount == D(MONEY_MAX)


def test_recalculate_refuses_tax_pushing_the_total_past_its_column(draft):
    add(draft, unit_price="900000000000.00")
    Invoice.objects.filter(pk=draft.pk).update(tax_rate=D("20"))
    with pytest.raises(ValidationError, match="total"):
        invoice_recalculate(invoice=draft)
    draft.refresh_from_db()
    assert draft.total_amount == D("900000000000.00")


def test_item_save_refuses_an_edit_too_large_for_its_column(draft):
    item = add(draft)
    item.quantity, item.unit_price = D("99999999.99"), D(MONEY_MAX)
    with pytest.raises(ValidationError):
        invoice_item_save(item=item)
    item.refresh_from_db()
    assert item.amount == D("100.00")


def test_payment_refuses_an_amount_paid_past_its_column(frozen_today, draft):
    invoice = issued(draft, total=MONEY_MAX)
    invoice_record_payment(invoice=invoice, amount=D(MONEY_MAX))
    with pytest.raises(ValidationError, match="amount paid"):
        invoice_record_payment(invoice=invoice, amount=D("0.01"))
    invoice.refresh_from_db()
    assert invoice.amount_paid == D(MONEY_MAX)
    assert invoice.payments.count() == 1
