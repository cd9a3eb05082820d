"""Hostile values in every query parameter and form field of every page (issue 8, item 2).

Pages come from the URL resolver (``tests/fuzz/pages.py``); admin form fields from each
ModelAdmin's form and inline formsets. Every response must be below 500, and nothing shown
to Acme's client user or Acme's subcontractor may mention Globex. Examples per case come
from the hypothesis profile: bounded by default, ``--hypothesis-profile=deep`` for more
(docs/TESTING.md, "Fuzzing").

Each case builds its data once, then runs hypothesis inside the test (so no function-scoped
fixture is reused across examples unknowingly); every request runs in a savepoint that is
rolled back, so examples cannot see each other's writes.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import assert_no_foreign_data
from tests.fuzz.hostile import hostile_params, hostile_value
from tests.fuzz.pages import CHANGELIST_PARAMS, Page, pages
from timetracker.admin_scope import SafeLookupsMixin

pytestmark = pytest.mark.django_db

ALLOWED = {200, 301, 302, 303, 304, 400, 401, 403, 404, 405, 429}
# PDFs take WeasyPrint ~0.5 s each; they read no query parameters, so fewer examples.
SLOW_ROUTE_PARTS = ("pdf",)


def examples(route: str, variant: str, method: str) -> int:
    """Examples per case: the profile's number in ``deep`` (or any chosen profile), a small
    bounded one by default and in ``ci`` (derandomized, otherwise the defaults) so the module
    stays near a minute and a half in CI."""
    if settings.get_current_profile_name() not in ("default", "ci"):
        return settings.default.max_examples
    if method == "post" or variant == "hostile" or any(part in route for part in SLOW_ROUTE_PARTS):
        return 1
    return 2


def fuzz_settings(route, variant, method):
    return settings(
        max_examples=examples(route, variant, method),
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


PAGES = pages()
PERSONAS = {
    "portal": ["acme_user"],
    "accounts": ["acme_user"],
    "api": ["acme_user", "subcontractor"],
    "admin": ["subcontractor", "admin_user"],
}


def page_model(page: Page):
    if page.model_admin is not None:
        return page.model_admin.model
    parts = page.route.split("/")
    if page.area == "admin" and len(parts) > 3:
        try:
            return apps.get_model(parts[1], parts[2])
        except (LookupError, ValueError):
            return None
    for word, label in (
        ("invoice", "invoicing.Invoice"),
        ("project", "clients.Project"),
        ("time_entr", "tracking.TimeEntry"),
        ("client", "clients.Client"),
    ):
        if word in page.name:
            return apps.get_model(label)
    return None


def targets(area):
    """(page, variant) pairs of an area: object pages with an Acme id, a Globex id and a
    hostile one."""
    for page in PAGES:
        if page.area != area:
            continue
        for variant in ["acme", "globex", "hostile"] if page.placeholders else ["plain"]:
            yield page, variant


def cases():
    for area, personas in PERSONAS.items():
        for persona in personas:
            yield pytest.param(area, persona, id=f"{area}-{persona}")


def objects_by_model(world, subcontractor):
    return {
        "clients.client": (world.acme, world.globex),
        "clients.project": (world.acme_project, world.globex_project),
        "tracking.timeentry": (world.acme_entry_own, world.globex_entry),
        "invoicing.invoice": (world.acme_invoice, world.globex_invoice),
        "invoicing.payment": (world.acme_payment, world.globex_payment),
        "accounts.user": (subcontractor, world.wilhelmina),
    }


def fill(page, variant, world, subcontractor, draw):
    """The page's URL with its placeholders filled for the variant."""
    model = page_model(page)
    pair = objects_by_model(world, subcontractor).get(model._meta.label_lower if model else "")
    values = {}
    for name in page.placeholders:
        if variant == "hostile":
            values[name] = draw(hostile_value)
        elif name in ("object_id", "pk", "id"):
            if pair:
                values[name] = (pair[0] if variant == "acme" else pair[1]).pk
            else:
                obj = model._default_manager.first() if model else None
                values[name] = obj.pk if obj else 1
        elif name == "content_type_id":
            values[name] = ContentType.objects.get_for_model(type(pair_default(world))).pk
            values["object_id"] = (
                world.acme_project if variant == "acme" else world.globex_project
            ).pk
        elif name == "app_label":
            values[name] = "clients"
        else:
            values[name] = "MQ" if name == "uidb64" else "set-password"
    path = page.route
    for name, value in values.items():
        path = path.replace(f"<path:{name}>", "<" + name + ">").replace(
            f"<int:{name}>", f"<{name}>"
        )
        path = path.replace(f"<{name}>", quote(str(value), safe=""))
    return "/" + path


