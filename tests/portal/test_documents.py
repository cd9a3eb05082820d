"""Portal documents (§9): invoice PDF and print view, the time-entry CSV, settings."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from invoicing.services import invoice_issue
from tests.factories import (
    BusinessProfileFactory,
    InvoiceItemFactory,
    ProjectFactory,
    SubcontractorFactory,
    TimeEntryFactory,
    UserFactory,
)
from tests.portal.conftest import assert_no_globex_data, bulk_entries

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(acme):
    BusinessProfileFactory()
    invoice = InvoiceItemFactory(
        invoice__client=acme, invoice__invoice_number="ACME/2024 #9", description="Workshop"
    ).invoice
    return invoice_issue(invoice=invoice, notify=False)


def body(response) -> str:
    return b"".join(response.streaming_content).decode() if response.streaming else ""


# Invoice PDF


def test_pdf_download(acme_client, issued):
    response = acme_client.get(reverse("portal:invoice_pdf", args=[issued.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # The number's slash and spaces cannot break the header.
    assert response["Content-Disposition"] == 'attachment; filename="ACME_2024__9.pdf"'
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Workshop" in text and "1,000.00" in text and "Issuer Studio GmbH" in text


def test_pdf_404s_like_the_detail_page(acme_client, acme, globex_data):
    draft = InvoiceItemFactory(invoice__client=acme).invoice  # the factory's invoice is a draft
    for invoice in [draft, *globex_data["invoices"]]:
        url = reverse("portal:invoice_pdf", args=[invoice.pk])
        assert acme_client.get(url).status_code == 404
    assert acme_client.get("/client-portal/invoices/999999999/pdf/").status_code == 404


def test_pdf_needs_a_login(client, issued):
    url = reverse("portal:invoice_pdf", args=[issued.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_staff_and_subcontractors_have_no_portal_pdf(client, issued):
    client.force_login(SubcontractorFactory())
    assert client.get(reverse("portal:invoice_pdf", args=[issued.pk])).status_code == 403


def test_print_view_uses_the_pdf_template(acme_client, issued):
    response = acme_client.get(reverse("portal:invoice_print", args=[issued.pk]))
    assert response.status_code == 200
    assert "pdf/invoice.html" in [t.name for t in response.templates]
    assert "DRAFT" not in response.content.decode()


def test_detail_page_has_from_block_payment_instructions_and_links(acme_client, issued):
    html = acme_client.get(reverse("portal:invoice_detail", args=[issued.pk])).content.decode()
    assert "Issuer Studio GmbH" in html and "DE123456789" in html
    assert "DE89 3704 0044 0532 0130 00" in html
    assert "Payment instructions" in html and "ACME/2024 #9" in html
    assert reverse("portal:invoice_pdf", args=[issued.pk]) in html


def test_invoice_list_links_each_pdf(acme_client, issued):
    html = acme_client.get(reverse("portal:invoices")).content.decode()
    assert reverse("portal:invoice_pdf", args=[issued.pk]) in html


def test_pdf_is_read_only(acme_client, issued):
    assert acme_client.post(reverse("portal:invoice_pdf", args=[issued.pk])).status_code == 405


# Time-entry CSV


@pytest.fixture
def acme_project(acme):
    return ProjectFactory(client=acme, name="Acme Website")


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response))))


def test_csv_columns_and_newest_first(acme_client, acme_project):
    worker = UserFactory(first_name="Ada", last_name="Lovelace")
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=2)
    TimeEntryFactory(
        project=acme_project,
        user=worker,
        start_time=start,
        end_time=start + dt.timedelta(minutes=95),
        notes="older",
        billable=False,
    )
    TimeEntryFactory(
        project=acme_project,
        user=worker,
        start_time=start + dt.timedelta(days=1),
        end_time=start + dt.timedelta(days=1, minutes=30),
        notes="newer",
    )
    response = acme_client.get(reverse("portal:time_entries_csv"))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="time-entries.csv"'
    header, newer, older = read_csv(response)
    assert header == [
        "date",
        "start",
        "end",
        "project",
        "team member",
        "duration",
        "hours",
        "billable",
        "notes",
    ]
    assert newer[-1] == "newer"
    local = timezone.localtime(start)
    assert older == [
        local.date().isoformat(),
        local.strftime("%H:%M"),
        (local + dt.timedelta(minutes=95)).strftime("%H:%M"),
        "Acme Website",
        "Ada Lovelace",
        "1:35",
        "1.58",
        "no",
        "older",
    ]


@pytest.mark.parametrize(
    "notes, cell",
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tindented", "'\tindented"),
        ("\rcarriage", "'\rcarriage"),
        ("plain = fine", "plain = fine"),
        ("Ünïcödé ✓", "Ünïcödé ✓"),
    ],
)
def test_csv_neutralises_formulas(acme_client, acme_project, notes, cell):
    TimeEntryFactory(project=acme_project, notes=notes)
    (_, row) = read_csv(acme_client.get(reverse("portal:time_entries_csv")))
    assert row[-1] == cell


def test_csv_neutralises_project_and_member_names(acme_client, acme):
    project = ProjectFactory(client=acme, name="=cmd|' /C calc'!A0")
    TimeEntryFactory(project=project, user=UserFactory(first_name="@evil", last_name="x"))
    (_, row) = read_csv(acme_client.get(reverse("portal:time_entries_csv")))
    assert row[3].startswith("'=") and row[4].startswith("'@")


def test_csv_applies_the_page_filters(acme_client, acme, acme_project):
    other = ProjectFactory(client=acme, name="Other")
    TimeEntryFactory(project=acme_project, notes="mine")
    TimeEntryFactory(project=other, notes="not this one")
    rows = read_csv(
        acme_client.get(reverse("portal:time_entries_csv"), {"project_id": acme_project.pk})
    )
    assert [r[-1] for r in rows[1:]] == ["mine"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "nope"}, "date_from", "Enter a date as YYYY-MM-DD."),
        (
            {"date_from": "2024-02-01", "date_to": "2024-01-01"},
            "date_to",
            "The end date must not be before the start date.",
        ),
        ({"project_id": "abc"}, "project_id", "Choose one of your projects."),
    ],
)
def test_csv_bad_filters_are_400_with_the_pages_message(
    acme_client, acme_project, params, field, message
):
    response = acme_client.get(reverse("portal:time_entries_csv"), params)
    assert response.status_code == 400
    assert not response.streaming
    # The time-entries page with the form's errors, as the page itself answers.
    assert f'<p class="field__error" id="id_{field}-error">{message}</p>' in (
        response.content.decode()
    )


def test_csv_foreign_project_is_400_and_shows_no_foreign_rows(acme_client, globex_data):
    response = acme_client.get(
        reverse("portal:time_entries_csv"), {"project_id": globex_data["projects"][0].pk}
    )
    assert response.status_code == 400
    assert_no_globex_data(response)
    response = acme_client.get(reverse("portal:time_entries_csv"))
    assert "GLOBEX" not in body(response) and "Zebulon" not in body(response)


def test_csv_needs_a_login(client):
    response = client.get(reverse("portal:time_entries_csv"))
    assert response.status_code == 302


def test_csv_streams_10000_rows_in_constant_queries(acme_client, acme_project):
    start = timezone.now() - dt.timedelta(days=400)
    bulk_entries(acme_project, 10_000, start=start)
    with CaptureQueriesContext(connection) as queries:
        response = acme_client.get(reverse("portal:time_entries_csv"))
        chunks = iter(response.streaming_content)
        first = next(chunks)
        assert first.startswith(b"date,start,end")
        rest = list(chunks)
    # 1. session, 2. user (with client), 3. the client's projects (filter; it reads the
    # newest entries' projects in a subquery), 4. the rows: one query for all 10,000
    # (server-side cursor / chunked fetches); on PostgreSQL also the export transaction's
    # planner setting (csv_export._all_rows).
    row_queries = [
        q
        for q in queries.captured_queries
        if q["sql"].partition(" FROM ")[2].startswith('"tracking_timeentry"')
    ]
    assert len(row_queries) == 1, row_queries
    assert len(queries.captured_queries) <= (7 if connection.vendor == "postgresql" else 6)
    # Streamed in chunks of rows (csv_export.ROWS_PER_CHUNK), not one write per row.
    assert 1 < len(rest) < 10_000
    lines = b"".join(rest).decode().split("\r\n")
    assert len(lines) == 10_001 and lines[-1] == ""
    assert lines[0].endswith("Work item 9999")  # newest first


def test_time_entries_page_links_the_csv_with_its_filters(acme_client, acme_project):
    TimeEntryFactory(project=acme_project)
    html = acme_client.get(
        reverse("portal:time_entries"), {"project_id": acme_project.pk, "page": "1"}
    ).content.decode()
    assert f'{reverse("portal:time_entries_csv")}?project_id={acme_project.pk}"' in html


# Notification settings


def test_settings_page_saves_the_users_own_toggles(acme_client, acme_user, globex_user):
    url = reverse("portal:settings")
    assert acme_client.get(url).status_code == 200
    response = acme_client.post(url, {"notify_invoices": "on"}, follow=True)
    assert "have been saved" in response.content.decode()
    acme_user.refresh_from_db()
    assert (acme_user.notify_invoices, acme_user.notify_reminders, acme_user.notify_comments) == (
        True,
        False,
        False,
    )
    globex_user.refresh_from_db()
    assert globex_user.notify_reminders and globex_user.notify_comments


def test_settings_ignore_other_fields_and_ids(acme_client, acme_user, globex_user):
    acme_client.post(
        reverse("portal:settings"),
        {"id": globex_user.pk, "username": "hacked", "client": 999, "is_staff": "on"},
    )
    acme_user.refresh_from_db()
    assert acme_user.username == "acme_user" and not acme_user.is_staff
    globex_user.refresh_from_db()
    assert globex_user.notify_invoices


def test_settings_post_needs_csrf(acme_user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(acme_user)
    assert strict.post(reverse("portal:settings"), {}).status_code == 403
    acme_user.refresh_from_db()
    assert acme_user.notify_invoices


def test_settings_need_a_login_and_portal_access(client, staff_user):
    assert client.get(reverse("portal:settings")).status_code == 302
    assert client.post(reverse("portal:settings"), {}).status_code == 302
    client.force_login(staff_user)
    assert client.post(reverse("portal:settings"), {}).status_code == 403


def test_account_bar_links_settings(acme_client):
    html = acme_client.get(reverse("portal:dashboard")).content.decode()
    assert reverse("portal:settings") in html


def test_billing_pages_stay_read_only(acme_client):
    for name in ("portal:invoices", "portal:time_entries", "portal:time_entries_csv"):
        assert acme_client.post(reverse(name)).status_code == 405
