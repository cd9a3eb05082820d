"""Invoice list and detail (§3.5): status filters at their edges, pagination, 404s."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from invoicing.models import Invoice
from tests.factories import InvoiceFactory, PaymentFactory
from tests.portal.conftest import assert_no_globex_data
from timetracker.dates import today

pytestmark = pytest.mark.django_db

URL = reverse("portal:invoices")


@pytest.fixture
def statuses(acme):
    """One invoice per interesting state, numbered by that state."""
    day = today()
    make = InvoiceFactory
    return {
        "unpaid": make(client=acme, invoice_number="A-UNPAID", due_date=day + dt.timedelta(3)),
        "due-today": make(client=acme, invoice_number="A-DUE-TODAY", due_date=day),
        "overdue": make(
            client=acme,
            invoice_number="A-OVERDUE",
            issue_date=day - dt.timedelta(days=40),
            due_date=day - dt.timedelta(days=1),
        ),
        "paid": make(
            client=acme,
            invoice_number="A-PAID",
            status=Invoice.Status.PAID,
            amount_paid=Decimal("1000.00"),
        ),
        "overpaid": make(
            client=acme,
            invoice_number="A-OVERPAID",
            status=Invoice.Status.PAID,
            amount_paid=Decimal("1050.00"),
            due_date=day - dt.timedelta(days=5),
            issue_date=day - dt.timedelta(days=20),
        ),
        "cancelled": make(
            client=acme,
            invoice_number="A-CANCELLED",
            status=Invoice.Status.CANCELLED,
            due_date=day - dt.timedelta(days=5),
            issue_date=day - dt.timedelta(days=20),
        ),
        "draft": make(client=acme, invoice_number="A-DRAFT", status=Invoice.Status.DRAFT),
    }


def numbers(response):
    return {invoice.invoice_number for invoice in response.context["invoices"]}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("", {"A-UNPAID", "A-DUE-TODAY", "A-OVERDUE", "A-PAID", "A-OVERPAID", "A-CANCELLED"}),
        ("all", {"A-UNPAID", "A-DUE-TODAY", "A-OVERDUE", "A-PAID", "A-OVERPAID", "A-CANCELLED"}),
        ("paid", {"A-PAID", "A-OVERPAID"}),
        ("unpaid", {"A-UNPAID", "A-DUE-TODAY", "A-OVERDUE"}),
        ("overdue", {"A-OVERDUE"}),
    ],
)
def test_status_filter(acme_client, statuses, status, expected):
    response = acme_client.get(URL, {"status": status} if status else {})
    assert response.status_code == 200
    assert numbers(response) == expected
    assert b"A-DRAFT" not in response.content


def test_tabs_count_each_status(acme_client, statuses):
    response = acme_client.get(URL, {"status": "paid"})
    tabs = {tab["value"]: (tab["count"], tab["current"]) for tab in response.context["tabs"]}
    assert tabs == {
        "all": (6, False),
        "paid": (2, True),
        "unpaid": (3, False),
        "overdue": (1, False),
    }
    assert b'href="?status=paid" aria-current="page"' in response.content
    assert (
        b'>Unpaid <span class="tabs__count" data-figure="tab-unpaid">3</span>' in response.content
    )


def test_unknown_status_is_400_with_clear_message(acme_client, statuses):
    response = acme_client.get(URL, {"status": "draft", "page": "7"})
    assert response.status_code == 400
    assert "Unknown status “draft”. Choose one of: all, paid, unpaid, overdue." in (
        response.content.decode()
    )
    assert list(response.context["invoices"]) == []
    assert b"A-DRAFT" not in response.content
    assert b"A-UNPAID" not in response.content


def test_overdue_starts_the_day_after_the_due_date(acme_client, statuses):
    content = acme_client.get(URL).content.decode()
    assert "1 day overdue" in content
    assert content.count("overdue</span>") == 1
    assert 'badge--overdue">Overdue' in content


def test_status_badges(acme_client, statuses):
    content = acme_client.get(URL).content.decode()
    assert content.count('badge--paid">Paid') == 2
    assert content.count('badge--unpaid">Unpaid') == 2
    assert content.count('badge--overdue">Overdue') == 1
    assert content.count('badge--cancelled">Cancelled') == 1


def test_newest_issue_date_first_25_per_page(acme_client, acme):
    base = today()
    for n in range(30):
        InvoiceFactory(client=acme, invoice_number=f"A-{n:02d}", issue_date=base - dt.timedelta(n))

    first = acme_client.get(URL)
    second = acme_client.get(URL, {"page": 2})

    assert [i.invoice_number for i in first.context["invoices"]] == [
        f"A-{n:02d}" for n in range(25)
    ]
    assert [i.invoice_number for i in second.context["invoices"]] == [
        f"A-{n:02d}" for n in range(25, 30)
    ]
    assert b"Page 1 of 2" in first.content
    assert b'href="?page=2"' in first.content


def test_invoices_of_one_day_page_by_newest_id_with_none_lost(acme_client, acme):
    made = [InvoiceFactory(client=acme, invoice_number=f"A-{n:02d}") for n in range(30)]

    pages = [acme_client.get(URL, {"page": page}).context["invoices"] for page in (1, 2)]

    assert [i.pk for page in pages for i in page] == [i.pk for i in reversed(made)]


def test_a_status_is_paged_by_its_own_count(acme_client, acme):
    for n in range(30):
        InvoiceFactory(client=acme, status=Invoice.Status.PAID, invoice_number=f"P-{n}")
    InvoiceFactory(client=acme, invoice_number="A-UNPAID")
    response = acme_client.get(URL, {"status": "unpaid"})
    assert numbers(response) == {"A-UNPAID"}
    assert b"Page 1 of" not in response.content
    assert acme_client.get(URL, {"status": "unpaid", "page": 2}).status_code == 404


def test_pagination_keeps_the_status(acme_client, acme):
    for n in range(26):
        InvoiceFactory(client=acme, status=Invoice.Status.PAID, invoice_number=f"P-{n}")
    response = acme_client.get(URL, {"status": "paid"})
    assert b'href="?status=paid&amp;page=2"' in response.content


@pytest.mark.parametrize("page", ["2", "999", "abc", "0", "-1"])
def test_page_out_of_range_is_404(acme_client, statuses, page):
    assert acme_client.get(URL, {"page": page}).status_code == 404


def test_empty_states_say_what_to_expect(acme_client):
    assert b"No invoices yet" in acme_client.get(URL).content
    assert b"Nothing overdue" in acme_client.get(URL, {"status": "overdue"}).content


def test_list_shows_no_other_client_data(acme_client, statuses, globex_data):
    for status in ("all", "paid", "unpaid", "overdue"):
        assert_no_globex_data(acme_client.get(URL, {"status": status}))


# Detail ---------------------------------------------------------------------------------


def detail(client, invoice):
    return client.get(reverse("portal:invoice_detail", args=[invoice.pk]))


def test_detail_shows_snapshot_items_totals_and_payments(acme_client, acme):
    invoice = InvoiceFactory(
        client=acme,
        invoice_number="A-DETAIL",
        tax_rate=Decimal("19.00"),
        subtotal=Decimal("1500.00"),
        tax_amount=Decimal("285.00"),
        total_amount=Decimal("1785.00"),
        billing_name="Acme Corp (at issue)",
        billing_contact="Wile E. Coyote",
        billing_email="ap@acme.example",
        billing_address="1 Desert Road\nMesa",
        items=[
            {"description": "Design", "quantity": 10, "unit_price": 100},
            {"description": "Build", "quantity": 5, "unit_price": 100},
        ],
    )
    PaymentFactory(invoice=invoice, amount=Decimal("785.00"), reference="BANK-REF-1")

    response = detail(acme_client, invoice)

    assert response.status_code == 200
    content = response.content.decode()
    for text in (
        "Invoice A-DETAIL",
        "Acme Corp (at issue)",
        "Wile E. Coyote",
        "ap@acme.example",
        "1 Desert Road<br>Mesa",
        "Design",
        "Build",
        "1,500.00\u00a0EUR",
        "Tax (19 %)",
        "285.00\u00a0EUR",
        "1,785.00\u00a0EUR",
        "BANK-REF-1",
        "785.00\u00a0EUR",
        "1,000.00\u00a0EUR",
        'badge--unpaid">Unpaid',
    ):
        assert text in content, text
    assert [i.description for i in response.context["items"]] == ["Design", "Build"]


def test_detail_falls_back_to_client_billing_fields(acme_client, acme):
    invoice = InvoiceFactory(client=acme, billing_name="", billing_email="")
    content = detail(acme_client, invoice).content.decode()
    assert "<strong>Acme Corp</strong>" in content
    assert acme.email in content


def test_detail_hides_zero_tax(acme_client, acme_invoice):
    assert b"Tax (" not in detail(acme_client, acme_invoice).content


def test_detail_of_overpaid_invoice(acme_client, statuses):
    content = detail(acme_client, statuses["overpaid"]).content.decode()
    assert 'badge--paid">Paid' in content
    assert "-50.00\u00a0EUR" in content
    assert "(overpaid)" in content
    assert "day overdue" not in content
    assert "days overdue" not in content


def test_detail_of_overdue_invoice_says_how_late(acme_client, statuses):
    content = detail(acme_client, statuses["overdue"]).content.decode()
    assert "1 day overdue" in content


def test_detail_of_cancelled_invoice_shows_nothing_due(acme_client, statuses):
    response = detail(acme_client, statuses["cancelled"])
    assert response.status_code == 200
    assert b"Nothing (cancelled)" in response.content


def test_detail_of_draft_is_404(acme_client, statuses):
    assert detail(acme_client, statuses["draft"]).status_code == 404


def test_detail_of_another_clients_invoice_is_404(acme_client, globex_data):
    for invoice in globex_data["invoices"]:
        response = detail(acme_client, invoice)
        assert response.status_code == 404
        assert_no_globex_data(response)


def test_detail_of_nonexistent_invoice_is_404(acme_client):
    assert acme_client.get("/client-portal/invoices/987654/").status_code == 404
    assert acme_client.get("/client-portal/invoices/99999999999999999999999/").status_code == 404
    assert acme_client.get("/client-portal/invoices/abc/").status_code == 404


@pytest.mark.parametrize("status", ["all", "paid", "unpaid", "overdue"])
def test_every_page_is_its_slice_of_the_ordered_invoices(acme_client, acme, globex, status):
    # KeysFirstPaginator: each page's keys are read first, then those rows; drafts and
    # another client's invoices sit between them, several share an issue date.
    from tests.factories import RawInvoiceFactory

    day = today()
    kinds = ["sent", "paid", "draft", "sent", "cancelled", "paid"]
    for n in range(110):
        RawInvoiceFactory(
            client=globex if n % 7 == 3 else acme,
            status=kinds[n % len(kinds)],
            issue_date=day - dt.timedelta(days=n // 3 + 2),
            due_date=day - dt.timedelta(days=n // 3 - n % 5),
            total_amount=Decimal("10.00"),
        )
    expected = [
        i.pk
        for i in Invoice.objects.for_client(acme)
        .portal_visible()
        .in_state(status)
        .order_by("-issue_date", "-id")
    ]
    pages, number = [], 1
    while (response := acme_client.get(URL, {"status": status, "page": number})).status_code == 200:
        pages.append([i.pk for i in response.context["invoices"]])
        number += 1

    assert [pk for page in pages for pk in page] == expected
    assert all(len(page) == 25 for page in pages[:-1])
    assert len(pages) >= (2 if status in ("all", "paid") else 1)
    assert response.status_code == 404


def test_a_deep_page_skips_keys_not_rows(acme_client, acme):
    # KeysFirstPaginator: the OFFSET is in a subquery of ids (which PostgreSQL skips in a
    # covering index); the page's full rows are read by those ids only.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(30):
        InvoiceFactory(client=acme, invoice_number=f"A-{n:02d}")

    with CaptureQueriesContext(connection) as queries:
        response = acme_client.get(URL, {"page": 2})

    assert len(response.context["invoices"]) == 5
    [rows] = [q["sql"] for q in queries.captured_queries if '"invoice_number"' in q["sql"]]
    outer, _, keys = rows.partition("IN (SELECT")
    assert "OFFSET" not in outer and "OFFSET 25" in keys
