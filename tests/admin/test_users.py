"""Users in the admin (§4.1): list, portal access, subcontractor assignments, who gets in."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.models import User, UserClient
from accounts.services import SUBCONTRACTOR_GROUP, user_apply_role
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db


def change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def form_data(user, **overrides):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "client_portal_enabled": "on" if user.client_portal_enabled else "",
        "client": user.client_id or "",
        "assigned_clients": list(user.assigned_clients.values_list("pk", flat=True)),
        "groups": [],
        "user_permissions": [],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value not in ("", None)}


def test_list_shows_portal_badge_with_client_name(admin_client, acme_user, staff_user):
    response = admin_client.get(reverse("admin:accounts_user_changelist"))
    body = response.content.decode()
    assert '<span class="portal-badge">Acme Corp</span>' in body
    assert body.count('class="portal-badge"') == 1


def test_list_filters_by_portal_access_role_and_client(admin_client, acme_user, globex_user):
    url = reverse("admin:accounts_user_changelist")
    response = admin_client.get(url, {"portal": "yes", "client__id__exact": acme_user.client_id})
    assert [u.username for u in response.context["cl"].result_list] == ["acme_user"]
    response = admin_client.get(url, {"portal": "no"})
    assert "acme_user" not in {u.username for u in response.context["cl"].result_list}
    response = admin_client.get(url, {"role__exact": "admin"})
    assert [u.username for u in response.context["cl"].result_list] == ["admin"]


def test_list_searches_username_name_and_email(admin_client, db):
    UserFactory(username="zed", first_name="Zora", email="zora@example.com")
    url = reverse("admin:accounts_user_changelist")
    for term in ("zed", "Zora", "zora@example"):
        response = admin_client.get(url, {"q": term})
        assert [u.username for u in response.context["cl"].result_list] == ["zed"], term


def test_enabling_portal_without_client_is_refused(admin_client, db):
    user = UserFactory()
    response = admin_client.post(
        change_url(user), form_data(user, client_portal_enabled="on", client="")
    )
    assert response.status_code == 200
    assert "client" in response.context["adminform"].form.errors
    user.refresh_from_db()
    assert not user.client_portal_enabled


def test_enabling_portal_with_client_shows_badge(admin_client, acme):
    user = UserFactory(username="newclientuser")
    response = admin_client.post(
        change_url(user), form_data(user, client_portal_enabled="on", client=acme.pk)
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_client_portal_user and user.client == acme
    listing = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "newclientuser"})
    assert '<span class="portal-badge">Acme Corp</span>' in listing.content.decode()


def test_disabling_portal_clears_client(admin_client, acme_user):
    response = admin_client.post(
        change_url(acme_user), form_data(acme_user, client_portal_enabled="")
    )
    assert response.status_code == 302
    acme_user.refresh_from_db()
    assert not acme_user.client_portal_enabled
    assert acme_user.client is None


def test_portal_client_choices_are_active_clients(admin_client, acme):
    archived = ClientFactory(name="Old Client", is_active=False)
    user = UserFactory()
    response = admin_client.get(change_url(user))
    choices = response.context["adminform"].form.fields["client"].queryset
    assert acme in choices and archived not in choices


def test_subcontractor_assignments_are_saved(admin_client, acme, globex):
    user = UserFactory(is_staff=True)
    response = admin_client.post(
        change_url(user),
        form_data(user, role="subcontractor", assigned_clients=[acme.pk, globex.pk]),
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.get_allowed_client_ids() == {acme.pk, globex.pk}
    assert user.groups.filter(name=SUBCONTRACTOR_GROUP).exists()


def test_changing_role_away_from_subcontractor_removes_assignments(admin_client, subcontractor):
    assert UserClient.objects.filter(user=subcontractor).exists()
    response = admin_client.post(change_url(subcontractor), form_data(subcontractor, role="user"))
    assert response.status_code == 302
    assert not UserClient.objects.filter(user=subcontractor).exists()
    assert not subcontractor.groups.filter(name=SUBCONTRACTOR_GROUP).exists()


def test_assigned_clients_fieldset_is_in_the_html_for_script_to_toggle(admin_client, db):
    user = UserFactory()
    body = admin_client.get(change_url(user)).content.decode()
    assert "Assigned Clients (Subcontractor)" in body
    assert "assigned-clients" in body
    assert "admin/js/user_role.js" in body


def test_role_admin_makes_superuser_and_back(admin_client, db):
    user = UserFactory()
    admin_client.post(change_url(user), form_data(user, role="admin"))
    user.refresh_from_db()
    assert user.is_superuser and user.is_staff
    admin_client.post(change_url(user), form_data(user, role="user"))
    user.refresh_from_db()
    assert not user.is_superuser


def test_admin_cannot_drop_own_admin_role(admin_client, admin_user):
    response = admin_client.post(change_url(admin_user), form_data(admin_user, role="user"))
    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    admin_user.refresh_from_db()
    assert admin_user.is_superuser


def test_add_user_with_portal_access_in_one_step(admin_client, acme):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "fresh",
            "usable_password": "false",
            "email": "fresh@example.com",
            "role": "user",
            "client_portal_enabled": "on",
            "client": acme.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="fresh")
    assert user.is_client_portal_user
    assert not user.has_usable_password()


def test_add_subcontractor_puts_them_in_group_and_staff(admin_client, acme):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "contractor",
            "usable_password": "false",
            "role": "subcontractor",
            "assigned_clients": [acme.pk],
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="contractor")
    assert user.is_staff
    assert user.get_allowed_client_ids() == {acme.pk}
    assert user.groups.filter(name=SUBCONTRACTOR_GROUP).exists()


@pytest.mark.parametrize("persona", ["staff_user", "subcontractor"])
def test_only_admins_reach_user_pages(client, request, persona, acme_user):
    client.force_login(request.getfixturevalue(persona))
    for url in (
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_add"),
        change_url(acme_user),
        reverse("admin:accounts_user_delete", args=[acme_user.pk]),
        reverse("admin:accounts_user_history", args=[acme_user.pk]),
        # Django names the password page after auth.User whatever the user model.
        reverse("admin:auth_user_password_change", args=[acme_user.pk]),
    ):
        assert client.get(url).status_code == 403, url
    invite = reverse("admin:accounts_user_invite", args=[acme_user.pk])
    assert client.post(invite).status_code == 403


def test_staff_with_user_permissions_still_cannot_manage_users(client, staff_user):
    staff_user.user_permissions.set(Permission.objects.filter(content_type__model="user"))
    client.force_login(staff_user)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403


def test_deleting_a_user_with_time_entries_is_refused(admin_client, world):
    response = admin_client.post(
        reverse("admin:accounts_user_delete", args=[world.wilhelmina.pk]), {"post": "yes"}
    )
    assert response.status_code == 200
    assert "deactivate the account instead" in response.content.decode()
    assert User.objects.filter(pk=world.wilhelmina.pk).exists()


def test_subcontractor_group_is_recreated_if_missing(db):
    Group.objects.filter(name=SUBCONTRACTOR_GROUP).delete()
    user = UserFactory(role=User.Role.SUBCONTRACTOR)
    user_apply_role(user=user)
    group = user.groups.get(name=SUBCONTRACTOR_GROUP)
    assert set(group.permissions.values_list("codename", flat=True)) == {
        "add_timeentry",
        "change_timeentry",
        "delete_timeentry",
        "view_timeentry",
        "view_client",
        "view_project",
        "view_invoice",
        # PRODUCT.md §10: status updates and replies to comments.
        "add_projectupdate",
        "change_projectupdate",
        "view_projectupdate",
        "add_projectcomment",
        "view_projectcomment",
    }
