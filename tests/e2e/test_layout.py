"""Every portal page fits a 375 px phone and a 1280 px screen: no sideways scrolling and no
figure cut off by its box, with long names and amounts in the hundreds of millions."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.portal_world import WIDTHS, build_world, log_in, portal_pages

pytestmark = pytest.mark.django_db(transaction=True)

# Elements whose content is wider than their box while the box hides the overflow (a clipped
# figure), and elements sticking out to the right of the viewport.
FIND_CLIPPED = """
() => {
  const out = [];
  const reported = [];
  const width = window.innerWidth;
  for (const el of document.querySelectorAll("main *, header *")) {
    if (reported.some((parent) => parent.contains(el))) continue;
    const style = getComputedStyle(el);
    if (style.display === "none" || el.closest(".visually-hidden")) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width <= 1) {  // visually hidden (a table head on a phone), or empty
      reported.push(el);
      continue;
    }
    const kind = el.className ? "." + String(el.className).split(" ")[0] : "";
    const text = (el.textContent || "").trim().slice(0, 40);
    const label = el.tagName.toLowerCase() + kind + " '" + text + "'";
    const hides = ["hidden", "clip", "auto", "scroll"].includes(style.overflowX);
    if (rect.right > width + 0.5) {
      out.push("sticks out " + Math.round(rect.right) + "px: " + label);
      reported.push(el);
    } else if (hides && el.scrollWidth > el.clientWidth + 1) {
      out.push("clips " + el.scrollWidth + ">" + el.clientWidth + ": " + label);
      reported.push(el);
    }
  }
  return out.slice(0, 5);
}
"""


def test_every_portal_page_fits_375_and_1280_px(page: Page, live_server):
    world = build_world()
    log_in(page, live_server.url)
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for name, path in portal_pages(world):
            response = page.goto(live_server.url + path)
            assert response.status == 200, (path, response.status)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            inner = page.evaluate("window.innerWidth")
            if scroll > inner:
                problems.append(f"{width}px {name}: scrollWidth {scroll} > {inner}")
            for clipped in page.evaluate(FIND_CLIPPED):
                problems.append(f"{width}px {name}: {clipped}")
    assert not problems, "\n".join(problems)


def test_phone_shows_the_invoice_totals_and_the_newest_weeks(page: Page, live_server):
    world = build_world()
    log_in(page, live_server.url)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/client-portal/invoices/{world['invoice'].pk}/")
    total = page.locator("tfoot .total-row td")
    expect(total).to_have_text("1,175,308,643.16\u00a0EUR")
    box = total.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    page.goto(live_server.url + "/client-portal/")
    chart = page.locator(".chart__svg")
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    # The newest week's bar is inside the screen.
    bar = page.locator(".chart__bar--current").bounding_box()
    assert bar["x"] + bar["width"] <= 375
    # The text alternative of the chart lists the twelve weeks.
    expect(page.locator("#chart-table tbody tr")).to_have_count(12)
