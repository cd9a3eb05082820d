"""Odd query strings on every portal, admin and report page: never a 500 (PRODUCT.md §6)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ODD_QUERIES = [
    "page=abc",
    "page=0",
    "page=-1",
    "page=99999999999999999999999",
    "page=1e9",
    "page=",
    "page=1&page=2",
    "project_id=1e9",
    "project_id=99999999999999999999999",
    "project_id=-1",
    "project_id=%00",
    "project_id=1&project_id=abc",
    "date_from=2024-02-30",
    "date_from=0000-01-01",
    "date_from=9999-12-31",
    "date_to=99999-01-01",
    "date_from=2024-01-02&date_to=2024-01-01",
    "date_from=%00",
    "status[]=x",
    "status=x",
    "status=%00",
    "status=" + "x" * 5000,
    "q=" + "é" * 3000,
    "o=99",
    "o=abc",
    "all=",
    "e=1",
    "_popup=1",
    "_to_field=password",
    "p=abc",
    "p=-5",
    "p=99999999999999999999",
    "start_time__gte=abc",
    "start_time__year=abc",
    "issue_date__month=13",
    "client__id__exact=abc",
    "project__id__exact=99999999999999999999999",
    "user__id__exact=%00",
    "state=bogus",
    "status__exact=\u2603",
    "client=abc",
    "client=99999999999999999999999",
    "project=1e9",
    "user=-1",
    "group_by=bogus",
    "group_by[]=day",
    "format=pdf",
    "format=csv&date_from=1899-12-31",
    "format=csv&date_to=2024-13-01",
    "format=csv&group_by=day&date_from=1900-01-01&date_to=9998-12-31",
    # The admin's date hierarchy and search.
    "start_time__year=9999",
    "start_time__year=9999&start_time__month=12",
    "start_time__year=9999&start_time__month=12&start_time__day=31",
    "start_time__year=0",
    "issue_date__year=9999",
    "issue_date__year=9999&issue_date__month=12",
    "date__year=9999",
    "q=%00",
    "status=a%00b",
    "o=1.2.3",
]

PORTAL_URLS = [
    "portal:dashboard",
    "portal:projects",
    "portal:invoices",
    "portal:time_entries",
]

ADMIN_URLS = [
    "admin:index",
    "admin:clients_client_changelist",
    "admin:clients_project_changelist",
    "admin:tracking_timeentry_changelist",
    "admin:invoicing_invoice_changelist",
    "admin:invoicing_payment_changelist",
    "admin:accounts_user_changelist",
    "admin:clients_project_add",
    "admin:tracking_timeentry_add",
    "admin:invoicing_invoice_add",
    "admin:autocomplete",
    "reports:index",
    "timer:page",
]


def _assert_not_500(client, url):
    response = client.get(url)
    assert response.status_code < 500, f"{url} → {response.status_code}"
    return response


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_portal_pages_never_500_on_odd_queries(client, acme_user, world, query):
    client.force_login(acme_user)
    for name in PORTAL_URLS:
        _assert_not_500(client, f"{reverse(name)}?{query}")
    _assert_not_500(
        client, reverse("portal:invoice_detail", args=[world.acme_invoice.pk]) + "?" + query
    )


@pytest.mark.parametrize("query", ODD_QUERIES)
@pytest.mark.parametrize("persona", ["subcontractor", "admin_user"])
def test_admin_pages_never_500_on_odd_queries(client, request, world, persona, query):
    client.force_login(request.getfixturevalue(persona))
    errors = []
    for name in ADMIN_URLS:
        response = client.get(f"{reverse(name)}?{query}")
        if response.status_code >= 500:
            errors.append(name)
    assert errors == []


AUTOCOMPLETE_QUERIES = [
    "app_label=tracking&model_name=timeentry&field_name=project&term=a",
    "app_label=tracking&model_name=timeentry&field_name=user&term=a",
    "app_label=invoicing&model_name=invoice&field_name=client&term=",
    "app_label=invoicing&model_name=invoiceitem&field_name=time_entries&term=",
    "app_label=invoicing&model_name=payment&field_name=invoice&term=",
    "app_label=clients&model_name=project&field_name=client&term=%00",
    "app_label=nope&model_name=nope&field_name=nope",
    "app_label=accounts&model_name=user&field_name=client&term=",
    "app_label=accounts&model_name=user&field_name=assigned_clients&term=",
    "app_label=tracking&model_name=timeentry&field_name=project&page=abc",
    "app_label=tracking&model_name=timeentry&field_name=project&page=999999999999",
]


@pytest.mark.parametrize("query", AUTOCOMPLETE_QUERIES)
@pytest.mark.parametrize("persona", ["subcontractor", "acme_user", "staff_user"])
def test_autocomplete_never_500(client, request, world, persona, query):
    client.force_login(request.getfixturevalue(persona))
    _assert_not_500(client, f"{reverse('admin:autocomplete')}?{query}")


ODD_IDS = ["0", "abc", "99999999999999999999999", "-1", "1e9", "%00", "%C3%A9"]


OBJECT_PAGES = [
    (model, action)
    for model in (
        "clients/client",
        "clients/project",
        "tracking/timeentry",
        "invoicing/invoice",
        "invoicing/payment",
        "accounts/user",
    )
    for action in ("change/", "delete/", "history/")
] + [("accounts/user", "invite/")]


@pytest.mark.parametrize("object_id", ODD_IDS)
@pytest.mark.parametrize(("model", "action"), OBJECT_PAGES)
def test_admin_object_pages_never_500_on_odd_ids(
    client, subcontractor, world, object_id, model, action
):
    client.force_login(subcontractor)
    _assert_not_500(client, f"/admin/{model}/{object_id}/{action}")


@pytest.mark.parametrize("object_id", ODD_IDS)
def test_portal_invoice_detail_never_500_on_odd_ids(client, acme_user, object_id):
    client.force_login(acme_user)
    _assert_not_500(client, f"/client-portal/invoices/{object_id}/")


@pytest.mark.parametrize(
    "data",
    [
        {"project": "abc"},
        {"project": "99999999999999999999999"},
        {"project": "1e9"},
        {"project": ""},
        {"project": "\x00"},
        {"notes": "x" * 10000},
        {"next": "//evil.example/"},
    ],
)
def test_timer_start_never_500(client, subcontractor, world, data):
    client.force_login(subcontractor)
    response = client.post(reverse("timer:start"), data)
    assert response.status_code < 500


@pytest.mark.parametrize(
    "query",
    [
        "client=abc",
        "client=99999999999999999999999",
        "client=%00",
        "project=1e9",
        "projects=abc",
        "assigned_clients=1,abc",
        "time_entries=abc",
        "invoice=-1",
    ],
)
@pytest.mark.parametrize(
    "name",
    [
        "admin:clients_client_add",
        "admin:clients_project_add",
        "admin:tracking_timeentry_add",
        "admin:invoicing_invoice_add",
        "admin:invoicing_payment_add",
        "admin:accounts_user_add",
    ],
)
def test_add_pages_ignore_malformed_initial_ids(client, admin_user, world, name, query):
    client.force_login(admin_user)
    response = _assert_not_500(client, f"{reverse(name)}?{query}")
    assert response.status_code == 200


def test_add_page_keeps_a_valid_initial_client(client, admin_user, world):
    client.force_login(admin_user)
    response = client.get(reverse("admin:clients_project_add"), {"client": world.acme.pk})
    assert response.context["adminform"].form.initial["client"] == str(world.acme.pk)


def test_date_hierarchy_past_year_9999_is_an_incorrect_lookup(sub_client, world):
    url = reverse("admin:tracking_timeentry_changelist")
    response = sub_client.get(url, {"start_time__year": "9999"})
    assert response.status_code == 302
    assert response.url == f"{url}?e=1"


def test_id_too_big_for_the_database_is_no_error(sub_client, world):
    # SQLite cannot bind it (an incorrect lookup); PostgreSQL finds no such row.
    url = reverse("admin:invoicing_invoice_changelist")
    response = sub_client.get(url, {"client": "99999999999999999999999"})
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response.url == f"{url}?e=1"


def test_nul_in_a_lookup_is_an_incorrect_lookup(sub_client, world):
    url = reverse("admin:invoicing_invoice_changelist")
    response = sub_client.get(url, {"status": "sent\x00"})
    assert response.status_code == 302
    assert response.url == f"{url}?e=1"
