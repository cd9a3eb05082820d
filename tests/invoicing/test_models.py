"""invoicing models: scoping, derived states (QuerySet methods and properties), constraints."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from invoicing.models import Invoice, InvoiceItem, Payment
from tests.factories import (
    InvoiceFactory,
    InvoiceItemFactory,
    PaymentFactory,
    ProjectFactory,
    RawInvoiceFactory,
    StaffUserFactory,
    SubcontractorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 5, 10)
# Noon UTC on TODAY: the same calendar day in every zone between UTC-12 and UTC+11.
NOON = dt.datetime(2024, 5, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen_now(monkeypatch):
    """Freeze "now" (and so ``timetracker.dates.today()``); returns a setter."""

    def freeze(moment):
        monkeypatch.setattr("timetracker.dates.timezone.now", lambda: moment)

    freeze(NOON)
    return freeze


def sent(client_, **kwargs):
    kwargs.setdefault("due_date", TODAY + dt.timedelta(days=10))
    kwargs.setdefault("issue_date", kwargs["due_date"] - dt.timedelta(days=30))
    return InvoiceFactory(client=client_, status=Invoice.Status.SENT, **kwargs)


# --- visible_to / for_client ------------------------------------------------------------------


@pytest.fixture
def invoices(acme, globex):
    return {
        "acme": InvoiceFactory(client=acme),
        "acme_draft": InvoiceFactory(client=acme, status=Invoice.Status.DRAFT),
        "globex": InvoiceFactory(client=globex),
    }


def test_admin_and_staff_see_every_invoice(admin_user, staff_user, invoices):
    assert set(Invoice.objects.visible_to(admin_user)) == set(invoices.values())
    assert set(Invoice.objects.visible_to(staff_user)) == set(invoices.values())


def test_subcontractor_sees_assigned_clients_invoices(subcontractor, invoices):
    assert set(Invoice.objects.visible_to(subcontractor)) == {
        invoices["acme"],
        invoices["acme_draft"],
    }


def test_client_user_sees_only_their_clients_invoices(acme_user, globex_user, invoices):
    assert invoices["globex"] not in Invoice.objects.visible_to(acme_user)
    assert list(Invoice.objects.visible_to(globex_user)) == [invoices["globex"]]


def test_client_user_portal_view_never_includes_drafts(acme_user, invoices):
    assert list(Invoice.objects.visible_to(acme_user).portal_visible()) == [invoices["acme"]]


def test_users_without_scope_see_no_invoice(invoices):
    for user in (UserFactory(), SubcontractorFactory(), AnonymousUser(), None):
        assert not Invoice.objects.visible_to(user).exists()


def test_inactive_users_see_no_invoice(admin_user, subcontractor, acme_user, invoices):
    for user in (admin_user, subcontractor, acme_user):
        user.is_active = False
        user.save()
        assert not Invoice.objects.visible_to(user).exists()


def test_invoice_for_client(acme, globex, invoices):
    assert set(Invoice.objects.for_client(acme)) == {invoices["acme"], invoices["acme_draft"]}
    assert list(Invoice.objects.for_client(globex.pk)) == [invoices["globex"]]


def test_payments_are_scoped_through_their_invoice(
    admin_user, subcontractor, acme_user, globex_user, invoices
):
    mine = PaymentFactory(invoice=invoices["acme"])
    theirs = PaymentFactory(invoice=invoices["globex"])
    assert set(Payment.objects.visible_to(admin_user)) == {mine, theirs}
    assert set(Payment.objects.visible_to(StaffUserFactory())) == {mine, theirs}
    assert not Payment.objects.visible_to(SubcontractorFactory()).exists()
    assert list(Payment.objects.visible_to(subcontractor)) == [mine]
    assert list(Payment.objects.visible_to(acme_user)) == [mine]
    assert list(Payment.objects.visible_to(globex_user)) == [theirs]
    assert not Payment.objects.visible_to(UserFactory()).exists()
    assert not Payment.objects.visible_to(AnonymousUser()).exists()
    assert list(Payment.objects.for_client(invoices["acme"].client)) == [mine]


def test_inactive_user_sees_no_payment(acme_user, invoices):
    PaymentFactory(invoice=invoices["acme"])
    acme_user.is_active = False
    acme_user.save()
    assert not Payment.objects.visible_to(acme_user).exists()


# --- status QuerySet methods ------------------------------------------------------------------


@pytest.fixture
def by_status(acme):
    return {
        "draft": InvoiceFactory(client=acme, status=Invoice.Status.DRAFT),
        "sent": sent(acme),
        "part_paid": sent(acme, amount_paid=Decimal("400.00")),
        "paid": InvoiceFactory(
            client=acme, status=Invoice.Status.PAID, amount_paid=Decimal("1000.00")
        ),
        "overpaid": InvoiceFactory(
            client=acme, status=Invoice.Status.PAID, amount_paid=Decimal("1200.00")
        ),
        "cancelled": InvoiceFactory(client=acme, status=Invoice.Status.CANCELLED),
    }


def pick(by_status, *names):
    return {by_status[n] for n in names}


def test_issued_is_sent_or_paid(by_status):
    assert set(Invoice.objects.issued()) == pick(by_status, "sent", "part_paid", "paid", "overpaid")


def test_portal_visible_is_issued_or_cancelled(by_status):
    assert set(Invoice.objects.portal_visible()) == pick(
        by_status, "sent", "part_paid", "paid", "overpaid", "cancelled"
    )


def test_paid_includes_overpaid(by_status):
    assert set(Invoice.objects.paid()) == pick(by_status, "paid", "overpaid")


def test_unpaid_is_sent_with_something_due(by_status, acme):
    # A legacy row: the services switch a settled invoice to paid, older data may not have.
    settled_but_sent = RawInvoiceFactory(client=acme, amount_paid=Decimal("1000.00"))
    assert set(Invoice.objects.unpaid()) == pick(by_status, "sent", "part_paid")
    assert settled_but_sent not in Invoice.objects.unpaid()


def test_unpaid_excludes_drafts_and_cancelled_even_with_amount_due(by_status):
    unpaid = set(Invoice.objects.unpaid())
    assert by_status["draft"] not in unpaid
    assert by_status["cancelled"] not in unpaid


def test_cancelled_and_drafts(by_status):
    assert list(Invoice.objects.cancelled()) == [by_status["cancelled"]]
    assert list(Invoice.objects.drafts()) == [by_status["draft"]]


def test_amount_due_of_each_state(by_status):
    assert by_status["sent"].amount_due == Decimal("1000.00")
    assert by_status["part_paid"].amount_due == Decimal("600.00")
    assert by_status["paid"].amount_due == Decimal("0.00")
    assert by_status["overpaid"].amount_due == Decimal("-200.00")


def test_balances_sum_amounts_due_exactly_in_sql(acme):
    sent(acme, total_amount=Decimal("100.10"), amount_paid=Decimal("99.90"))
    sent(acme, total_amount=Decimal("0.30"), amount_paid=Decimal("0.10"))
    [row] = Invoice.objects.balances_by_currency()
    assert Decimal(row["unpaid_due"]).quantize(Decimal("0.01")) == Decimal("0.40")


@pytest.mark.parametrize(
    ("state", "names"),
    [
        ("all", ["draft", "sent", "part_paid", "paid", "overpaid", "cancelled"]),
        ("draft", ["draft"]),
        ("issued", ["sent", "part_paid", "paid", "overpaid"]),
        ("paid", ["paid", "overpaid"]),
        ("unpaid", ["sent", "part_paid"]),
        ("cancelled", ["cancelled"]),
    ],
)
def test_in_state_is_the_one_mapping_of_state_names(by_status, state, names):
    assert set(Invoice.objects.in_state(state)) == pick(by_status, *names)


def test_in_state_overdue_is_relative_to_the_day(acme):
    late = sent(acme, due_date=TODAY - dt.timedelta(days=1))
    assert list(Invoice.objects.in_state("overdue", on=TODAY)) == [late]
    assert not Invoice.objects.in_state("overdue", on=TODAY - dt.timedelta(days=1)).exists()


def test_in_state_refuses_an_unknown_name():
    with pytest.raises(ValueError, match="Unknown invoice state"):
        Invoice.objects.in_state("bogus")


def test_status_methods_chain_with_scope(subcontractor, by_status, globex):
    sent(globex)
    assert set(Invoice.objects.visible_to(subcontractor).unpaid()) == pick(
        by_status, "sent", "part_paid"
    )


# --- overdue ----------------------------------------------------------------------------------


def test_invoice_due_today_is_not_overdue(frozen_now, acme):
    invoice = sent(acme, due_date=TODAY)
    assert not Invoice.objects.overdue().exists()
    assert not invoice.is_overdue
    assert invoice.days_overdue == 0
    assert invoice.display_status == "unpaid"


def test_invoice_due_yesterday_is_overdue_by_one_day(frozen_now, acme):
    invoice = sent(acme, due_date=TODAY - dt.timedelta(days=1))
    assert list(Invoice.objects.overdue()) == [invoice]
    assert invoice.is_overdue
    assert invoice.days_overdue == 1
    assert invoice.display_status == "overdue"


def test_days_overdue_counts_whole_days(frozen_now, acme):
    invoice = sent(acme, due_date=TODAY - dt.timedelta(days=45))
    assert invoice.days_overdue == 45


def test_overdue_accepts_an_explicit_day(acme):
    invoice = sent(acme, due_date=dt.date(2024, 1, 31))
    assert not Invoice.objects.overdue(on=dt.date(2024, 1, 31)).exists()
    assert list(Invoice.objects.overdue(on=dt.date(2024, 2, 1))) == [invoice]


def test_overdue_excludes_paid_part_settled_drafts_and_cancelled(frozen_now, acme):
    past = TODAY - dt.timedelta(days=5)
    part_paid = sent(acme, due_date=past, amount_paid=Decimal("1.00"))
    InvoiceFactory(
        client=acme,
        status=Invoice.Status.PAID,
        issue_date=past,
        due_date=past,
        amount_paid=Decimal("1000"),
    )
    # A legacy row, settled with the status not switched (the services switch it).
    RawInvoiceFactory(client=acme, issue_date=past, due_date=past, amount_paid=Decimal("1000.00"))
    for status in (Invoice.Status.DRAFT, Invoice.Status.CANCELLED):
        InvoiceFactory(client=acme, status=status, issue_date=past, due_date=past)
    assert list(Invoice.objects.overdue()) == [part_paid]


@pytest.mark.parametrize(
    ("tz_name", "expected_overdue"),
    [
        # 23:30 UTC on the due date is already the next day in Berlin (UTC+2 in May) ...
        ("Europe/Berlin", True),
        # ... but still the due date in UTC and in New York.
        ("UTC", False),
        ("America/New_York", False),
    ],
)
def test_overdue_switches_at_local_midnight(frozen_now, settings, acme, tz_name, expected_overdue):
    settings.TIME_ZONE = tz_name
    frozen_now(dt.datetime(2024, 5, 10, 23, 30, tzinfo=dt.UTC))
    invoice = sent(acme, issue_date=dt.date(2024, 5, 1), due_date=dt.date(2024, 5, 10))
    assert Invoice.objects.overdue().exists() is expected_overdue
    assert invoice.is_overdue is expected_overdue
    assert invoice.days_overdue == (1 if expected_overdue else 0)


def test_overdue_in_a_zone_behind_utc_waits_for_local_midnight(frozen_now, settings, acme):
    # 02:00 UTC on May 11 is still May 10 in New York: not overdue there yet.
    settings.TIME_ZONE = "America/New_York"
    frozen_now(dt.datetime(2024, 5, 11, 2, 0, tzinfo=dt.UTC))
    invoice = sent(acme, issue_date=dt.date(2024, 5, 1), due_date=dt.date(2024, 5, 10))
    assert not invoice.is_overdue
    assert not Invoice.objects.overdue().exists()
    settings.TIME_ZONE = "UTC"
    assert invoice.is_overdue


# --- properties -------------------------------------------------------------------------------


def test_amount_due_is_total_minus_paid(acme):
    invoice = sent(acme, total_amount=Decimal("1190.00"), amount_paid=Decimal("190.00"))
    assert invoice.amount_due == Decimal("1000.00")


def test_amount_due_is_negative_when_overpaid(acme):
    invoice = InvoiceFactory(
        client=acme, status=Invoice.Status.PAID, amount_paid=Decimal("1000.01")
    )
    assert invoice.amount_due == Decimal("-0.01")
    assert invoice.is_paid
    assert not invoice.is_unpaid


def test_state_properties(frozen_now, by_status):
    assert by_status["draft"].is_draft and not by_status["draft"].is_issued
    assert by_status["sent"].is_issued and by_status["sent"].is_unpaid
    assert by_status["paid"].is_issued and by_status["paid"].is_paid
    assert not by_status["cancelled"].is_issued and not by_status["cancelled"].is_unpaid


@pytest.mark.parametrize(
    ("status", "amount_paid", "due_in_days", "expected"),
    [
        (Invoice.Status.DRAFT, "0", -30, "draft"),
        (Invoice.Status.SENT, "0", 5, "unpaid"),
        (Invoice.Status.SENT, "999.99", -1, "overdue"),
        (Invoice.Status.PAID, "1000.00", -30, "paid"),
        (Invoice.Status.PAID, "1500.00", 5, "paid"),
        (Invoice.Status.CANCELLED, "0", -30, "cancelled"),
    ],
)
def test_display_status(frozen_now, acme, status, amount_paid, due_in_days, expected):
    invoice = InvoiceFactory(
        client=acme,
        status=status,
        amount_paid=Decimal(amount_paid),
        issue_date=TODAY - dt.timedelta(days=40),
        due_date=TODAY + dt.timedelta(days=due_in_days),
    )
    assert invoice.display_status == expected
    assert str(invoice.display_status_label)


def test_a_settled_legacy_sent_invoice_is_not_shown_overdue(frozen_now, acme):
    # The services switch a settled invoice to paid; a legacy row may still say sent.
    invoice = RawInvoiceFactory(
        client=acme,
        amount_paid=Decimal("1000.00"),
        issue_date=TODAY - dt.timedelta(days=40),
        due_date=TODAY - dt.timedelta(days=1),
    )
    assert invoice.display_status == "sent"


def test_days_overdue_is_zero_for_paid_and_cancelled(frozen_now, acme):
    past = TODAY - dt.timedelta(days=9)
    for status in (Invoice.Status.PAID, Invoice.Status.CANCELLED, Invoice.Status.DRAFT):
        invoice = InvoiceFactory(client=acme, status=status, issue_date=past, due_date=past)
        assert invoice.days_overdue == 0


def test_invoices_are_newest_issue_date_first(acme):
    old = sent(acme, issue_date=dt.date(2024, 1, 1), due_date=dt.date(2024, 1, 31))
    new = sent(acme, issue_date=dt.date(2024, 2, 1), due_date=dt.date(2024, 3, 1))
    assert list(Invoice.objects.all()) == [new, old]
    assert str(new) == new.invoice_number


# --- constraints ------------------------------------------------------------------------------


def test_invoice_number_is_unique(acme, globex):
    InvoiceFactory(client=acme, invoice_number="INV-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(client=globex, invoice_number="INV-1")


def test_due_date_before_issue_date_is_rejected(acme):
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(client=acme, issue_date=dt.date(2024, 5, 2), due_date=dt.date(2024, 5, 1))


def test_due_date_on_issue_date_is_fine(acme):
    InvoiceFactory(client=acme, issue_date=dt.date(2024, 5, 2), due_date=dt.date(2024, 5, 2))


@pytest.mark.parametrize("field", ["subtotal", "tax_amount", "total_amount", "amount_paid"])
def test_negative_invoice_amounts_are_rejected(acme, field):
    with pytest.raises(IntegrityError), transaction.atomic():
        RawInvoiceFactory(client=acme, **{field: Decimal("-0.01")})


@pytest.mark.parametrize("rate", ["-1", "100.01"])
def test_tax_rate_out_of_range_is_rejected(acme, rate):
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(client=acme, tax_rate=Decimal(rate))


def test_unknown_status_is_rejected(acme):
    with pytest.raises(IntegrityError), transaction.atomic():
        RawInvoiceFactory(client=acme, status="overdue")


@pytest.mark.parametrize("amount", ["0", "-5.00"])
def test_payment_amount_must_be_positive(acme, amount):
    invoice = sent(acme)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(invoice=invoice, amount=Decimal(amount), date=TODAY)


def test_deleting_an_invoice_with_payments_is_protected(acme):
    invoice = sent(acme)
    PaymentFactory(invoice=invoice)
    with pytest.raises(ProtectedError):
        invoice.delete()


def test_deleting_a_draft_invoice_removes_its_items(acme):
    item = InvoiceItemFactory(invoice__client=acme)
    item.invoice.delete()
    assert not InvoiceItem.objects.exists()


def test_deleting_a_client_or_project_with_invoices_is_protected(acme):
    project = ProjectFactory(client=acme)
    InvoiceFactory(client=acme, project=project)
    with pytest.raises(ProtectedError):
        project.delete()
    with pytest.raises(ProtectedError):
        acme.delete()


def test_items_are_ordered_by_position(acme):
    invoice = InvoiceFactory(client=acme, status=Invoice.Status.DRAFT)
    second = InvoiceItemFactory(invoice=invoice, position=2)
    first = InvoiceItemFactory(invoice=invoice, position=1)
    assert list(invoice.items.all()) == [first, second]
