"""A client's branding (§10) on its invoice PDF, the print view and the invoice emails."""

import base64
import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from invoicing.notifications import Kind, invoice_deliveries_create
from invoicing.pdf import branding_for, render_invoice_html, render_invoice_pdf
from invoicing.services import invoice_issue
from tests.branding_helpers import (
    image_bytes,
    make_branding,
)
from tests.invoicing.conftest import run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_branding(acme, media):
    return make_branding(
        acme,
        logo=image_bytes(color=(10, 20, 30)),
        accent_color="#7b1fa2",
        portal_title="Acme & Co Portal",
    )


def test_pdf_html_embeds_logo_accent_and_title(draft, profile, acme_branding):
    html = render_invoice_html(draft, for_pdf=True)
    with acme_branding.logo.open("rb") as handle:
        logo = base64.b64encode(handle.read()).decode()
    # A data: URL of the stored (re-encoded) file: WeasyPrint fetches nothing.
    assert f'src="data:image/png;base64,{logo}"' in html
    assert "--accent: #7b1fa2;" in html
    assert '<p class="doc-brand">Acme &amp; Co Portal</p>' in html


def test_pdf_shows_the_title_and_carries_the_logo(draft, profile, acme_branding):
    reader = PdfReader(io.BytesIO(render_invoice_pdf(draft)))
    page = reader.pages[0]
    assert "Acme & Co Portal" in page.extract_text()
    assert len(page.images) == 1


def test_pdf_without_branding_has_the_default_look(draft, profile, globex, media):
    make_branding(globex, portal_title="Globex Portal", logo=image_bytes())
    assert branding_for(draft) == {"logo_url": "", "accent_color": "#1d4ed8", "title": ""}
    reader = PdfReader(io.BytesIO(render_invoice_pdf(draft)))
    assert "Globex" not in reader.pages[0].extract_text()
    assert len(reader.pages[0].images) == 0


def test_pdf_goes_out_without_a_logo_missing_from_storage(draft, profile, acme_branding):
    acme_branding.logo.storage.delete(acme_branding.logo.name)
    assert branding_for(draft)["logo_url"] == ""
    assert render_invoice_pdf(draft).startswith(b"%PDF")


def test_portal_pdf_and_print_view_carry_the_branding(
    client, acme_user, draft, profile, acme_branding
):
    invoice = invoice_issue(invoice=draft, notify=False)
    client.force_login(acme_user)
    pdf = client.get(reverse("portal:invoice_pdf", args=[invoice.pk]))
    assert "Acme & Co Portal" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    response = client.get(reverse("portal:invoice_print", args=[invoice.pk]))
    html = response.content.decode()
    nonce = re.search(r'<style nonce="([^"]+)">:root \{ --accent: #7b1fa2; \}', html).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_invoice_email_has_the_accent_and_title(draft, acme_user, profile, acme_branding):
    invoice_issue(invoice=draft)
    run_worker()
    (message,) = mail.outbox
    html, _mime = message.alternatives[0]
    assert "background: #7b1fa2" in html
    assert "Acme &amp; Co Portal</p>" in html
    assert message.body.startswith("Acme & Co Portal\n\n")
    # The logo travels in the attached PDF, not as an image in the mail.
    assert "data:image" not in html and "<img" not in html


def test_reminder_email_has_the_accent_and_title(draft, acme_user, profile, acme_branding):
    invoice = invoice_issue(invoice=draft, notify=False)
    invoice_deliveries_create(invoice=invoice, kind=Kind.REMINDER, key="r1")
    run_worker()
    (message,) = mail.outbox
    html, _mime = message.alternatives[0]
    assert "#7b1fa2" in html and "Acme &amp; Co Portal" in html
    assert "Acme & Co Portal" in message.body


def test_email_without_branding_uses_the_default_accent(draft, acme_user, profile):
    invoice_issue(invoice=draft)
    run_worker()
    (message,) = mail.outbox
    html, _mime = message.alternatives[0]
    assert "background: #1d4ed8" in html and "border-bottom: 3px" not in html
