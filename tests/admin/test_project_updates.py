"""Status updates and comments in the admin (PRODUCT.md §10), scoped for subcontractors."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from clients.admin import ProjectCommentInline, ProjectUpdateInline
from clients.models import CommentDelivery, Project, ProjectComment, ProjectUpdate
from tests.admin.conftest import assert_no_foreign_data
from tests.factories import ClientUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def talk(world, acme_user):
    """An update and a comment on each client's project; Globex's carry the markers."""
    return {
        "acme_update": ProjectUpdate.objects.create(
            project=world.acme_project, title="Acme sprint 3", published_at=timezone.now()
        ),
        "acme_comment": ProjectComment.objects.create(
            project=world.acme_project, author=acme_user, from_client=True, body="Acme question"
        ),
        "globex_update": ProjectUpdate.objects.create(
            project=world.globex_project, title="globex update", body="zorblax"
        ),
        "globex_comment": ProjectComment.objects.create(
            project=world.globex_project, author=world.wilhelmina, body="globex comment"
        ),
    }


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


@pytest.mark.parametrize("model", [ProjectUpdate, ProjectComment])
def test_subcontractor_lists_show_only_their_clients(sub_client, talk, model):
    name = model._meta.model_name
    # Search words that match Globex's rows without being markers (the box echoes them).
    for query in ("", "?q=update", "?q=comment", "?q=Rollout", "?_facets=1"):
        response = sub_client.get(reverse(f"admin:clients_{name}_changelist") + query)
        assert response.status_code == 200
        assert_no_foreign_data(response, name + query)
    response = sub_client.get(reverse(f"admin:clients_{name}_changelist"))
    assert response.context["cl"].result_count == 1


@pytest.mark.parametrize("key", ["globex_update", "globex_comment"])
def test_subcontractor_gets_403_on_other_clients_objects(sub_client, talk, key):
    obj = talk[key]
    for method in (sub_client.get, sub_client.post):
        response = method(change_url(obj))
        assert response.status_code == 403
    opts = obj._meta
    delete = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
    assert sub_client.post(delete, {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_subcontractor_opens_in_scope_objects(sub_client, talk):
    assert sub_client.get(change_url(talk["acme_update"])).status_code == 200
    assert sub_client.get(change_url(talk["acme_comment"])).status_code == 200


def test_subcontractor_project_choices_are_scoped(sub_client, talk, world):
    for name in ("projectupdate", "projectcomment"):
        response = sub_client.get(reverse(f"admin:clients_{name}_add"))
        assert response.status_code == 200
        assert_no_foreign_data(response, name)
        autocomplete = sub_client.get(
            reverse("admin:autocomplete"),
            {"app_label": "clients", "model_name": name, "field_name": "project", "term": ""},
        )
        assert_no_foreign_data(autocomplete, name)
    response = sub_client.post(
        reverse("admin:clients_projectcomment_add"),
        {"project": world.globex_project.pk, "body": "sneaky"},
    )
    assert response.status_code == 200  # the form again, with an error
    assert "Select a valid choice" in response.content.decode()
    assert not ProjectComment.objects.filter(body="sneaky").exists()


def test_subcontractor_replies_from_the_admin(sub_client, subcontractor, talk, world, acme_user):
    response = sub_client.post(
        reverse("admin:clients_projectcomment_add"),
        {"project": world.acme_project.pk, "body": "We are on it"},
    )
    assert response.status_code == 302
    reply = ProjectComment.objects.get(body="We are on it")
    assert reply.author == subcontractor and not reply.from_client and not reply.internal
    assert CommentDelivery.objects.filter(comment=reply, recipient=acme_user).exists()


def test_inline_querysets_are_scoped(subcontractor, talk):
    request = RequestFactory().get("/")
    request.user = subcontractor
    for inline_class in (ProjectUpdateInline, ProjectCommentInline):
        inline = inline_class(Project, admin.site)
        rows = list(inline.get_queryset(request))
        assert rows and all(
            row.project.client_id == talk["acme_update"].project.client_id for row in rows
        )


def test_subcontractor_project_page_inlines_hide_other_clients(sub_client, talk, world):
    response = sub_client.get(change_url(world.acme_project))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Acme sprint 3" in body and "Acme question" in body
    assert_no_foreign_data(response)
    assert sub_client.get(change_url(world.globex_project)).status_code == 403


def test_admin_sees_inlines_and_replies_from_the_project_page(
    admin_client, admin_user, talk, world, acme_user
):
    project = world.acme_project
    response = admin_client.get(change_url(project))
    body = response.content.decode()
    assert "Acme sprint 3" in body and "Acme question" in body
    data = {
        "client": project.client_id,
        "name": project.name,
        "description": project.description,
        "status": project.status,
        "billable": "on",
        "updates-TOTAL_FORMS": "1",
        "updates-INITIAL_FORMS": "1",
        "updates-MIN_NUM_FORMS": "0",
        "updates-MAX_NUM_FORMS": "1000",
        "updates-0-id": talk["acme_update"].pk,
        "updates-0-project": project.pk,
        "updates-0-status": "at_risk",
        "updates-0-title": "Acme sprint 3",
        "updates-0-body": "",
        "updates-0-percent_complete": "40",
        "updates-0-published_at_0": "",
        "updates-0-published_at_1": "",
        "comments-TOTAL_FORMS": "1",
        "comments-INITIAL_FORMS": "1",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "0",
        "comments-0-id": talk["acme_comment"].pk,
        "comments-0-project": project.pk,
        "comments-2-TOTAL_FORMS": "1",
        "comments-2-INITIAL_FORMS": "0",
        "comments-2-MIN_NUM_FORMS": "0",
        "comments-2-MAX_NUM_FORMS": "1",
        "comments-2-0-body": "Admin reply",
        "comments-2-0-internal": "",
        "comments-2-0-project": project.pk,
    }
    response = admin_client.post(change_url(project), data)
    assert response.status_code == 302, response.context and [
        f.errors for f in response.context["inline_admin_formsets"]
    ]
    reply = ProjectComment.objects.get(body="Admin reply")
    assert reply.author == admin_user and not reply.from_client
    assert CommentDelivery.objects.filter(comment=reply, recipient=acme_user).exists()
    update = ProjectUpdate.objects.get(pk=talk["acme_update"].pk)
    assert update.status == "at_risk" and update.percent_complete == 40


def test_update_preview_shows_what_the_client_sees(admin_client, talk, world):
    update = talk["acme_update"]
    update.body = "Line one\n<b>bold?</b> https://example.com"
    update.save()
    world.acme.portal_show_team_names = False
    world.acme.save()
    body = admin_client.get(change_url(update)).content.decode()
    assert "How the client sees it" in body
    assert "Line one<br>&lt;b&gt;bold?&lt;/b&gt;" in body
    assert '<a href="https://example.com" rel="nofollow">' in body


def test_adding_an_update_records_the_author(admin_client, admin_user, world):
    response = admin_client.post(
        reverse("admin:clients_projectupdate_add"),
        {
            "project": world.acme_project.pk,
            "status": "on_track",
            "title": "Kick-off",
            "body": "",
            "percent_complete": "",
            "published_at_0": "",
            "published_at_1": "",
        },
    )
    assert response.status_code == 302
    update = ProjectUpdate.objects.get(title="Kick-off")
    assert update.author == admin_user and update.published_at is None


def test_percent_complete_over_100_is_a_form_error(admin_client, world):
    response = admin_client.post(
        reverse("admin:clients_projectupdate_add"),
        {
            "project": world.acme_project.pk,
            "status": "on_track",
            "title": "x",
            "percent_complete": "101",
        },
    )
    assert response.status_code == 200
    assert not ProjectUpdate.objects.filter(title="x").exists()


def test_saved_comments_are_read_only(admin_client, talk):
    comment = talk["acme_comment"]
    admin_client.post(change_url(comment), {"body": "rewritten", "internal": "on"})
    comment.refresh_from_db()
    assert comment.body == "Acme question" and not comment.internal


def test_soft_delete_action(admin_client, talk):
    comment = talk["acme_comment"]
    admin_client.post(
        reverse("admin:clients_projectcomment_changelist"),
        {"action": "soft_delete", "_selected_action": [comment.pk]},
    )
    comment.refresh_from_db()
    assert comment.deleted_at is not None


def test_client_user_cannot_reach_the_comment_admin(client, acme):
    client.force_login(ClientUserFactory(client=acme))
    response = client.get(reverse("admin:clients_projectcomment_changelist"))
    assert response.status_code == 302


def _talk_rows(project, author, n):
    ProjectUpdate.objects.bulk_create(
        ProjectUpdate(project=project, title=f"u{i}", author=author, published_at=timezone.now())
        for i in range(n)
    )
    ProjectComment.objects.bulk_create(
        ProjectComment(project=project, author=author, body=f"c{i}") for i in range(n)
    )


# Change lists: session + user (2); the client filter's choices (1); the filtered count (1;
# show_full_result_count is off); the page with project, client and author joined (1); the
# running timer in the header (1). A subcontractor adds their permissions (user + group, 2)
# and one read of their assigned clients per visible_to() (the rows, the client filter).
@pytest.mark.parametrize("model", ["projectupdate", "projectcomment"])
@pytest.mark.parametrize(("persona", "budget"), [("admin_user", 6), ("subcontractor", 10)])
def test_changelist_queries_do_not_grow(
    client, world, request, model, persona, budget, django_assert_max_num_queries
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    url = reverse(f"admin:clients_{model}_changelist")
    for n in (3, 40):
        _talk_rows(world.acme_project, user, n)
        with django_assert_max_num_queries(budget):
            response = client.get(url)
        assert response.status_code == 200


# The project page: session + user (2); the project (1); the update inline's rows and the
# comment inline's rows, each with author and project joined (2); the business-profile
# check and the running timer of the header (2); the client box's selected value (1).
# The same whatever the number of updates and comments.
def test_project_page_queries_do_not_grow(
    admin_client, admin_user, world, django_assert_max_num_queries
):
    url = change_url(world.acme_project)
    for n in (3, 40):
        _talk_rows(world.acme_project, admin_user, n)
        with django_assert_max_num_queries(8):
            response = admin_client.get(url)
        assert response.status_code == 200
