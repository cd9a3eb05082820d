"""Tenant isolation (§6): crawl EVERY url pattern of the ``portal`` namespace as a user of
Acme, with every id and filter value of Globex, and find no Globex data anywhere.

The patterns come from the URL resolver, so a page added later is crawled automatically;
a new URL argument name fails loudly until this test knows which ids to try.
"""

import datetime as dt
import itertools
import re

import pytest
from django.urls import URLPattern, get_resolver

from clients.models import ProjectComment
from tests.branding_helpers import image_bytes, make_branding
from tests.factories import InvoiceFactory
from tests.portal.conftest import SECRET, assert_no_globex_data, bulk_entries, response_text
from timetracker.dates import today

pytestmark = pytest.mark.django_db

HUGE_ID = 2**70
# Portal pages whose purpose is a POST of the user's own settings (tested elsewhere); every
# other page is read-only (405) or answers an empty POST with a form error (SETTINGS_PAGES).
WRITABLE = {"settings"}
# The project page and its comment writes take a project id (and a comment id); the two
# comment URLs are POST-only (GET is a 405), tested in test_project_comments.py.
PROJECT_PAGES = {"project_detail", "project_comment_create", "project_comment_delete"}
POST_ONLY = {"project_comment_create", "project_comment_delete"}


def portal_patterns() -> list[URLPattern]:
    _prefix, resolver = get_resolver().namespace_dict["portal"]
    patterns = list(resolver.url_patterns)
    assert all(isinstance(p, URLPattern) for p in patterns), "nested includes: extend crawler"
    return patterns


def url_for(pattern: URLPattern, values: dict) -> str:
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), str(pattern.pattern))
    return "/client-portal/" + route


def id_candidates(data) -> dict[str, list[int]]:
    """Every id of the other client, per URL argument name."""
    ids = [
        obj.pk
        for obj in itertools.chain(
            data["projects"], data["entries"], data["invoices"], data["payments"]
        )
    ]
    comments = [comment.pk for comment in data.get("comments", [])]
    return {"pk": [*ids, 0, HUGE_ID], "comment_pk": [*comments, 0, HUGE_ID]}


def with_comments(data):
    """Globex's data plus comments of every kind on its first project (marked with SECRET)."""
    project = data["projects"][0]
    data["comments"] = [
        ProjectComment.objects.create(
            project=project, body=f"{SECRET} comment {n}", internal=n == 1, from_client=False
        )
        for n in range(3)
    ]
    return data


def query_variants(data) -> list[dict]:
    day = today().isoformat()
    variants = [{}]
    variants += [{"status": s} for s in ("all", "paid", "unpaid", "overdue", "draft", "cancelled")]
    variants += [{"project_id": p.pk} for p in data["projects"]]
    variants += [
        {"project_id": data["projects"][0].pk, "date_from": "2000-01-01", "date_to": day},
        {"date_from": "2000-01-01", "date_to": day},
        {"date_from": day, "date_to": "2000-01-01"},
        {"date_from": "not-a-date"},
        {"project_id": "x' OR 1=1 --"},
        {"page": "2"},
        {"page": "last"},
        {"page": "-1"},
        {"page": str(HUGE_ID)},
        {"client": data["projects"][0].client_id, "client_id": data["projects"][0].client_id},
    ]
    return variants


# Portal pages that accept POST (the user's own settings); every other page is read-only.
SETTINGS_PAGES = {"settings_api", "settings_security"}


