"""Tenant isolation in the admin (§4.2, §6): walk every admin URL as Acme's subcontractor.

The walk enumerates the admin site's registry and URL patterns, so a newly registered model
or a new admin URL is covered without touching this file; ``test_walk_covers_every_url``
fails if a URL parameter appears that the walk does not know how to fill.
"""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, reverse

from audit.models import AuditEvent
from audit.services import audit_record
from clients.models import Client, Project
from invoicing.models import Invoice, Payment
from tests.admin.conftest import assert_no_foreign_data
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db

SCOPED_MODELS = {Client, Project, TimeEntry, Invoice, Payment, AuditEvent}
SEARCH_TERMS = ["", "glo", "zor", "INV", "wil", "a"]
# Words of Globex's data that do not themselves contain a marker (the search box echoes them).
LEAKY_SEARCHES = ["Inc", "Rollout", "secret", "item-desc", "payment-ref", "Wilh", "INV"]


def _params(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.regex.groupindex)


def model_admin_urls():
    """(model, url name, parameter names) for every URL of every registered ModelAdmin."""
    for model, model_admin in admin.site._registry.items():
        for pattern in model_admin.get_urls():
            if pattern.name:
                yield model, pattern.name, _params(pattern)


def site_urls():
    """(url name, parameter names) of the site-level admin URLs (index, app lists, ...)."""
    for pattern in admin.site.get_urls():
        if isinstance(pattern, URLPattern) and pattern.name:
            yield pattern.name, _params(pattern)


def foreign_object(world, model):
    """Globex's instance of ``model`` (or an out-of-scope row for unscoped models)."""
    return {
        Client: world.globex,
        Project: world.globex_project,
        TimeEntry: world.globex_entry,
        Invoice: world.globex_invoice,
        Payment: world.globex_payment,
        apps.get_model("accounts", "User"): world.wilhelmina,
        AuditEvent: world.globex_event,
    }.get(model)


@pytest.fixture
def audited_world(world, subcontractor):
    """The world with audit events of both clients, readable by the subcontractor."""
    from django.contrib.auth.models import Permission

    subcontractor.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    audit_record(action=AuditEvent.Action.INVOICE_VIEWED, obj=world.acme_invoice)
    world.globex_event = audit_record(
        action=AuditEvent.Action.INVOICE_VIEWED, actor=world.wilhelmina, obj=world.globex_invoice
    )
    return world


def test_walk_covers_every_url():
    known = {"object_id", "id", "app_label", "content_type_id"}
    for _model, name, params in model_admin_urls():
        assert set(params) <= known, f"teach the walk about {name}: {params}"
    for name, params in site_urls():
        assert set(params) <= known, f"teach the walk about {name}: {params}"


def test_scoped_models_are_all_registered():
    for model in SCOPED_MODELS:
        assert admin.site.is_registered(model)


def test_every_model_admin_page_hides_other_clients(sub_client, audited_world):
    world = audited_world
    for model, name, params in model_admin_urls():
        url_name = f"admin:{name}"
        if not params:
            for suffix in ("", *(f"?q={term}" for term in LEAKY_SEARCHES), "?_facets=1"):
                response = sub_client.get(reverse(url_name) + suffix)
                assert response.status_code in (200, 302, 403), (name, response.status_code)
                assert_no_foreign_data(response, name)
            continue
        obj = foreign_object(world, model)
        if obj is None:
            obj = model._default_manager.first()
        if obj is None:
            continue
        url = reverse(url_name, kwargs={params[0]: obj.pk})
        for method in (sub_client.get, sub_client.post):
            response = method(url, follow=True)
            assert_no_foreign_data(response, f"{method.__name__} {name}")
            if model in SCOPED_MODELS:
                assert response.status_code == 403, (name, response.status_code)
            else:
                assert response.status_code in (403, 404), (name, response.status_code)


