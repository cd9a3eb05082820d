"""A client's branding in a real browser (§10): logo, title and accent in the portal header,
under the Content-Security-Policy (no violation), and a neutral login page."""

import pytest
from playwright.sync_api import Page, expect

from tests.branding_helpers import image_bytes, make_branding
from tests.e2e.test_csp import csp_page, visit  # noqa: F401 (fixture)
from tests.factories import PASSWORD, ClientFactory, ClientUserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_branded_header_renders_with_the_logo_and_no_csp_violation(
    csp_page: Page,  # noqa: F811
    live_server,
    media,
):
    acme = ClientFactory(name="Acme Corp")
    ClientUserFactory(username="wile", client=acme)
    make_branding(
        acme,
        logo=image_bytes(size=(120, 40), color=(123, 31, 162)),
        accent_color="#7b1fa2",
        portal_title="Acme Rocket Portal",
        welcome_text="Welcome, <b>coyote</b>!",
    )
    base = live_server.url

    visit(csp_page, base + "/accounts/login/")
    expect(csp_page.locator(".brand")).to_contain_text("Timetracker")
    assert csp_page.locator(".brand__logo").count() == 0  # the login page stays neutral

    csp_page.get_by_label("Username").fill("wile")
    csp_page.get_by_label("Password").fill(PASSWORD)
    csp_page.get_by_role("button", name="Log in").click()
    expect(csp_page.locator(".brand")).to_contain_text("Acme Rocket Portal")
    visit(csp_page, base + "/client-portal/")

    logo = csp_page.locator("img.brand__logo")
    expect(logo).to_be_visible()
    # Loaded and decoded (a blocked or broken image has no natural width).
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 120
    accent = csp_page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()"
    )
    assert accent == "#7b1fa2"
    expect(csp_page.locator(".welcome-text")).to_have_text("Welcome, <b>coyote</b>!")
    assert csp_page.evaluate("window.__cspViolations") == []
    assert csp_page.csp_console == []
