"""Every admin page renders for an admin, and change lists cost a fixed number of queries."""

import pytest
from django.contrib import admin
from django.urls import reverse

from clients.models import Client, CommentDelivery, Project
from invoicing.models import Invoice, InvoiceDelivery, Payment
from tests.factories import (
    ClientFactory,
    InvoiceFactory,
    PaymentFactory,
    ProjectFactory,
    TimeEntryFactory,
    UserFactory,
)
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db


def _url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


OUR_APPS = {"accounts", "auth", "clients", "tracking", "invoicing"}


def test_every_admin_page_renders_for_admin(admin_client, world):
    for model in admin.site._registry:
        if model._meta.app_label not in OUR_APPS:
            continue
        obj = model._default_manager.first()
        pages = [
            _url(model, "changelist"),
            _url(model, "changelist") + "?q=a&_facets=1",
            _url(model, "add"),
        ]
        if obj is not None:
            pages += [
                _url(model, "change", obj.pk),
                _url(model, "history", obj.pk),
                _url(model, "delete", obj.pk),
            ]
        for url in pages:
            response = admin_client.get(url)
            # Payments are never deleted (they make up an invoice's amount_paid).
            expected = 403 if model is Payment and "/delete/" in url else 200
            # Emails are records of what was sent: never added or deleted by hand.
            by_hand = "/add/" in url or "/delete/" in url
            if model in (InvoiceDelivery, CommentDelivery) and by_hand:
                expected = 403
            assert response.status_code == expected, url


def test_index_links_to_timer_and_reports(admin_client):
    response = admin_client.get(reverse("admin:index"))
    body = response.content.decode()
    assert reverse("timer:page") in body
    assert reverse("reports:index") in body


def test_subcontractor_index_lists_only_what_they_may_use(sub_client):
    response = sub_client.get(reverse("admin:index"))
    models = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    # API tokens: everyone in the admin manages their own (PRODUCT.md §8).
    assert models == {
        "Client",
        "Project",
        "TimeEntry",
        "Invoice",
        "ApiToken",
        "ProjectUpdate",
        "ProjectComment",
    }


def test_staff_without_permissions_sees_no_models(staff_client):
    response = staff_client.get(reverse("admin:index"))
    # Only their own API tokens, which every staff user manages (PRODUCT.md §8).
    models = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert models == {"ApiToken"}


def test_client_users_cannot_enter_the_admin(client, acme_user):
    client.force_login(acme_user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def _many_rows(acme, globex, subcontractor):
    for owner in (acme, globex):
        for _ in range(3):
            project = ProjectFactory(client=owner)
            for _ in range(4):
                TimeEntryFactory(project=project, user=subcontractor)
            invoice = InvoiceFactory(client=owner, project=project)
            PaymentFactory(invoice=invoice)
    for _ in range(5):
        ClientFactory()
        UserFactory()


# Queries on an admin change list, as an admin (superuser), whatever the number of rows:
#   session + user (2); the relation filters' choices (one each: clients, projects, users);
#   the filtered count, plus the unfiltered count where show_full_result_count is on (big
#   tables turn it off); the page of rows with its FKs joined (1); the running timer in the
#   header (1); the date hierarchy's range and its distinct dates (2, where there is one);
#   (the session is not saved: its idle timeout is renewed at most once a minute).
@pytest.mark.parametrize(
    ("model", "budget"),
    [(Client, 10), (Project, 10), (TimeEntry, 13), (Invoice, 12), (Payment, 11)],
)
def test_changelist_queries_do_not_grow_with_rows(
    admin_client, acme, globex, subcontractor, django_assert_max_num_queries, model, budget
):
    _many_rows(acme, globex, subcontractor)
    url = _url(model, "changelist")
    with django_assert_max_num_queries(budget):
        response = admin_client.get(url)
    assert response.status_code == 200
    _many_rows(acme, globex, subcontractor)
    with django_assert_max_num_queries(budget):
        admin_client.get(url)


# A subcontractor adds their permissions (user + group, 2) and one read of their assigned
# clients per visible_to(): the rows and each scoped relation filter.
@pytest.mark.parametrize(
    ("model", "budget"),
    [(Client, 14), (Project, 14), (TimeEntry, 19), (Invoice, 17)],
)
def test_subcontractor_changelist_queries_do_not_grow_with_rows(
    sub_client, acme, globex, subcontractor, django_assert_max_num_queries, model, budget
):
    _many_rows(acme, globex, subcontractor)
    url = _url(model, "changelist")
    with django_assert_max_num_queries(budget):
        response = sub_client.get(url)
    assert response.status_code == 200
    _many_rows(acme, globex, subcontractor)
    with django_assert_max_num_queries(budget):
        sub_client.get(url)


def test_time_entry_search_matches_notes_project_client_and_people(admin_client, acme, globex):
    from tests.factories import ProjectFactory, StaffUserFactory, TimeEntryFactory

    hanna = StaffUserFactory(first_name="Hanna", last_name="Quist")
    by_note = TimeEntryFactory(project=ProjectFactory(client=globex), notes="Fixed the flux valve")
    by_project = TimeEntryFactory(project=ProjectFactory(client=globex, name="Flux Website"))
    by_client = TimeEntryFactory(project=ProjectFactory(client=acme), notes="x")
    by_person = TimeEntryFactory(user=hanna, project=ProjectFactory(client=globex), notes="y")
    TimeEntryFactory(project=ProjectFactory(client=globex), notes="unrelated")
    url = reverse("admin:tracking_timeentry_changelist")

    def found(term):
        return {e.pk for e in admin_client.get(url, {"q": term}).context["cl"].result_list}

    assert found("flux") == {by_note.pk, by_project.pk}
    assert found("acme") == {by_client.pk}
    assert found("quist") == {by_person.pk}
    assert found("flux valve") == {by_note.pk}  # every word must match
    assert found('"flux valve"') == {by_note.pk}


def test_a_search_that_matches_nothing_skips_the_rows_and_date_queries(admin_client, acme):
    from tests.factories import TimeEntryFactory

    TimeEntryFactory.create_batch(3)
    url = reverse("admin:tracking_timeentry_changelist")
    cl = admin_client.get(url, {"q": "no-such-words"}).context["cl"]
    assert cl.result_count == 0
    assert cl.date_hierarchy is None
    assert admin_client.get(url).context["cl"].date_hierarchy == "start_time"
