"""The invoice list's ``count`` comes from the invoice tallies (per status for ``all`` and
``paid``, per due date of the unpaid ones for ``unpaid`` and ``overdue``: no ``COUNT(*)``
over the invoices) and equals counting the scoped, filtered rows, for every persona and
filter."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from invoicing.models import Invoice
from tests.factories import RawInvoiceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/invoices/"


@pytest.fixture
def invoices(acme, globex):
    day = timezone.localdate()
    for client, n in ((acme, 13), (globex, 7)):
        for i in range(n):
            status = ["draft", "sent", "paid", "cancelled", "paid"][i % 5]
            due = day - dt.timedelta(days=3 - i % 7)
            RawInvoiceFactory(
                client=client,
                status=status,
                issue_date=due - dt.timedelta(days=30),
                due_date=due,
                total_amount=100,
                amount_paid=100 if status == "paid" else 0,
            )


def _counts_invoices(queries) -> bool:
    return any(
        'COUNT(*) AS "__count" FROM "invoicing_invoice"' in query["sql"] for query in queries
    )


def _expected(user, status, client=None):
    rows = Invoice.objects.visible_to(user) if user.is_staff else None
    if rows is None:
        rows = Invoice.objects.for_client(user.client).portal_visible()
    if client is not None:
        rows = rows.for_client(client)
    return rows.in_state(status).count()


@pytest.mark.parametrize("status", ["all", "paid", "unpaid", "overdue"])
@pytest.mark.parametrize("persona", ["staff_user", "subcontractor", "acme_user"])
def test_the_count_equals_the_rows_in_scope(api, invoices, request, persona, status):
    user = request.getfixturevalue(persona)

    with CaptureQueriesContext(connection) as queries:
        response = api(user).get(URL, {"status": status, "page_size": 2})

    assert response.status_code == 200
    assert response.json()["count"] == _expected(user, status)
    assert not _counts_invoices(queries.captured_queries)


@pytest.mark.parametrize("status", ["all", "paid", "unpaid", "overdue"])
def test_the_client_filter_counts_that_client_only(api, invoices, staff_user, globex, status):
    response = api(staff_user).get(URL, {"status": status, "client": globex.pk})

    assert response.json()["count"] == _expected(staff_user, status, client=globex)
    assert len(response.json()["results"]) == response.json()["count"]


def test_a_subcontractor_gets_a_400_for_another_clients_filter(
    api, invoices, subcontractor, globex
):
    response = api(subcontractor).get(URL, {"client": globex.pk})

    assert response.status_code == 400


def test_a_page_beyond_the_counted_end_is_a_404(api, invoices, acme_user):
    count = _expected(acme_user, "all")

    response = api(acme_user).get(URL, {"page_size": 1, "page": count + 1})

    assert response.status_code == 404


def test_a_page_offsets_a_subquery_of_ids_not_the_rows(api, invoices, staff_user):
    with CaptureQueriesContext(connection) as queries:
        response = api(staff_user).get(URL, {"page_size": 2, "page": 3})

    assert response.status_code == 200 and len(response.json()["results"]) == 2
    [rows] = [q["sql"] for q in queries.captured_queries if '"invoice_number"' in q["sql"]]
    outer, _, keys = rows.partition("IN (SELECT")
    assert "OFFSET" not in outer and "OFFSET 4" in keys