def pair_default(world):
    return world.acme_project


def admin_request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def admin_get_params(model_admin, user) -> list[str]:
    names = list(CHANGELIST_PARAMS)
    if not isinstance(model_admin, SafeLookupsMixin):
        # Third-party ModelAdmins (auth Group, django-tasks) keep Django's own 500 on an
        # empty ``?_to_field=``; ours and axes' (accounts/admin.py) are fixed in
        # SafeLookupsMixin.get_object.
        names.remove("_to_field")
    request = admin_request(user)
    try:
        changelist = model_admin.get_changelist_instance(request)
        for spec in changelist.filter_specs:
            names += spec.expected_parameters()
    except Exception:  # noqa: S110 - a page the persona may not list: no filter names then
        pass
    if model_admin.date_hierarchy:
        names += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    return names


def admin_post_fields(model_admin, user) -> list[str]:
    """The add/change form's fields, its inlines' management forms and first rows."""
    request = admin_request(user)
    names = ["_save", "_continue", "_addanother", "action", "_selected_action", "index", "post"]
    try:
        names += list(model_admin.get_form(request)().fields)
        for inline in model_admin.get_inline_instances(request):
            formset = inline.get_formset(request)
            prefix = formset.get_default_prefix()
            names += [
                f"{prefix}-{key}"
                for key in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")
            ]
            names += [f"{prefix}-0-{name}" for name in formset.form.base_fields]
    except Exception:  # noqa: S110 - no add permission: the POST is refused anyway
        pass
    return names


def assert_sane(response, persona, url):
    assert response.status_code in ALLOWED, f"{response.status_code} on {url}"
    if persona != "admin_user":
        assert_no_foreign_data(response, url)


@pytest.mark.parametrize(("area", "persona"), list(cases()))
def test_hostile_input_never_breaks_a_page(area, persona, request, world, client):
    """One test per area and persona (the data is built once); every page of the area in
    turn, each with its own hypothesis run. A failure names the page in its message."""
    user = request.getfixturevalue(persona)
    subcontractor = request.getfixturevalue("subcontractor")
    client.force_login(user)
    # Logging out or changing a password inside an example replaces the session cookie;
    # the savepoint restores the session row, this restores the cookie.
    session_cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    for page, variant in targets(area):
        fuzz_page(page, variant, user, persona, world, subcontractor, client, session_cookie)


def fuzz_page(page, variant, user, persona, world, subcontractor, client, session_cookie):
    get_names, post_names = page.known_params(), page.form_fields()
    if page.model_admin is not None:
        get_names += admin_get_params(page.model_admin, user)
        post_names += admin_post_fields(page.model_admin, user)
        if page.name.endswith("_add"):
            get_names += post_names  # the add form takes initial values from the query
    # The API has its own schemathesis test for bodies; here it gets hostile queries only.
    methods = ["get"] if page.area == "api" else ["get", "post"]

    for method in methods:
        fuzz_request(
            page,
            variant,
            method,
            get_names,
            post_names,
            persona,
            world,
            subcontractor,
            client,
            session_cookie,
        )


def fuzz_request(
    page,
    variant,
    method,
    get_names,
    post_names,
    persona,
    world,
    subcontractor,
    client,
    session_cookie,
):
    @fuzz_settings(page.route, variant, method)
    @given(st.data())
    def run(data):
        url = fill(page, variant, world, subcontractor, data.draw)
        query = data.draw(hostile_params(get_names))
        client.cookies[django_settings.SESSION_COOKIE_NAME] = session_cookie
        with transaction.atomic():
            if method == "get":
                target = f"{url}?{urlencode(query)}" if query else url
                response = client.get(target)
            else:
                body = data.draw(hostile_params(post_names))
                form = {}
                for key, value in body:
                    form.setdefault(key, []).append(value)
                target = url
                response = client.post(url, form)
            assert_sane(response, persona, f"{method.upper()} {target} ({page.name})")
            transaction.set_rollback(True)

    run()
