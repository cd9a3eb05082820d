"""Every route of the API URLconf, walked as Acme's subcontractor, Acme's client user and staff.

The routes are read from the resolver, so a new endpoint fails ``test_every_route_is_covered``
until it is added to one of the tables below (and thereby to every walk here).
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.api.conftest import GLOBEX_MARKERS, assert_no_globex

pytestmark = pytest.mark.django_db

# Detail routes: the fixture attribute holding Globex's object for the {id}.
DETAIL_ROUTES = {
    "client-detail": "globex",
    "project-detail": "globex_project",
    "time_entry-detail": "globex_entry",
    "invoice-detail": "globex_invoice",
}
# Routes without an id, and the query parameters that take an id of a client, project or user.
LIST_ROUTES = {
    "me": (),
    "client-list": (),
    "project-list": ("client",),
    "time_entry-list": ("client", "project", "user"),
    "invoice-list": ("client",),
    "timer": (),
    "reports": ("client", "project", "user"),
}
# POST-only routes (GET is a 405) and the public schema / docs (no data).
ACTION_ROUTES = {"timer_start", "timer_stop"}
PUBLIC_ROUTES = {"schema", "docs", "redoc"}
INTERNAL_ONLY = {"timer", "reports", "timer_start", "timer_stop"}


def api_routes():
    """``(name, regex)`` of every pattern mounted under ``/api/v1/``."""
    (api,) = [
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and getattr(p, "namespace", None) == "api"
    ]
    routes = []

    def walk(patterns, prefix):
        for pattern in patterns:
            regex = prefix + pattern.pattern.regex.pattern.lstrip("^").rstrip("$").rstrip("\\Z")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, regex)
            elif isinstance(pattern, URLPattern):
                routes.append((pattern.name, regex))

    walk(api.url_patterns, "/api/v1/")
    return routes


def url_for(regex, pk=None):
    path = re.sub(r"\(\?P<\w+>[^)]*\)", str(pk), regex) if pk is not None else regex
    return path.replace("\\", "")


def test_every_route_is_covered():
    known = set(DETAIL_ROUTES) | set(LIST_ROUTES) | ACTION_ROUTES | PUBLIC_ROUTES
    names = {name for name, _ in api_routes()}
    assert names - known == set(), "add new API routes to the isolation tables"
    assert known - names == set()


@pytest.fixture
def personas(api, subcontractor, acme_user, staff_user):
    return {
        "subcontractor": api(subcontractor),
        "acme_user": api(acme_user),
        "staff": api(staff_user),
    }


@pytest.mark.parametrize("persona", ["subcontractor", "acme_user"])
def test_foreign_ids_are_403_for_internal_and_404_for_client_users(personas, world, persona):
    api = personas[persona]
    expected = 403 if persona == "subcontractor" else 404
    for name, regex in api_routes():
        if name not in DETAIL_ROUTES:
            continue
        foreign = getattr(world, DETAIL_ROUTES[name])
        url = url_for(regex, foreign.pk)
        response = api.get(url)
        assert response.status_code == expected, url
        assert_no_globex(response, url)
        for pk in (987654321, 10**30):
            assert api.get(url_for(regex, pk)).status_code == 404
        # Writes on a foreign object reveal nothing either (403 or 404/405), never its data.
        for method in ("patch", "delete", "put"):
            response = getattr(api, method)(url, {"notes": "x"}, format="json")
            assert response.status_code in (403, 404, 405), (method, url)
            assert_no_globex(response, url)


def test_drafts_are_404_for_client_users(personas, world):
    assert personas["acme_user"].get(f"/api/v1/invoices/{world.acme_draft.pk}/").status_code == 404
    assert (
        personas["subcontractor"].get(f"/api/v1/invoices/{world.acme_draft.pk}/").status_code == 200
    )


@pytest.mark.parametrize("persona", ["subcontractor", "acme_user"])
def test_lists_and_foreign_filters_show_no_foreign_data(personas, world, persona):
    api = personas[persona]
    foreign_ids = {
        "client": world.globex.pk,
        "project": world.globex_project.pk,
        "user": world.wilhelmina.pk,
    }
    for name, regex in api_routes():
        if name not in LIST_ROUTES:
            continue
        url = url_for(regex)
        response = api.get(url)
        if persona == "acme_user" and name in INTERNAL_ONLY:
            assert response.status_code == 403, url
        else:
            assert response.status_code == 200, url
        assert_no_globex(response, url)
        for param in LIST_ROUTES[name]:
            response = api.get(url, {param: foreign_ids[param]})
            assert response.status_code in (400, 403), (url, param)
            assert_no_globex(response, f"{url}?{param}=")
        for extra in ({"status": "overdue"}, {"status": "paid"}, {"date_from": "2000-01-01"}):
            response = api.get(url, extra)
            assert response.status_code < 500
            assert_no_globex(response, f"{url}?{extra}")


def test_internal_staff_see_everything_so_the_marker_search_works(personas, world):
    """The positive control: the same walk as unrestricted staff finds Globex's markers."""
    api = personas["staff"]
    seen = ""
    for name, regex in api_routes():
        if name in DETAIL_ROUTES:
            response = api.get(url_for(regex, getattr(world, DETAIL_ROUTES[name]).pk))
            assert response.status_code == 200
            seen += response.content.decode().lower()
        elif name in LIST_ROUTES:
            response = api.get(url_for(regex))
            assert response.status_code == 200
            seen += response.content.decode().lower()
    for marker in GLOBEX_MARKERS:
        assert marker.lower() in seen


def test_out_of_scope_project_cannot_be_written_to(personas, world, subcontractor):
    from tracking.models import TimeEntry

    api = personas["subcontractor"]
    before = TimeEntry.objects.count()
    response = api.post(
        "/api/v1/time-entries/",
        {
            "project": world.globex_project.pk,
            "start_time": "2026-01-05T09:00:00Z",
            "end_time": "2026-01-05T10:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "project" in response.json()
    response = api.post("/api/v1/timer/start/", {"project": world.globex_project.pk}, format="json")
    assert response.status_code == 400
    assert "project" in response.json()
    response = api.patch(
        f"/api/v1/time-entries/{world.own.pk}/", {"project": world.globex_project.pk}, format="json"
    )
    assert response.status_code == 400
    assert TimeEntry.objects.count() == before
    world.own.refresh_from_db()
    assert world.own.project == world.acme_project


def test_anonymous_gets_401_everywhere_but_the_docs(world):
    from rest_framework.test import APIClient

    anonymous = APIClient()
    for name, regex in api_routes():
        url = (
            url_for(regex, getattr(world, DETAIL_ROUTES[name]).pk)
            if name in DETAIL_ROUTES
            else url_for(regex)
        )
        response = anonymous.get(url)
        if name in PUBLIC_ROUTES:
            assert response.status_code == 200, url
        elif name in ACTION_ROUTES:
            assert anonymous.post(url).status_code == 401, url
        else:
            assert response.status_code == 401, url
            assert response["WWW-Authenticate"].startswith("Bearer")
            assert_no_globex(response, url)
