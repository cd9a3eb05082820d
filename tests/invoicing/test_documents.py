"""Business profile snapshot, the invoice PDF and its admin URL (§9)."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from invoicing.models import BusinessProfile, Invoice, InvoiceItem
from invoicing.pdf import render_invoice_pdf
from invoicing.services import invoice_issue, invoice_recalculate
from tests.factories import InvoiceFactory, InvoiceItemFactory

pytestmark = pytest.mark.django_db


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_issuing_snapshots_the_issuer_and_later_edits_change_nothing(draft, profile, client):
    invoice = invoice_issue(invoice=draft, notify=False)
    assert invoice.issuer["legal_name"] == "Issuer Studio GmbH"
    assert invoice.issuer["iban"] == profile.iban
    profile.legal_name = "Renamed Holding AG"
    profile.iban = "CH93 0076 2011 6238 5295 7"
    profile.save()
    invoice.refresh_from_db()
    assert invoice.issuer["legal_name"] == "Issuer Studio GmbH"
    text = "".join(pdf_pages(render_invoice_pdf(invoice)))
    assert "Issuer Studio GmbH" in text and "Renamed" not in text


def test_profile_is_one_row_and_knows_what_is_missing(db):
    profile = BusinessProfile.load()
    assert not profile.is_complete
    assert "legal name" in profile.missing_fields
    profile.legal_name = "X"
    profile.save()
    BusinessProfile(legal_name="Y").save()  # saves over row 1
    assert BusinessProfile.objects.get().legal_name == "Y"


def test_only_admins_edit_the_profile(client, admin_user, staff_user, profile):
    url = reverse("admin:invoicing_businessprofile_change", args=[1])
    client.force_login(staff_user)
    assert client.get(url).status_code in {302, 403}
    assert client.post(url, {"legal_name": "Hacked"}).status_code in {302, 403}
    assert BusinessProfile.load().legal_name == "Issuer Studio GmbH"
    client.force_login(admin_user)
    assert client.get(url).status_code == 200


def test_admin_warns_while_the_profile_is_incomplete(client, admin_user, db):
    client.force_login(admin_user)
    response = client.get(reverse("admin:invoicing_invoice_changelist"))
    assert "business profile is incomplete" in response.content.decode()


def test_no_warning_once_complete(client, admin_user, profile):
    client.force_login(admin_user)
    response = client.get(reverse("admin:invoicing_invoice_changelist"))
    assert "business profile is incomplete" not in response.content.decode()


@pytest.fixture
def long_invoice(acme, profile):
    invoice = InvoiceFactory(
        client=acme, invoice_number="ACME-LONG", status="draft", tax_rate=Decimal("10")
    )
    InvoiceItem.objects.bulk_create(
        InvoiceItem(
            invoice=invoice,
            description=f"Line item number {n:03d}",
            quantity=Decimal("1"),
            unit_price=Decimal("10.00"),
            amount=Decimal("10.00"),
            position=n,
        )
        for n in range(1, 201)
    )
    invoice_recalculate(invoice=invoice)
    return invoice_issue(invoice=invoice, notify=False)


def test_a_200_item_invoice_spans_pages_with_header_totals_and_page_numbers(long_invoice):
    pages = pdf_pages(render_invoice_pdf(long_invoice))
    assert len(pages) == 7  # about 30 rows a page on A4
    for number, text in enumerate(pages, start=1):
        assert "Description" in text and "Unit price" in text  # the header repeats
        assert f"Page {number} of {len(pages)}" in text
    last = pages[-1]
    # 200 x 10.00 = 2,000.00 + 10 % tax; the totals sit with the last item.
    assert "Line item number 200" in last
    assert "2,000.00" in last and "200.00" in last and "2,200.00" in last
    assert "DRAFT" not in "".join(pages)


def test_letter_paper_by_setting(long_invoice, settings):
    settings.INVOICE_PAPER_SIZE = "letter"
    reader = PdfReader(io.BytesIO(render_invoice_pdf(long_invoice)))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    settings.INVOICE_PAPER_SIZE = "A4"
    box = PdfReader(io.BytesIO(render_invoice_pdf(long_invoice))).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_admin_pdf_of_a_draft_has_the_draft_mark(client, admin_user, draft, profile):
    client.force_login(admin_user)
    response = client.get(reverse("admin:invoicing_invoice_pdf", args=[draft.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="ACME-2024-007.pdf"'
    assert "DRAFT" in "".join(pdf_pages(response.content))


def test_admin_pdf_is_scoped(client, subcontractor, acme, globex):
    own = InvoiceFactory(client=acme)
    foreign = InvoiceFactory(client=globex)
    client.force_login(subcontractor)
    assert client.get(reverse("admin:invoicing_invoice_pdf", args=[own.pk])).status_code == 200
    url = reverse("admin:invoicing_invoice_pdf", args=[foreign.pk])
    assert client.get(url).status_code == 403
    assert client.get(reverse("admin:invoicing_invoice_pdf", args=[10**9])).status_code == 404


def test_admin_pdf_needs_a_login(client, draft):
    response = client.get(reverse("admin:invoicing_invoice_pdf", args=[draft.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_admin_page_links_pdf_and_issue_button(client, admin_user, draft):
    client.force_login(admin_user)
    html = client.get(reverse("admin:invoicing_invoice_change", args=[draft.pk])).content.decode()
    assert reverse("admin:invoicing_invoice_pdf", args=[draft.pk]) in html
    assert "Issue and send" in html


def test_issue_and_send_button(client, admin_user, draft, acme_user, profile):
    client.force_login(admin_user)
    url = reverse("admin:invoicing_invoice_issue", args=[draft.pk])
    assert client.get(url).status_code == 403  # POST only
    assert client.post(url).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "sent"
    assert draft.deliveries.get().recipient == acme_user


def test_subcontractors_cannot_issue_without_the_permission(client, subcontractor, draft):
    client.force_login(subcontractor)
    assert client.post(reverse("admin:invoicing_invoice_issue", args=[draft.pk])).status_code == 403
    html = client.get(reverse("admin:invoicing_invoice_change", args=[draft.pk])).content.decode()
    assert "Issue and send" not in html
    assert Invoice.objects.get(pk=draft.pk).status == "draft"


def test_deliveries_are_listed_for_admins_and_scoped(client, admin_user, subcontractor, globex):
    from tests.factories import ClientUserFactory

    ClientUserFactory(client=globex, email="someone@globex.example")
    invoice = InvoiceItemFactory(invoice__client=globex, invoice__status="draft").invoice
    invoice_issue(invoice=invoice)
    url = reverse("admin:invoicing_invoicedelivery_changelist")
    client.force_login(admin_user)
    assert "someone@globex.example" in client.get(url).content.decode()
    client.force_login(subcontractor)
    assert "someone@globex.example" not in client.get(url).content.decode()


# --- stylesheets of the PDF with production's manifest storage ------------------------------


def test_pdf_fetcher_reads_collected_hashed_static_files(settings, tmp_path):
    """In production ``{% static %}`` writes hashed names that only exist in STATIC_ROOT."""
    from invoicing.pdf import DocumentUnavailable, _fetcher

    settings.STATIC_ROOT = tmp_path
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "invoice.3f2a9c.css").write_text("body { color: black; }")
    fetch = _fetcher().fetch
    response = fetch(f"file://{settings.STATIC_URL}css/invoice.3f2a9c.css")
    assert response.headers["Content-Type"] == "text/css"
    # The source files still come from the app folders (no collectstatic in development).
    assert fetch(f"file://{settings.STATIC_URL}css/invoice.css")
    # Nothing outside the static folders, however the name is spelled.
    (tmp_path.parent / "secret.txt").write_text("no")
    for name in ("../secret.txt", "css/missing.css", "/etc/passwd"):
        with pytest.raises(DocumentUnavailable):
            fetch(f"file://{settings.STATIC_URL}{name}")
