"""The admin in a real browser: portal access granted in the UI works; the role script."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import (
    PASSWORD,
    AdminUserFactory,
    ClientFactory,
    ProjectFactory,
    UserFactory,
)
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db(transaction=True)


def admin_log_in(page: Page, base_url: str) -> None:
    AdminUserFactory(username="boss")
    page.goto(base_url + "/admin/")
    page.locator("#id_username").fill("boss")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()


def test_admin_grants_portal_access_and_the_user_logs_in(page: Page, live_server):
    acme = ClientFactory(name="Acme Corp")
    ClientFactory(name="Archived Ltd", is_active=False)
    user = UserFactory(username="wile", first_name="Wile", last_name="Coyote")
    admin_log_in(page, live_server.url)

    page.goto(f"{live_server.url}/admin/accounts/user/{user.pk}/change/")
    # Archived clients are not offered.
    expect(page.locator("#id_client option", has_text="Archived Ltd")).to_have_count(0)
    # Enabling without a client is refused and nothing is saved.
    page.locator("#id_client_portal_enabled").check()
    page.locator("input[name=_save]").click()
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".field-client .errorlist")).to_contain_text("Choose the client")

    page.locator("#id_client").select_option(label="Acme Corp")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    row = page.locator("tr", has=page.locator("a", has_text="wile"))
    expect(row.locator(".portal-badge")).to_have_text("Acme Corp")

    page.locator("#logout-form button").click()
    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("wile")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/client-portal/(dashboard/)?$"))
    expect(page.get_by_text(acme.name).first).to_be_visible()


def test_assigned_clients_show_only_for_subcontractors(page: Page, live_server):
    ClientFactory(name="Acme Corp")
    user = UserFactory(username="sam")
    admin_log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/accounts/user/{user.pk}/change/")

    assigned = page.locator("fieldset.assigned-clients")
    expect(assigned).to_be_hidden()
    page.locator("#id_role").select_option("subcontractor")
    expect(assigned).to_be_visible()
    page.locator("#id_role").select_option("user")
    expect(assigned).to_be_hidden()


def test_timer_runs_in_the_header_and_stops_from_there(page: Page, live_server):
    ProjectFactory(client=ClientFactory(name="Acme Corp"), name="Rocket Website")
    admin_log_in(page, live_server.url)
    page.get_by_role("link", name="Timer", exact=True).click()
    page.locator("#id_project").select_option(label="Acme Corp · Rocket Website")
    page.get_by_role("button", name="Start timer").click()
    header = page.locator(".timer-header")
    expect(header).to_contain_text("Rocket Website")
    expect(header.locator(".timer-header__elapsed")).to_have_text("0:00")

    page.goto(live_server.url + "/admin/clients/client/")
    page.locator(".timer-header__stop").click()
    expect(page).to_have_url(re.compile(r"/admin/clients/client/$"))
    expect(page.locator(".messagelist")).to_contain_text("Timer stopped")
    expect(page.locator(".timer-header__start")).to_be_visible()
    assert not TimeEntry.objects.running().exists()
