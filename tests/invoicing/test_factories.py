"""The test factories build only what the invoicing services build (issue 9): totals that are
the items' sum, ``amount_paid`` that is the payments' sum, a status that follows them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from invoicing.models import Invoice
from invoicing.services import (
    InvoiceLocked,
    invoice_cancel,
    invoice_issue,
    invoice_item_add,
    invoice_record_payment,
    invoice_totals_compute,
    item_amount_compute,
)
from tests.factories import (
    InvoiceFactory,
    InvoiceItemFactory,
    PaymentFactory,
    RawInvoiceFactory,
)
from timetracker.dates import today

pytestmark = pytest.mark.django_db

ZERO = Decimal("0")


def integrity_problems(invoice: Invoice) -> list[str]:
    """Every rule the services keep for one invoice, as the list of those it breaks."""
    invoice.refresh_from_db()
    items = list(invoice.items.all())
    problems = [
        f"item {item.pk}: amount {item.amount} is not quantity x unit price"
        for item in items
        if item.amount != item_amount_compute(quantity=item.quantity, unit_price=item.unit_price)
    ]
    if invoice.subtotal != sum((item.amount for item in items), ZERO):
        problems.append("subtotal is not the items' sum")
    if (invoice.tax_amount, invoice.total_amount) != invoice_totals_compute(
        subtotal=invoice.subtotal, tax_rate=invoice.tax_rate
    ):
        problems.append("tax and total do not follow the subtotal and the rate")
    paid = invoice.payments.aggregate(s=Sum("amount"))["s"] or ZERO
    if invoice.amount_paid != paid:
        problems.append("amount_paid is not the payments' sum")
    if invoice.status != Invoice.Status.DRAFT:
        if not items:
            problems.append("issued without items")
        if not invoice.issuer:
            problems.append("no issuer snapshot")
    if invoice.status == Invoice.Status.SENT and invoice.amount_due <= 0:
        problems.append("sent with nothing due")
    if invoice.status == Invoice.Status.PAID and invoice.amount_due > 0:
        problems.append("paid with money due")
    if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.CANCELLED) and paid:
        problems.append(f"{invoice.status} with payments")
    return problems


def built_by_the_services(invoice: Invoice) -> Invoice:
    """A twin of ``invoice`` built step by step through the services, as the admin does."""
    twin = Invoice.objects.create(
        invoice_number=f"TWIN-{invoice.pk}",
        client=invoice.client,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency_code=invoice.currency_code,
        tax_rate=invoice.tax_rate,
    )
    for item in invoice.items.order_by("position"):
        invoice_item_add(
            invoice=twin,
            description=item.description,
            quantity=item.quantity,
            unit_price=item.unit_price,
        )
    if invoice.status != Invoice.Status.DRAFT:
        invoice_issue(invoice=twin, notify=False)
        for payment in invoice.payments.order_by("date", "pk"):
            invoice_record_payment(invoice=twin, amount=payment.amount, date=payment.date)
    if invoice.status == Invoice.Status.CANCELLED:
        invoice_cancel(invoice=twin)
    twin.refresh_from_db()
    return twin


FIGURES = ["status", "subtotal", "tax_amount", "total_amount", "amount_paid", "billing_name"]

CASES = {
    "draft": {"status": Invoice.Status.DRAFT, "subtotal": Decimal("250.00")},
    "sent": {},
    "sent with tax": {"tax_rate": Decimal("19"), "total_amount": Decimal("1190.00")},
    "part paid": {"amount_paid": Decimal("400.00")},
    "paid": {"status": Invoice.Status.PAID},
    "overpaid": {"status": Invoice.Status.PAID, "amount_paid": Decimal("1200.00")},
    "cancelled": {"status": Invoice.Status.CANCELLED},
    "two items": {
        "items": [
            {"description": "Design", "quantity": 3, "unit_price": Decimal("80.50")},
            {"description": "Discount", "quantity": 1, "unit_price": Decimal("-41.50")},
        ]
    },
}


@pytest.mark.parametrize("case", CASES)
def test_a_factory_invoice_keeps_every_rule_of_the_services(acme, case):
    invoice = InvoiceFactory(client=acme, **CASES[case])

    assert integrity_problems(invoice) == []


@pytest.mark.parametrize("case", CASES)
def test_a_factory_invoice_equals_one_built_through_the_services(acme, case):
    invoice = InvoiceFactory(client=acme, **CASES[case])
    twin = built_by_the_services(invoice)

    assert integrity_problems(twin) == []
    assert [getattr(twin, name) for name in FIGURES] == [getattr(invoice, name) for name in FIGURES]


def test_payments_from_the_factory_keep_amount_paid_the_payments_sum(acme):
    invoice = InvoiceFactory(client=acme, amount_paid=Decimal("300.00"))
    PaymentFactory(invoice=invoice, amount=Decimal("200.00"))
    PaymentFactory(invoice=invoice, amount=Decimal("500.00"))

    assert integrity_problems(invoice) == []
    assert (invoice.amount_paid, invoice.status) == (Decimal("1000.00"), Invoice.Status.PAID)


def test_items_from_the_factory_keep_a_drafts_totals(acme):
    draft = InvoiceFactory(client=acme, status=Invoice.Status.DRAFT)
    InvoiceItemFactory(invoice=draft, quantity=Decimal("2"), unit_price=Decimal("12.34"))
    InvoiceItemFactory(invoice=draft, quantity=Decimal("1.5"), unit_price=Decimal("10"))

    assert integrity_problems(draft) == []
    assert draft.subtotal == Decimal("39.68")


def test_the_factory_refuses_items_on_an_issued_invoice(acme):
    with pytest.raises(InvoiceLocked):
        InvoiceItemFactory(invoice=InvoiceFactory(client=acme))


@pytest.mark.parametrize(
    "figures",
    [
        {"amount_paid": Decimal("1000.00")},  # sent, yet nothing due: the services say paid
        {"status": Invoice.Status.PAID, "amount_paid": Decimal("10.00")},  # paid, money due
        {"total_amount": Decimal("900.00"), "items": [{"unit_price": 1000}]},
    ],
)
def test_the_factory_refuses_figures_the_services_never_produce(acme, figures):
    with pytest.raises(ValueError, match="RawInvoiceFactory"):
        InvoiceFactory(client=acme, **figures)


def test_the_checks_catch_what_the_raw_factory_writes(acme):
    # The old factory's default: sent, totals, no items, amount_paid with no payment.
    raw = RawInvoiceFactory(
        client=acme, amount_paid=Decimal("100.00"), due_date=today() + dt.timedelta(days=1)
    )

    assert integrity_problems(raw) == [
        "subtotal is not the items' sum",
        "amount_paid is not the payments' sum",
        "issued without items",
        "no issuer snapshot",
    ]
