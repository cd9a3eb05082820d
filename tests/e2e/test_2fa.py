"""Two-factor login in a real browser: enrol with the QR page's key, log out, log in with a
code, then once with a backup code (which then no longer works). No CSP violations."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.e2e.test_csp import csp_page, visit  # noqa: F401 - fixture
from tests.factories import PASSWORD, ClientFactory, ClientUserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def code(key: bytes, steps_ahead: int = 0) -> str:
    totp = TOTP(key)
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("wile")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page.get_by_role("heading", name="Log in to the Client Portal")).to_be_visible()


def test_enrol_log_in_with_a_code_and_with_a_backup_code(csp_page: Page, live_server):  # noqa: F811
    page = csp_page
    base = live_server.url
    ClientUserFactory(username="wile", client=ClientFactory(name="Acme Corp"))
    log_in(page, base)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    visit(page, f"{base}/client-portal/settings/security/")
    expect(page.locator("svg.qr-code")).to_be_visible()
    manual = page.get_by_test_id("manual-key").inner_text().replace(" ", "")
    key = b32decode(manual + "=" * (-len(manual) % 8))
    page.get_by_label("Code").fill(code(key))
    page.get_by_role("button", name="Turn on two-factor login").click()
    backup_codes = page.get_by_test_id("backup-codes").locator("code").all_inner_texts()
    assert len(backup_codes) == 10
    assert page.evaluate("window.__cspViolations") == []

    # Password, then a fresh code (the next time step: the first one is used up).
    log_out(page)
    log_in(page, base)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill(code(key, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    # A backup code works once.
    log_out(page)
    log_in(page, base)
    page.get_by_label("Code").fill(backup_codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    log_out(page)
    log_in(page, base)
    page.get_by_label("Code").fill(backup_codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not valid")).to_be_visible()
    assert page.evaluate("window.__cspViolations") == []