def test_site_pages_hide_other_clients(sub_client, world):
    app_labels = {model._meta.app_label for model in admin.site._registry}
    globex_ct = ContentType.objects.get_for_model(Client)
    for name, params in site_urls():
        if name in ("logout", "autocomplete"):
            continue
        if not params:
            urls = [reverse(f"admin:{name}")]
        elif params == ["app_label"]:
            urls = [reverse(f"admin:{name}", kwargs={"app_label": label}) for label in app_labels]
        else:
            urls = [
                reverse(
                    f"admin:{name}",
                    kwargs={"content_type_id": globex_ct.pk, "object_id": world.globex.pk},
                )
            ]
        for url in urls:
            response = sub_client.get(url, follow=True)
            assert response.status_code in (200, 403, 404), (url, response.status_code)
            assert_no_foreign_data(response, url)


def autocomplete_sources():
    """Every relation field of every registered model and inline (the endpoint takes any)."""
    models = set(admin.site._registry)
    for model_admin in admin.site._registry.values():
        models.update(inline.model for inline in model_admin.inlines)
    for model in models:
        for field in model._meta.get_fields():
            if field.is_relation and not field.auto_created and field.related_model:
                yield model, field


def test_every_autocomplete_endpoint_hides_other_clients(sub_client, world):
    url = reverse("admin:autocomplete")
    for model, field in autocomplete_sources():
        for term in SEARCH_TERMS:
            response = sub_client.get(
                url,
                {
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": field.name,
                    "term": term,
                },
            )
            assert response.status_code in (200, 403, 404), (model, field.name)
            assert_no_foreign_data(response, f"autocomplete {model.__name__}.{field.name}")


def test_autocomplete_lists_in_scope_projects(sub_client, world):
    response = sub_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "tracking", "model_name": "timeentry", "field_name": "project", "term": ""},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Acme Website"]


def test_changelists_show_in_scope_rows(sub_client, world):
    for model, needle in [
        (Client, "Acme Corp"),
        (Project, "Acme Website"),
        (TimeEntry, "acme: a colleague"),
        (Invoice, "INV-ACME-1"),
    ]:
        opts = model._meta
        response = sub_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert response.status_code == 200
        assert needle in response.content.decode()


def test_nonexistent_id_redirects_as_usual(sub_client, world):
    response = sub_client.get(reverse("admin:clients_client_change", args=[999999]))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_bulk_action_cannot_reach_other_clients_rows(sub_client, world):
    response = sub_client.post(
        reverse("admin:tracking_timeentry_changelist"),
        {"action": "delete_selected", "_selected_action": [world.globex_entry.pk], "post": "yes"},
        follow=True,
    )
    assert_no_foreign_data(response)
    assert TimeEntry.objects.filter(pk=world.globex_entry.pk).exists()


def test_filter_on_foreign_ids_reveals_nothing(sub_client, world):
    for params in (
        {"client__id__exact": world.globex.pk},
        {"project__client__id__exact": world.globex.pk},
        {"project__id__exact": world.globex_project.pk},
        {"user__id__exact": world.wilhelmina.pk},
    ):
        response = sub_client.get(reverse("admin:tracking_timeentry_changelist"), params)
        # 400: a lookup that is not one of the list filters (Django refuses it).
        assert response.status_code in (200, 302, 400)
        assert_no_foreign_data(response, str(params))


def test_reports_hide_other_clients(sub_client, world):
    url = reverse("reports:index")
    wide = {"date_from": "2000-01-01", "date_to": "2100-12-31"}
    for group_by in ("client", "project", "user", "day"):
        for extra in (
            {},
            {"client": world.globex.pk},
            {"project": world.globex_project.pk},
            {"user": world.wilhelmina.pk},
        ):
            for fmt in ("", "csv"):
                params = {**wide, "group_by": group_by, "format": fmt, **extra}
                response = sub_client.get(url, params)
                assert response.status_code == (400 if extra else 200), params
                assert_no_foreign_data(response, str(params))


def test_timer_pages_hide_other_clients(sub_client, world):
    response = sub_client.get(reverse("timer:page"))
    assert response.status_code == 200
    assert_no_foreign_data(response)
    response = sub_client.post(reverse("timer:start"), {"project": world.globex_project.pk})
    assert response.status_code == 403
    assert_no_foreign_data(response)
    assert not TimeEntry.objects.running().exists()
