"""The invoice tallies (invoicing.counts: invoices per client and status, unpaid invoices and
amounts due per client, currency and due date) equal a GROUP BY over the invoices, whatever
writes them: ORM saves and deletes, queryset updates and deletes, bulk_create, raw SQL,
TRUNCATE — on SQLite and PostgreSQL — and the portal's status tabs and balances read from
them give what counting and summing the invoices gives."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Count, F, Sum
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clients.models import Client
from invoicing import counts
from invoicing.models import ClientInvoiceCount, ClientUnpaid, Invoice
from tests.factories import ClientFactory, RawInvoiceFactory
from tests.transactions import rolled_back, truncate

pytestmark = pytest.mark.django_db

STATUSES = [choice.value for choice in Invoice.Status]
DAY = dt.date(2026, 6, 15)


def expected() -> dict:
    rows = Invoice.objects.order_by().values("client_id", "status").annotate(n=Count("id"))
    return {(row["client_id"], row["status"]): row["n"] for row in rows}


def actual() -> dict:
    rows = ClientInvoiceCount.objects.values_list("client_id", "status", "invoice_count")
    # A count that falls to zero is deleted, so no row says 0.
    return {(client_id, status): n for client_id, status, n in rows}


def expected_unpaid() -> dict:
    rows = (
        Invoice.objects.unpaid()
        .order_by()
        .values("client_id", "currency_code", "due_date")
        .annotate(n=Count("id"), due=Sum(F("total_amount") - F("amount_paid")))
    )
    return {
        (row["client_id"], row["currency_code"], row["due_date"]): (
            row["n"],
            int(Decimal(row["due"]).quantize(Decimal("0.01")) * 100),
        )
        for row in rows
    }


def actual_unpaid() -> dict:
    rows = ClientUnpaid.objects.values_list(
        "client_id", "currency_code", "due_date", "invoice_count", "due_cents"
    )
    return {(client, currency, due): (n, cents) for client, currency, due, n, cents in rows}


@pytest.fixture
def world(db):
    return {
        "clients": [ClientFactory(), ClientFactory(), ClientFactory()],
        "numbers": iter(range(10**6)),
    }


# Amounts whose cents floating point gets wrong on SQLite (0.1 + 0.2; 0.29 * 100 is
# 28.999…), the smallest, and the largest the columns hold.
AMOUNTS = [Decimal(a) for a in ("0.00", "0.01", "0.10", "0.20", "0.29", "1.15", "100.00")]
AMOUNTS.append(Decimal("999999999999.99"))


def _new(world, client: int, status: str, due_days: int = 0, total=Decimal("100.10")) -> Invoice:
    issue = DAY - dt.timedelta(days=40)
    return Invoice(
        invoice_number=f"C-{next(world['numbers'])}",
        client=world["clients"][client],
        issue_date=issue,
        due_date=issue + dt.timedelta(days=30 + due_days),
        status=status,
        total_amount=total,
    )


client_index = st.integers(0, 2)
status = st.sampled_from(STATUSES)
amount = st.sampled_from(AMOUNTS)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.sampled_from(["orm", "bulk", "raw"]), client_index, status),
        st.tuples(
            st.just("edit"),
            st.sampled_from(["orm", "update", "update_later", "raw", "amount"]),
            st.integers(0, 50),
            client_index,
            status,
        ),
        st.tuples(st.just("delete"), st.sampled_from(["orm", "later"]), st.integers(0, 50)),
        st.tuples(st.just("truncate")),
        # What only the unpaid tally follows: payments, totals, due dates, currencies.
        st.tuples(
            st.just("money"),
            st.sampled_from(["paid", "total", "due", "currency", "orm"]),
            st.integers(0, 50),
            amount,
            st.integers(-3, 3),
        ),
    ),
    max_size=12,
)


def apply(world, op) -> None:
    kind, *args = op
    invoices = list(Invoice.objects.order_by("pk"))
    if kind == "create":
        how, client, state = args
        if how == "orm":
            _new(world, client, state).save()
        elif how == "bulk":
            Invoice.objects.bulk_create([_new(world, (client + n) % 3, state) for n in range(3)])
        else:
            invoice = _new(world, client, state)
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO invoicing_invoice (invoice_number, client_id, issue_date,"
                    " due_date, status, currency_code, tax_rate, subtotal, tax_amount,"
                    " total_amount, amount_paid, notes, billing_name, billing_contact,"
                    " billing_email, billing_address, created_at, updated_at) VALUES"
                    " (%s, %s, %s, %s, %s, 'EUR', 0, 0, 0, 0, 0, '', '', '', '', '', %s, %s)",
                    [
                        invoice.invoice_number,
                        invoice.client.pk,
                        invoice.issue_date,
                        invoice.due_date,
                        state,
                        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                    ],
                )
    elif kind == "edit" and invoices:
        how, index, client, state = args
        invoice = invoices[index % len(invoices)]
        new_client = world["clients"][client]
        if how == "orm":
            invoice.client, invoice.status = new_client, state
            invoice.save()
        elif how == "update":
            Invoice.objects.filter(pk=invoice.pk).update(status=state)
        elif how == "update_later":  # several rows, several (client, status) pairs at once
            Invoice.objects.filter(pk__gte=invoice.pk).update(client=new_client, status=state)
        elif how == "raw":
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE invoicing_invoice SET status = %s WHERE id = %s", [state, invoice.pk]
                )
        else:  # changes no count
            Invoice.objects.filter(pk=invoice.pk).update(amount_paid=Decimal("1.00"))
    elif kind == "money" and invoices:
        how, index, value, days = args
        invoice = invoices[index % len(invoices)]
        rows = Invoice.objects.filter(pk=invoice.pk)
        if how == "paid":  # nothing, part, all or more than due
            rows.update(amount_paid=value)
        elif how == "total":
            rows.update(total_amount=value)
        elif how == "due":  # several rows move to another due date
            Invoice.objects.filter(pk__gte=invoice.pk).update(
                due_date=F("due_date") + dt.timedelta(days=days)
            )
        elif how == "currency":
            rows.update(currency_code="USD" if invoice.currency_code == "EUR" else "EUR")
        else:  # one save() changing several columns at once
            invoice.status, invoice.amount_paid = "sent", value
            invoice.total_amount = AMOUNTS[days % len(AMOUNTS)]
            invoice.save()
    elif kind == "delete" and invoices:
        how, index = args
        invoice = invoices[index % len(invoices)]
        if how == "orm":
            invoice.delete()
        else:
            Invoice.objects.filter(pk__gte=invoice.pk).delete()
    elif kind == "truncate":
        truncate("invoicing_invoice")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
# Each trigger path whatever hypothesis draws: one row and many rows inserted, changed in
# place, moved to another client and status, a change of no count, deletes, TRUNCATE.
@example(
    ops=[
        ("create", "orm", 0, "sent"),
        ("money", "total", 0, Decimal("0.29"), 0),
        ("create", "orm", 0, "sent"),
        ("money", "total", 1, Decimal("0.20"), 0),
        ("money", "paid", 1, Decimal("0.01"), 0),
        ("money", "due", 1, Decimal("0"), 2),
        ("money", "currency", 0, Decimal("0"), 0),
        ("money", "orm", 0, Decimal("99.99"), 4),
        ("create", "bulk", 1, "paid"),
        ("create", "raw", 2, "draft"),
        ("edit", "orm", 0, 1, "cancelled"),
        ("edit", "update", 1, 0, "paid"),
        ("edit", "amount", 2, 0, "sent"),
        ("edit", "raw", 3, 0, "sent"),
        ("edit", "update_later", 2, 2, "sent"),
        ("delete", "orm", 0),
        ("delete", "later", 1),
        ("create", "bulk", 0, "sent"),
        ("truncate",),
    ]
)
def test_counts_equal_the_invoices_after_any_writes(world, ops):
    with rolled_back():
        for op in ops:
            apply(world, op)
            assert actual() == expected(), op
            assert actual_unpaid() == expected_unpaid(), op


def test_every_count_trigger_is_installed():
    # A later migration that makes SQLite rebuild invoicing_invoice drops its triggers;
    # install_triggers() must then run again at its end.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            wanted = {name for tally in counts.TALLIES for name in tally.sqlite_triggers}
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            wanted = {name for tally in counts.TALLIES for name in tally.pg_triggers}
        names = {name for (name,) in cursor.fetchall()}
    assert wanted <= names


def test_install_again_recomputes_counts_that_drifted(acme):
    RawInvoiceFactory.create_batch(3, client=acme, status="paid")
    invoice = RawInvoiceFactory(client=acme, status="sent", total_amount=Decimal("7.30"))
    ClientInvoiceCount.objects.filter(client=acme).update(invoice_count=99)
    ClientUnpaid.objects.filter(client=acme).update(due_cents=1)

    counts.install_triggers(connection)

    assert actual() == {(acme.pk, "paid"): 3, (acme.pk, "sent"): 1}
    key = (acme.pk, invoice.currency_code, invoice.due_date)
    assert actual_unpaid() == {key: (1, 730)}


def _sent(client, *, total, paid, due):
    return RawInvoiceFactory(
        client=client,
        status="sent",
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        total_amount=Decimal(total),
        amount_paid=Decimal(paid),
    )


def test_status_counts_from_the_rows_equal_counting_the_invoices(acme, globex):
    for status in ["paid", "paid", "cancelled", "draft"]:
        RawInvoiceFactory(client=acme, status=status)
    _sent(acme, total="100", paid="0", due=DAY - dt.timedelta(days=1))  # overdue
    _sent(acme, total="100", paid="40", due=DAY)  # unpaid, due today: not overdue
    _sent(acme, total="100", paid="100", due=DAY - dt.timedelta(days=9))  # sent, nothing due
    RawInvoiceFactory.create_batch(4, client=globex, status="paid")
    _sent(globex, total="5", paid="0", due=DAY - dt.timedelta(days=3))
    invoices = Invoice.objects.for_client(acme).portal_visible()
    unpaid = ClientUnpaid.objects.for_client(acme)

    result = ClientInvoiceCount.objects.for_client(acme).status_counts(unpaid, on=DAY)

    assert result == invoices.status_counts(on=DAY)
    assert result == {"total": 6, "paid": 2, "unpaid": 2, "overdue": 1}


def test_status_counts_of_a_client_without_invoices_are_zero(acme, globex):
    RawInvoiceFactory.create_batch(2, client=globex, status="paid")
    _sent(globex, total="5", paid="0", due=DAY - dt.timedelta(days=3))
    unpaid = ClientUnpaid.objects.for_client(acme)

    result = ClientInvoiceCount.objects.for_client(acme).status_counts(unpaid, on=DAY)

    assert result == {"total": 0, "paid": 0, "unpaid": 0, "overdue": 0}


def test_balances_from_the_tally_equal_summing_the_invoices(acme, globex):
    _sent(acme, total="0.10", paid="0", due=DAY - dt.timedelta(days=1))  # overdue
    _sent(acme, total="0.20", paid="0", due=DAY - dt.timedelta(days=1))  # same day: 0.30
    _sent(acme, total="100.00", paid="40.01", due=DAY)  # due today: unpaid, not overdue
    _sent(acme, total="100", paid="100", due=DAY - dt.timedelta(days=9))  # nothing due
    usd = _sent(acme, total="12.00", paid="0", due=DAY + dt.timedelta(days=5))
    Invoice.objects.filter(pk=usd.pk).update(currency_code="USD")
    RawInvoiceFactory(client=acme, status="draft", total_amount=Decimal("50"))
    _sent(globex, total="5", paid="0", due=DAY - dt.timedelta(days=3))

    result = ClientUnpaid.objects.for_client(acme).balances(on=DAY)

    assert result == list(Invoice.objects.for_client(acme).balances_by_currency(on=DAY))
    eur, dollars = result
    assert (eur["currency_code"], eur["unpaid_count"], eur["overdue_count"]) == ("EUR", 3, 2)
    assert (str(eur["unpaid_due"]), str(eur["overdue_due"])) == ("60.29", "0.30")
    assert (str(dollars["unpaid_due"]), str(dollars["overdue_due"])) == ("12.00", "0.00")
    assert ClientUnpaid.objects.for_client(acme).counts(on=DAY) == {"unpaid": 4, "overdue": 2}


def test_balances_of_a_client_with_nothing_unpaid_are_empty(acme, globex):
    _sent(acme, total="100", paid="100", due=DAY - dt.timedelta(days=9))
    _sent(globex, total="5", paid="0", due=DAY - dt.timedelta(days=3))

    assert ClientUnpaid.objects.for_client(acme).balances(on=DAY) == []
    assert ClientUnpaid.objects.for_client(acme).counts(on=DAY) == {"unpaid": 0, "overdue": 0}


def test_unpaid_tallies_are_scoped_like_the_invoices(acme, globex, subcontractor, staff_user):
    _sent(acme, total="5", paid="0", due=DAY)
    _sent(globex, total="5", paid="0", due=DAY)

    assert set(ClientUnpaid.objects.visible_to(subcontractor).values_list("client", flat=True)) == {
        acme.pk
    }
    assert ClientUnpaid.objects.visible_to(staff_user).count() == 2


def test_counts_are_scoped_like_the_invoices(acme, globex, subcontractor, staff_user):
    RawInvoiceFactory(client=acme, status="paid")
    RawInvoiceFactory(client=globex, status="paid")

    assert set(
        ClientInvoiceCount.objects.visible_to(subcontractor).values_list("client", flat=True)
    ) == {acme.pk}
    assert ClientInvoiceCount.objects.visible_to(staff_user).count() == 2


def test_deleting_invoices_after_the_counts_were_emptied_adds_no_negative_rows(acme):
    # A test database flush may empty the counts before the invoices: nothing may be left
    # pointing at a client about to be deleted.
    RawInvoiceFactory.create_batch(2, client=acme, status="paid")
    ClientInvoiceCount.objects.all().delete()

    Invoice.objects.filter(client=acme).delete()

    assert not ClientInvoiceCount.objects.exists()


def test_the_last_invoice_of_a_status_takes_its_row_along(acme):
    invoice = RawInvoiceFactory(client=acme, status="sent")
    RawInvoiceFactory(client=acme, status="paid")

    Invoice.objects.filter(pk=invoice.pk).update(status="paid")

    assert list(ClientInvoiceCount.objects.values_list("status", "invoice_count")) == [("paid", 2)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_concurrent_status_changes_of_one_client_do_not_deadlock():
    """Two connections flipping invoices of the same client between sent and paid, in
    opposite directions, each statement its own transaction: the triggers lock the count
    rows in key order, so the two never wait for each other in a cycle (with a decrease
    pass before an increase pass, ~1 in 100 statements deadlocked)."""
    acme = Client.objects.create(name="Lock test")
    issue = DAY - dt.timedelta(days=40)
    first, second = (
        Invoice.objects.create(
            invoice_number=number,
            client=acme,
            issue_date=issue,
            due_date=issue + dt.timedelta(days=30),
            status=status,
        )
        for number, status in (("L-1", "sent"), ("L-2", "paid"))
    )
    start = threading.Barrier(2)
    errors = []

    def flip(invoice, statuses):
        try:
            start.wait(timeout=30)
            for n in range(800):
                Invoice.objects.filter(pk=invoice.pk).update(status=statuses[n % 2])
        except Exception as exc:  # DeadlockDetected
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=flip, args=(first, ("paid", "sent"))),
        threading.Thread(target=flip, args=(second, ("sent", "paid"))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert actual() == expected() == {(acme.pk, "sent"): 1, (acme.pk, "paid"): 1}
