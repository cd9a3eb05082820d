"""Invoice documents: the data every view of an invoice shows, and its PDF (WeasyPrint).

One template (``pdf/invoice.html``) renders the PDF and the browser's print view, from the
same context the portal detail page uses: issuer and billing snapshots, items, totals,
payments, amount due and status. WeasyPrint never touches the network: stylesheets come
from our static files on disk and fonts from the system (Debian's fonts-dejavu-core).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string

from clients.branding import LOGO_CONTENT_TYPE
from clients.models import branding_of

from .models import BusinessProfile, Invoice

logger = logging.getLogger(__name__)

TEMPLATE = "pdf/invoice.html"
STYLESHEET = "css/invoice.css"
PAPER_SIZES = {"a4": "A4", "letter": "letter"}
# The documents' accent when the client sets none (static/css/invoice.css has the same).
DEFAULT_ACCENT = "#1d4ed8"
# Bigger PDFs (a very long invoice) are rendered each time rather than filling the cache.
PDF_CACHE_MAX_BYTES = 1024 * 1024
# Bump when the rendering changes in a way the HTML does not show (options of write_pdf()).
PDF_CACHE_VERSION = 1


class DocumentUnavailable(Exception):
    """Raised by the URL fetcher for anything that is not one of our static files."""


def issuer_for(invoice: Invoice) -> dict[str, str]:
    """The "From" block: the snapshot taken on issue; the current profile for a draft (or an
    invoice issued before profiles existed, which has no snapshot)."""
    if invoice.issuer:
        return invoice.issuer
    return BusinessProfile.load().snapshot()


def billing_for(invoice: Invoice) -> dict[str, str]:
    """The "Billed to" block: the snapshot taken on issue, else the client's record."""
    client = invoice.client
    return {
        "name": invoice.billing_name or client.name,
        "contact": invoice.billing_contact or client.contact_person,
        "email": invoice.billing_email or client.email,
        "address": invoice.billing_address or client.address,
    }


def branding_for(invoice: Invoice) -> dict[str, Any]:
    """The client's branding (§10) for its invoice documents and emails: ``logo_url`` (a
    ``data:`` URL of the stored, re-encoded PNG, so WeasyPrint fetches nothing), ``accent_color``
    (a validated ``#rrggbb``) and ``title`` (plain text, escaped by the templates).

    One query for the branding row unless it was loaded with the invoice's client.
    """
    branding = branding_of(invoice.client)
    if branding is None:
        return {"logo_url": "", "accent_color": DEFAULT_ACCENT, "title": ""}
    return {
        "logo_url": _logo_data_url(branding),
        "accent_color": branding.accent_color.lower() or DEFAULT_ACCENT,
        "title": branding.portal_title,
    }


def _logo_data_url(branding) -> str:
    if not branding.logo:
        return ""
    try:
        with branding.logo.open("rb") as handle:
            data = handle.read()
    except OSError:  # missing from storage: the document goes out without it
        logger.warning("Logo file of client %s is missing", branding.client_id)
        return ""
    return f"data:{LOGO_CONTENT_TYPE};base64,{base64.b64encode(data).decode('ascii')}"


def paper_size() -> str:
    return PAPER_SIZES.get(str(settings.INVOICE_PAPER_SIZE).lower(), "A4")


def invoice_document_context(
    invoice: Invoice, *, items=None, payments=None, show_draft_mark: bool = True
) -> dict[str, Any]:
    """Everything an invoice document shows. ``items``/``payments`` may be passed in when the
    caller already loaded them (prefetched), else they are queried here."""
    return {
        "invoice": invoice,
        "issuer": issuer_for(invoice),
        "billing": billing_for(invoice),
        "items": list(invoice.items.all()) if items is None else items,
        "payments": list(invoice.payments.all()) if payments is None else payments,
        "branding": branding_for(invoice),
        "paper_size": paper_size(),
        "is_draft": invoice.is_draft and show_draft_mark,
    }


def render_invoice_html(invoice: Invoice, *, request=None, for_pdf: bool = False, **kw) -> str:
    context = invoice_document_context(invoice, **kw)
    context["for_pdf"] = for_pdf
    return render_to_string(TEMPLATE, context, request=request)


