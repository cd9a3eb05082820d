"""A client posts a comment on the project page; staff sees it in the admin (§10)."""

import re

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect

from clients.models import ProjectUpdate
from tests.e2e.test_admin import admin_log_in
from tests.e2e.test_portal import log_in
from tests.factories import ClientFactory, ClientUserFactory, ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_client_comments_and_staff_sees_it_in_the_admin(page: Page, live_server):
    cache.clear()
    acme = ClientFactory(name="Acme Corp")
    ClientUserFactory(username="wile", client=acme, first_name="Wile", last_name="Coyote")
    project = ProjectFactory(client=acme, name="Rocket Website")
    ProjectUpdate.objects.create(
        project=project, title="Design approved", status="on_track", published_at=timezone.now()
    )

    log_in(page, live_server.url, "wile", path="/client-portal/projects/")
    page.get_by_role("link", name="Rocket Website", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/client-portal/projects/{project.pk}/$"))
    expect(page.get_by_role("heading", name="Rocket Website")).to_be_visible()
    expect(page.get_by_text("Design approved")).to_be_visible()
    expect(page.locator(".chart__svg")).to_be_visible()

    # An empty comment is refused next to the field; the page stays usable.
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-errors")).to_contain_text("empty")
    page.get_by_label("Your comment").fill("When does it go live?\nSee https://example.com")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment__body")).to_contain_text("When does it go live?")
    expect(page.locator(".comment__body a[href='https://example.com']")).to_be_visible()

    page.context.clear_cookies()
    admin_log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/clients/projectcomment/")
    expect(page.locator("#result_list")).to_contain_text("When does it go live?")
    page.goto(f"{live_server.url}/admin/clients/project/{project.pk}/change/")
    expect(page.locator("body")).to_contain_text("When does it go live?")
