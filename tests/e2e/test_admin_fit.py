"""The admin at 1280 px with the navigation sidebar open: change lists and the invoice page
with its items fit their area (no sideways scrolling), with long names in the data."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.e2e.portal_world import build_world
from tests.factories import (
    PASSWORD,
    AdminUserFactory,
    ClientUserFactory,
    PaymentFactory,
    SubcontractorFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

CHANGE_LISTS = [
    "/admin/accounts/user/",
    "/admin/clients/client/",
    "/admin/clients/project/",
    "/admin/tracking/timeentry/",
    "/admin/invoicing/invoice/",
    "/admin/invoicing/payment/",
    "/admin/audit/auditevent/",
]

OVERFLOW = """
() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth)
    out.push("page " + document.documentElement.scrollWidth + " > " + window.innerWidth);
  for (const el of document.querySelectorAll("#changelist .results, #content, .inline-group,"
      + " .tabular, fieldset")) {
    if (el.scrollWidth > el.clientWidth + 1)
      out.push((el.id || el.className) + " " + el.scrollWidth + " > " + el.clientWidth);
  }
  return out;
}
"""


def admin_world():
    world = build_world(
        extra_items=[
            {
                "description": f"Weitere Beratungsleistungen zur Schnittstellenspezifikation {n}",
                "quantity": Decimal("1234.5"),
                "unit_price": Decimal("120.00"),
            }
            for n in range(3)
        ]
    )
    AdminUserFactory(username="boss", first_name="Boss", last_name="Admin")
    SubcontractorFactory(username="sub.contractor.with.a.long.name")
    ClientUserFactory(username="second.portal.user", client=world["client"])
    invoice = world["invoice"]
    PaymentFactory(invoice=invoice, amount=Decimal("999999.99"))
    start = timezone.now() - dt.timedelta(hours=30)
    TimeEntryFactory(project=world["projects"][0], start_time=start, end_time=None)
    return world


def admin_log_in(page: Page, base_url: str) -> None:
    page.goto(base_url + "/admin/")
    page.locator("#id_username").fill("boss")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()


def test_admin_pages_fit_1280_px_with_the_sidebar_open(page: Page, live_server):
    world = admin_world()
    page.set_viewport_size({"width": 1280, "height": 900})
    admin_log_in(page, live_server.url)
    problems = []
    pages = [*CHANGE_LISTS, f"/admin/invoicing/invoice/{world['invoice'].pk}/change/"]
    pages.append(f"/admin/accounts/user/{world['user'].pk}/change/")
    for path in pages:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        expect(page.locator("#nav-sidebar")).to_be_visible()
        problems += [f"{path}: {p}" for p in page.evaluate(OVERFLOW)]
    assert not problems, "\n".join(problems)


def test_role_column_and_security_section(page: Page, live_server):
    admin_world()
    admin_log_in(page, live_server.url)
    page.goto(live_server.url + "/admin/")
    expect(page.locator("#content-main .module caption", has_text="Security")).to_be_visible()
    expect(page.locator("#content-main")).not_to_contain_text("AXES")
    page.goto(live_server.url + "/admin/accounts/user/")
    roles = {
        "boss": "admin",
        "sub.contractor.with.a.long.name": "subcontractor",
        "second.portal.user": "client user",
    }
    for username, role in roles.items():
        row = page.locator("#result_list tbody tr", has=page.get_by_text(username, exact=True))
        expect(row.locator(".field-role_label")).to_have_text(role)
    staff = User.objects.filter(is_staff=True, role=User.Role.USER).first()
    row = page.locator("#result_list tbody tr", has=page.get_by_text(staff.username, exact=True))
    expect(row.locator(".field-role_label")).to_have_text("staff")
    # No add/change/delete/view controls beside the user's client select.
    page.goto(f"{live_server.url}/admin/accounts/user/{staff.pk}/change/")
    expect(page.locator(".field-client .related-widget-wrapper-link")).to_have_count(0)
