"""The benchmark harness's API pages: real tokens, real cursors, every page answers 200."""

import datetime as dt

import pytest
from django.test import Client as Browser
from django.utils import timezone

from bench.pages import api_pages
from tests.factories import ProjectFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


def test_api_pages_answer_200_with_their_tokens(acme_user, staff_user, acme):
    project = ProjectFactory(client=acme)
    start = timezone.now() - dt.timedelta(days=10)
    for n in range(60):
        TimeEntryFactory(project=project, start_time=start + dt.timedelta(hours=n))
    pages = api_pages(client_username=acme_user.username, internal_username=staff_user.username)
    assert {p.name for p in pages} >= {
        "api: time entries",
        "api: time entries, deep cursor",
        "api: invoices overdue",
        "api: reports (staff)",
    }
    browser = Browser()
    for page in pages:
        headers = {f"HTTP_{k.upper()}": v for k, v in page.headers}
        response = browser.get(page.path, **headers)
        assert response.status_code == 200, page
    deep = next(p for p in pages if p.name == "api: time entries, deep cursor")
    body = browser.get(deep.path, **{f"HTTP_{k.upper()}": v for k, v in deep.headers}).json()
    assert body["previous"] is not None and len(body["results"]) == 29  # older than the middle one
