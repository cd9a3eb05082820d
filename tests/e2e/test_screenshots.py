"""``make screenshots``: every portal page at 1280 and 375 px and the main admin pages,
saved to docs/screenshots/*.png (device scale 1, first 1,600 px of each page). Skipped in
the normal test run; SCREENSHOTS=1 turns it on."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.portal_world import WIDTHS, log_in, portal_pages
from tests.e2e.test_admin_fit import admin_log_in, admin_world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.screenshots,
    pytest.mark.skipif(not os.environ.get("SCREENSHOTS"), reason="make screenshots"),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MAX_HEIGHT = 1600


def shoot(page: Page, name: str, width: int) -> None:
    height = min(MAX_HEIGHT, page.evaluate("document.documentElement.scrollHeight"))
    clip = {"x": 0, "y": 0, "width": width, "height": height}
    page.screenshot(path=str(OUT / f"{name}-{width}.png"), full_page=True, clip=clip)


def test_screenshots(page: Page, live_server):
    OUT.mkdir(parents=True, exist_ok=True)
    world = admin_world()
    log_in(page, live_server.url)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for name, path in portal_pages(world):
            page.goto(live_server.url + path)
            shoot(page, f"portal-{name}", width)
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 800})
    admin_log_in(page, live_server.url)
    for name, path in [
        ("index", "/admin/"),
        ("users", "/admin/accounts/user/"),
        ("time-entries", "/admin/tracking/timeentry/"),
        ("invoices", "/admin/invoicing/invoice/"),
        ("invoice", f"/admin/invoicing/invoice/{world['invoice'].pk}/change/"),
    ]:
        page.goto(live_server.url + path)
        shoot(page, f"admin-{name}", 1280)