def test_every_portal_pattern_is_crawled(
    acme_client, acme, acme_user, acme_project, globex, globex_data, media
):
    """Acme's user, every page, every Globex id and filter value: no 500, no Globex data."""
    make_branding(acme, logo=image_bytes())  # the logo page answers 200 for its owner
    make_branding(globex, logo=image_bytes(), portal_title=f"Globex {SECRET}")
    acme_invoice = InvoiceFactory(client=acme)
    bulk_entries(acme_project, 60, start=acme_invoice.created_at - dt.timedelta(days=5))
    own_comment = ProjectComment.objects.create(
        project=acme_project, author=acme_user, from_client=True, body="mine"
    )
    own_ids = {"pk": acme_invoice.pk}
    own_project_ids = {"pk": acme_project.pk, "comment_pk": own_comment.pk}
    foreign_ids = id_candidates(with_comments(globex_data))
    globex_invoice_ids = {invoice.pk for invoice in globex_data["invoices"]}
    crawled = 0

    for pattern in portal_patterns():
        names = list(pattern.pattern.converters)
        unknown = set(names) - set(foreign_ids)
        assert not unknown, f"{pattern.name}: teach the crawler ids for {unknown}"

        # The page works for its owner (so the crawl below is not just redirects).
        own = url_for(pattern, own_project_ids if pattern.name in PROJECT_PAGES else own_ids)
        expected = 405 if pattern.name in POST_ONLY else 200
        assert acme_client.get(own).status_code == expected, own

        # Every filter value of Globex on the page itself (with Acme's own ids)...
        for params in query_variants(globex_data):
            response = acme_client.get(own, params)
            # The test client re-raises exceptions, so a 500 would fail right here.
            assert response.status_code in {200, 400, 404, 405}, (own, params)
            assert_no_globex_data(response)
            crawled += 1

        # ...and every Globex id in the URL arguments.
        combos = [
            dict(zip(names, values, strict=True))
            for values in itertools.product(*(foreign_ids[n] for n in names))
        ]
        for kwargs in combos:
            url = url_for(pattern, kwargs)
            for params in ({}, {"status": "all", "project_id": globex_data["projects"][0].pk}):
                response = acme_client.get(url, params)
                assert response.status_code in {200, 400, 404, 405}, (url, params)
                if pattern.name not in PROJECT_PAGES and set(kwargs.values()) & globex_invoice_ids:
                    # Existence of another client's invoice is never revealed.
                    assert response.status_code == 404, (url, params)
                assert_no_globex_data(response)
                crawled += 1
            if pattern.name in WRITABLE:
                continue  # the user's own settings: POST is its purpose (tested elsewhere)
            response = acme_client.post(url)
            if pattern.name in SETTINGS_PAGES:
                # Settings pages take POSTs for the user's own rows: empty → form error.
                assert response.status_code == 400, url
                assert_no_globex_data(response)
            elif pattern.name == "project_comment_create" and kwargs["pk"] == acme_project.pk:
                # A Globex id that happens to be Acme's own project: an empty comment → 400.
                assert response.status_code == 400, url
                assert_no_globex_data(response)
            else:
                assert response.status_code in {404, 405}, url
                assert_no_globex_data(response)
    assert crawled > 100
    assert not ProjectComment.objects.filter(deleted_at__isnull=False).exists()


def test_security_page_actions_touch_only_the_users_own_data(
    acme_client, acme_user, globex_user, globex_data
):
    """Every POST action of the security page, with Globex's ids thrown in: Globex's user
    keeps their devices and sessions and nothing of Globex is shown."""
    from django.test import Client
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import UserSession

    globex_browser = Client()
    globex_browser.force_login(globex_user)
    globex_device = TOTPDevice.objects.create(user=globex_user, name="globex", confirmed=True)
    backup = StaticDevice.objects.create(user=globex_user, name="globex")
    StaticToken.objects.create(device=backup, token="globexcode")
    url = "/client-portal/settings/security/"
    foreign = [str(globex_device.pk), str(globex_user.pk), "globexcode"]
    for action in ("confirm", "disable", "regenerate", "logout_others", "nonsense"):
        for code in foreign:
            response = acme_client.post(
                url, {"action": action, "code": code, "device": code, "user": code}
            )
            assert response.status_code in {200, 302, 400}, (action, code)
            assert_no_globex_data(response)
    assert TOTPDevice.objects.filter(pk=globex_device.pk, confirmed=True).exists()
    assert StaticToken.objects.filter(token="globexcode").exists()
    assert UserSession.objects.filter(user=globex_user).exists()
    assert globex_browser.get("/client-portal/").status_code == 200


def test_globex_user_sees_none_of_acmes_data(portal, globex_user, globex_data, acme, acme_project):
    acme_invoice = InvoiceFactory(client=acme, invoice_number="ACME-HIDDEN")
    bulk_entries(acme_project, 3, start=acme_invoice.created_at)
    client = portal(globex_user)
    for pattern in portal_patterns():
        for pk in (acme_invoice.pk, acme_project.pk):
            url = url_for(pattern, {"pk": pk, "comment_pk": 1})
            for params in ({}, {"project_id": acme_project.pk}, {"status": "all"}):
                content = response_text(client.get(url, params))
                for marker in ("Acme", "ACME-HIDDEN", "Work item"):
                    assert marker not in content, (url, params, marker)


def test_the_crawl_covers_the_document_pages():
    names = {pattern.name for pattern in portal_patterns()}
    assert {"invoice_pdf", "invoice_print", "time_entries_csv", "settings"} <= names
