"""Accessibility in a real browser: axe-core finds no serious or critical violation on any
portal page at 375 and 1280 px; the login → invoice → PDF path works by keyboard alone, with
a visible focus ring; the dashboard chart has a text table alternative.

axe-core is pinned in tests/e2e/package-lock.json and installed by ``make install``
(``make e2e-deps``); nothing is downloaded while the tests run.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.portal_world import USERNAME, WIDTHS, build_world, log_in, portal_pages
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
needs_axe = pytest.mark.skipif(
    not AXE.exists() and not os.environ.get("CI"),
    reason=f"axe-core missing ({AXE}): run `make e2e-deps` (npm ci --prefix tests/e2e)",
)

RUN_AXE = """
async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => v.impact + " " + v.id + ": " + v.help + " | "
      + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", "));
}
"""


@pytest.fixture
def axe_page(browser, browser_context_args):
    """A page whose CSP does not block the injected axe script (only these tests)."""
    context = browser.new_context(**browser_context_args, bypass_csp=True)
    yield context.new_page()
    context.close()


@needs_axe
def test_axe_finds_no_serious_violation_on_any_portal_page(axe_page: Page, live_server):
    page = axe_page
    world = build_world()
    problems = []
    page.goto(live_server.url + "/accounts/login/")
    page.add_script_tag(path=str(AXE))
    problems += [f"login: {v}" for v in page.evaluate(RUN_AXE)]
    log_in(page, live_server.url)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for name, path in portal_pages(world):
            page.goto(live_server.url + path)
            page.add_script_tag(path=str(AXE))
            problems += [f"{width}px {name}: {v}" for v in page.evaluate(RUN_AXE)]
    assert not problems, "\n".join(problems)


def focus_outline(page: Page) -> str:
    return page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle + ' ' + s.outlineWidth; }"
    )


def tab_to(page: Page, name: str, limit: int = 60) -> None:
    """Press Tab until the focused element's accessible text is ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        text = page.evaluate(
            "() => (document.activeElement.getAttribute('aria-label')"
            " || document.activeElement.textContent || document.activeElement.value || '').trim()"
        )
        if text == name:
            assert focus_outline(page) != "none 0px", f"no visible focus on {name!r}"
            return
    raise AssertionError(f"{name!r} is not reachable by Tab")


def test_login_invoice_pdf_by_keyboard_alone(page: Page, live_server):
    build_world()
    number = "IHG-2026-000000000029"  # the newest, first in the list
    page.goto(live_server.url + "/client-portal/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.keyboard.press("Tab")  # the skip link first
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.name") != "username":
        page.keyboard.press("Tab")
    page.keyboard.type(USERNAME)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    tab_to(page, "Invoices")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Invoices", exact=True)).to_be_visible()
    tab_to(page, number)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Invoice {number}")).to_be_visible()
    tab_to(page, "Download PDF")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".pdf")


def test_skip_link_and_chart_table(page: Page, live_server):
    build_world()
    log_in(page, live_server.url)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    # The chart's text alternative: a table of the twelve weeks, named by its caption.
    table = page.get_by_role("table", name="Hours tracked per week")
    expect(table.locator("tbody tr")).to_have_count(12)
    expect(page.locator(".chart__svg")).to_have_attribute("aria-labelledby", re.compile("desc"))
