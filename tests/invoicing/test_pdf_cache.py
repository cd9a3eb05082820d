"""Invoice PDFs are rendered once per distinct HTML and kept in the cache (invoicing.pdf):
never stale, never another invoice's, and a failing cache never breaks a download."""

import io
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from invoicing import pdf
from invoicing.pdf import render_invoice_pdf
from invoicing.services import invoice_issue, invoice_record_payment
from tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    # The cache outlives a test (one process runs many): start and end empty.
    caches["documents"].clear()
    yield
    caches["documents"].clear()


@pytest.fixture
def renders():
    """Counts WeasyPrint renders (the real renderer still runs)."""
    with mock.patch.object(pdf, "_pdf_from_html", wraps=pdf._pdf_from_html) as spy:
        yield spy


def text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def sent(draft, profile):
    return invoice_issue(invoice=draft, notify=False)


def test_an_unchanged_invoice_is_rendered_once(sent, renders):
    first = render_invoice_pdf(sent)
    second = render_invoice_pdf(sent)

    assert renders.call_count == 1
    assert second == first


def test_a_payment_gives_a_new_pdf_with_the_new_amount_due(sent, renders):
    before = text(render_invoice_pdf(sent))
    invoice_record_payment(invoice=sent, amount=Decimal("100.00"))
    sent.refresh_from_db()

    after = text(render_invoice_pdf(sent))

    assert renders.call_count == 2
    # 300.00 + 19 % tax = 357.00 due before, 257.00 after.
    assert "257.00" not in before
    assert "257.00" in after


def test_each_language_has_its_own_pdf(sent, renders):
    english = render_invoice_pdf(sent)
    with translation.override("de"):
        german = render_invoice_pdf(sent)

    assert renders.call_count == 2
    assert "Rechnung" in text(german) and "Rechnung" not in text(english)


def test_two_invoices_never_share_a_pdf(sent, globex, profile, renders):
    other = InvoiceFactory(client=globex, invoice_number="GLOBEX-001", status="sent")

    acme_text, globex_text = text(render_invoice_pdf(sent)), text(render_invoice_pdf(other))

    assert renders.call_count == 2
    assert "ACME-2024-007" in acme_text and "GLOBEX-001" not in acme_text
    assert "GLOBEX-001" in globex_text and "ACME-2024-007" not in globex_text


def test_no_cache_renders_every_time(sent, renders, settings):
    settings.INVOICE_PDF_CACHE_SECONDS = 0

    render_invoice_pdf(sent)
    render_invoice_pdf(sent)

    assert renders.call_count == 2


def test_a_pdf_too_big_for_the_cache_is_rendered_each_time(sent, renders, monkeypatch):
    monkeypatch.setattr(pdf, "PDF_CACHE_MAX_BYTES", 100)

    render_invoice_pdf(sent)
    render_invoice_pdf(sent)

    assert renders.call_count == 2


def test_a_failing_cache_still_gives_the_pdf(sent, renders, caplog):
    with mock.patch.object(
        caches["documents"], "get", side_effect=ConnectionError("redis is down")
    ):
        content = render_invoice_pdf(sent)

    assert "ACME-2024-007" in text(content)
    assert "Invoice PDF cache unavailable" in caplog.text


def test_the_portal_download_reuses_the_pdf(sent, acme_user, renders, client):
    client.force_login(acme_user)
    url = reverse("portal:invoice_pdf", args=[sent.pk])

    first, second = client.get(url), client.get(url)

    assert first.status_code == second.status_code == 200
    assert renders.call_count == 1
    assert second.content == first.content


def test_pdfs_have_their_own_cache(sent, renders, settings):
    if not settings.CACHES["default"]["BACKEND"].endswith(".LocMemCache"):
        pytest.skip("one Redis database holds both caches")
    assert settings.CACHES["documents"]["OPTIONS"] == {"MAX_ENTRIES": 64}
    render_invoice_pdf(sent)
    caches["default"].clear()  # sessions, throttles: never a reason to render again

    render_invoice_pdf(sent)

    assert renders.call_count == 1


def test_a_changed_stylesheet_renders_again(sent, renders, monkeypatch, tmp_path):
    # In development the stylesheet's name carries no hash, so the HTML stays the same.
    stylesheet = tmp_path / "invoice.css"
    stylesheet.write_text("body { color: black; }")
    monkeypatch.setattr(pdf, "_static_path", lambda name: str(stylesheet))
    render_invoice_pdf(sent)
    render_invoice_pdf(sent)
    stylesheet.write_text("body { color: navy; margin: 0; }")

    render_invoice_pdf(sent)

    assert renders.call_count == 2
