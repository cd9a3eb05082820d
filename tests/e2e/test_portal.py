"""The Client Portal in a real browser: log in, use every page, log out; isolation holds."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.factories import (
    PASSWORD,
    ClientFactory,
    ClientUserFactory,
    InvoiceFactory,
    ProjectFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def acme_world():
    acme = ClientFactory(name="Acme Corp")
    user = ClientUserFactory(username="wile", client=acme, first_name="Wile", last_name="Coyote")
    website = ProjectFactory(client=acme, name="Rocket Website")
    ProjectFactory(client=acme, name="Anvil App")
    now = timezone.now()
    for n in range(3):
        start = now - dt.timedelta(days=n + 1)
        TimeEntryFactory(
            project=website,
            start_time=start,
            end_time=start + dt.timedelta(hours=2),
            notes=f"Rocket task {n}",
        )
    invoice = InvoiceFactory(
        client=acme,
        invoice_number="ACME-2024-001",
        tax_rate=Decimal("0"),
        items=[{"description": "Rocket design", "quantity": 10}],
    )
    return {"user": user, "invoice": invoice, "project": website}


def log_in(page: Page, base_url: str, username: str, path: str = "/client-portal/"):
    page.goto(base_url + path)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_client_user_uses_every_page_and_logs_out(page: Page, live_server, acme_world):
    invoice = acme_world["invoice"]
    # A deep link survives the login.
    log_in(page, live_server.url, "wile", path=f"/client-portal/invoices/{invoice.pk}/")
    expect(page.get_by_role("heading", name="Invoice ACME-2024-001")).to_be_visible()
    expect(page.get_by_text("Rocket design")).to_be_visible()
    expect(page.locator(".site-header__client")).to_have_text("Acme Corp")

    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("img", name="Hours tracked per week, last 12 weeks")).to_be_visible()
    expect(page.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")

    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Projects").click()
    expect(page.get_by_role("heading", name="Rocket Website")).to_be_visible()
    expect(page.get_by_role("heading", name="Anvil App")).to_be_visible()

    page.get_by_role("link", name="Time entries of Rocket Website").click()
    expect(page.get_by_label("Project", exact=True)).to_have_value(str(acme_world["project"].pk))
    expect(page.locator(".totals")).to_contain_text("6:00")
    expect(page.get_by_text("Rocket task 0")).to_be_visible()

    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    page.get_by_label("From", exact=True).fill(yesterday)
    page.get_by_label("To", exact=True).fill(yesterday)
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator(".totals")).to_contain_text("2:00")

    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Invoices").click()
    page.get_by_role("link", name="ACME-2024-001", exact=True).click()
    expect(page.get_by_role("heading", name="Invoice ACME-2024-001")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_text("You have been logged out.")).to_be_visible()
    page.goto(live_server.url + "/client-portal/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))


def test_invalid_filter_shows_message_next_to_field(page: Page, live_server, acme_world):
    log_in(page, live_server.url, "wile", path="/client-portal/time-entries/")
    page.get_by_label("From", exact=True).fill("2024-03-02")
    page.get_by_label("To", exact=True).fill("2024-03-01")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("The end date must not be before the start date.")).to_be_visible()
    expect(page.get_by_label("To", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("tbody tr")).to_have_count(0)


def test_another_clients_user_sees_none_of_it(page: Page, live_server, acme_world):
    ClientUserFactory(username="globex", client=ClientFactory(name="Globex Inc"))
    log_in(page, live_server.url, "globex")
    expect(page.locator(".site-header__client")).to_have_text("Globex Inc")
    for path in (
        "/client-portal/",
        "/client-portal/projects/",
        "/client-portal/invoices/",
        "/client-portal/time-entries/",
    ):
        page.goto(live_server.url + path)
        body = page.locator("body")
        for secret in ("Acme", "Rocket", "ACME-2024-001", "Wile"):
            expect(body).not_to_contain_text(secret)
    response = page.goto(f"{live_server.url}/client-portal/invoices/{acme_world['invoice'].pk}/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("ACME-2024-001")


def test_pages_fit_a_375px_phone(page: Page, live_server, acme_world):
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, live_server.url, "wile")
    for path in (
        "/client-portal/",
        "/client-portal/projects/",
        "/client-portal/invoices/",
        f"/client-portal/invoices/{acme_world['invoice'].pk}/",
        "/client-portal/time-entries/",
    ):
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 375, (path, overflow)