def _fetcher():
    """A WeasyPrint URL fetcher that serves ``/static/...`` from our static files and
    ``data:`` URLs, and refuses everything else (no network, no arbitrary files)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            prefix = "file://" + settings.STATIC_URL
            if url.startswith(prefix):
                path = _static_path(url[len(prefix) :].split("?")[0])
                if path:
                    with open(path, "rb") as handle:
                        body = handle.read()
                    return URLFetcherResponse(url, body, {"Content-Type": _mime(path)})
            raise DocumentUnavailable(url)

    return StaticOnlyFetcher()


def _static_path(name: str) -> str | None:
    """The file behind a static URL's name: the source file (``finders``), else the collected
    one in ``STATIC_ROOT`` — in production ``{% static %}`` writes the manifest's hashed
    name (``invoice.3f2a….css``), which only exists there. Never outside those folders."""
    try:
        path = finders.find(name)
        if path:
            return path
        candidate = staticfiles_storage.path(name)
    except (NotImplementedError, SuspiciousFileOperation, ValueError):
        return None
    return candidate if os.path.isfile(candidate) else None


def _mime(path: str) -> str:
    for suffix, mime in ((".css", "text/css"), (".png", "image/png"), (".webp", "image/webp")):
        if path.endswith(suffix):
            return mime
    return "image/jpeg" if path.endswith((".jpg", ".jpeg")) else "application/octet-stream"


def render_invoice_pdf(invoice: Invoice, *, cache_seconds: int | None = None, **kw) -> bytes:
    """The invoice as PDF bytes.

    WeasyPrint takes ~0.1 s for one page (seconds for a long invoice), and the PDF is a pure
    function of its HTML: so each distinct HTML is rendered once and its PDF kept in the
    ``documents`` cache, keyed by the SHA-256 of the HTML and of what else shapes it
    (``_renderer_version``), for ``cache_seconds`` (default
    ``INVOICE_PDF_CACHE_SECONDS``; 0: never). Anything the document shows — a payment, the
    language, the branding, the issuer, the paper size, a stylesheet's hashed name — changes
    the HTML and so the key: a cached PDF can be missing, never stale, and never another
    invoice's. A repeat download, the email's attachment and the admin's copy cost one
    template render. A cache that fails is logged and skipped.
    """
    html = render_invoice_html(invoice, for_pdf=True, **kw)
    seconds = settings.INVOICE_PDF_CACHE_SECONDS if cache_seconds is None else cache_seconds
    if not seconds:
        return _pdf_from_html(html)
    key = "invoice-pdf:" + hashlib.sha256(_renderer_version().encode() + html.encode()).hexdigest()
    try:
        store = caches["documents"]
        pdf = store.get(key)
    except Exception:  # any backend's connection error: the download still works
        logger.warning("Invoice PDF cache unavailable", exc_info=True)
        return _pdf_from_html(html)
    if pdf is None:
        pdf = _pdf_from_html(html)
        if len(pdf) <= PDF_CACHE_MAX_BYTES:
            try:
                store.set(key, pdf, seconds)
            except Exception:
                logger.warning("Invoice PDF cache unavailable", exc_info=True)
    return pdf


def _renderer_version() -> str:
    """What shapes the PDF besides its HTML: WeasyPrint's version, ours, and the stylesheet
    (its hashed name is in the HTML in production, not in development)."""
    import weasyprint

    stylesheet = _static_path(STYLESHEET)
    stat = os.stat(stylesheet) if stylesheet else None
    stamp = f"{stat.st_mtime_ns}-{stat.st_size}" if stat else "-"
    return f"{weasyprint.__version__}/{PDF_CACHE_VERSION}/{stamp}\n"


def _pdf_from_html(html: str) -> bytes:
    from weasyprint import HTML

    # base_url "file:///" makes "/static/x.css" arrive at the fetcher as file:///static/x.css.
    return HTML(string=html, base_url="file:///", url_fetcher=_fetcher()).write_pdf()


def pdf_filename(invoice: Invoice) -> str:
    """``<invoice_number>.pdf`` with anything that could break the header replaced."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in invoice.invoice_number)
    return f"{safe or 'invoice'}.pdf"
