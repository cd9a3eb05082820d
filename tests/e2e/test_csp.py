"""The Content-Security-Policy in a real browser: sent on every page, and nothing on the
portal, the auth pages or the admin breaks it (no violation event, no console report)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.factories import (
    PASSWORD,
    AdminUserFactory,
    ClientFactory,
    ClientUserFactory,
    InvoiceFactory,
    PaymentFactory,
    ProjectFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Recorded in the page itself: the event carries the blocked URI and directive.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture
def csp_page(page: Page):
    """A page that collects CSP violations from events and from console reports."""
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: console.append(f"page error: {error}"))
    page.add_init_script(RECORD_VIOLATIONS)
    page.csp_console = console
    return page


def visit(page: Page, url: str, *, inline_styles: bool = False) -> None:
    """Open ``url``, check the header, and that nothing on it was blocked."""
    response = page.goto(url)
    assert response.status == 200, url
    header = response.headers["content-security-policy"]
    for directive in (
        "default-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'self'",
    ):
        assert directive in header, (url, header)
    script_src = next(p for p in header.split(";") if p.strip().startswith("script-src"))
    assert "unsafe-inline" not in (script_src if inline_styles else header)
    if not inline_styles:
        assert "nonce-" in header
    page.wait_for_load_state("load")
    assert page.evaluate("window.__cspViolations") == [], url
    assert page.csp_console == [], url


@pytest.fixture
def acme_world():
    acme = ClientFactory(name="Acme Corp")
    ClientUserFactory(username="wile", client=acme)
    website = ProjectFactory(client=acme, name="Rocket Website")
    now = timezone.now()
    for n in range(3):
        start = now - dt.timedelta(days=n * 8 + 1)
        TimeEntryFactory(project=website, start_time=start, end_time=start + dt.timedelta(hours=2))
    invoice = InvoiceFactory(
        client=acme,
        tax_rate=Decimal("21"),
        items=[{"description": "Rocket design", "quantity": 10}],
    )
    PaymentFactory(invoice=invoice, amount=Decimal("10.00"))
    return {"invoice": invoice, "project": website, "client": acme}


def test_portal_and_auth_pages_break_no_policy(csp_page: Page, live_server, acme_world):
    base = live_server.url
    visit(csp_page, base + "/accounts/password_reset/")
    visit(csp_page, base + "/accounts/login/")
    csp_page.get_by_label("Username").fill("wile")
    csp_page.get_by_label("Password").fill(PASSWORD)
    csp_page.get_by_role("button", name="Log in").click()
    expect(csp_page.locator(".site-header__client")).to_have_text("Acme Corp")
    invoice, project = acme_world["invoice"], acme_world["project"]
    for path in [
        "/client-portal/",
        "/client-portal/projects/",
        f"/client-portal/projects/{project.pk}/",
        "/client-portal/invoices/",
        "/client-portal/invoices/?status=unpaid",
        f"/client-portal/invoices/{invoice.pk}/",
        "/client-portal/time-entries/",
        f"/client-portal/time-entries/?project_id={project.pk}",
        "/accounts/password_change/",
    ]:
        visit(csp_page, base + path)
    # The dashboard chart is inline SVG: drawn, not blocked.
    csp_page.goto(base + "/client-portal/")
    expect(csp_page.locator("svg.chart__svg rect.chart__bar").first).to_be_attached()
    assert csp_page.evaluate("window.__cspViolations") == []


def test_admin_pages_break_no_policy(csp_page: Page, live_server, acme_world):
    base = live_server.url
    AdminUserFactory(username="boss")
    visit(csp_page, base + "/admin/login/?next=/admin/")
    csp_page.locator("#id_username").fill("boss")
    csp_page.locator("#id_password").fill(PASSWORD)
    csp_page.locator("input[type=submit]").click()
    expect(csp_page.locator("#site-name")).to_be_visible()
    client, invoice = acme_world["client"], acme_world["invoice"]
    for path in [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        "/admin/clients/client/",
        f"/admin/clients/client/{client.pk}/change/",
        "/admin/clients/project/add/",
        f"/admin/clients/project/{acme_world['project'].pk}/change/",
        "/admin/clients/projectupdate/",
        "/admin/clients/projectupdate/add/",
        "/admin/clients/projectcomment/",
        "/admin/clients/projectcomment/add/",
        "/admin/tracking/timeentry/",
        "/admin/tracking/timeentry/add/",
        "/admin/invoicing/invoice/",
        f"/admin/invoicing/invoice/{invoice.pk}/change/",
        "/admin/invoicing/invoice/add/",
        "/admin/reports/",
        "/admin/timer/",
    ]:
        visit(csp_page, base + path)
    # The API docs (drf-spectacular's Swagger split view: no inline script), once merged.
    try:
        resolve("/api/v1/docs/")
    except Resolver404:
        pass
    else:
        # Swagger UI injects <style> at run time: the one page that allows inline styles.
        visit(csp_page, base + "/api/v1/docs/", inline_styles=True)
        expect(csp_page.locator(".swagger-ui").first).to_be_visible()

    # The widgets' scripts run under script-src 'self': calendar, autocomplete, the role toggle.
    csp_page.goto(base + "/admin/tracking/timeentry/add/")
    csp_page.locator(".datetimeshortcuts a", has_text="Today").first.click()
    csp_page.locator(".select2-selection").first.click()
    expect(csp_page.locator(".select2-results__option", has_text="Rocket Website")).to_be_visible()
    wile = User.objects.get(username="wile")
    csp_page.goto(base + f"/admin/accounts/user/{wile.pk}/change/")
    csp_page.locator("#id_role").select_option("subcontractor")
    expect(csp_page.locator("fieldset.assigned-clients")).to_be_visible()
    assert csp_page.evaluate("window.__cspViolations") == []
    assert csp_page.csp_console == []
