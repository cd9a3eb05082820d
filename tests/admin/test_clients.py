"""Clients and projects: archive instead of delete; billing history is never deleted."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, Project
from tests.factories import ClientFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _messages(response):
    return " ".join(str(m) for m in response.context["messages"])


def test_deleting_client_with_history_shows_message_and_keeps_it(admin_client, world):
    url = reverse("admin:clients_client_delete", args=[world.acme.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Acme Corp has 1 project(s) and 1 invoice(s). Archive the client instead." in body
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert Client.objects.filter(pk=world.acme.pk).exists()


def test_deleting_project_with_time_entries_is_refused(admin_client, world):
    url = reverse("admin:clients_project_delete", args=[world.acme_project.pk])
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert "has 2 time entries and 1 invoice(s)" in response.content.decode()
    assert Project.objects.filter(pk=world.acme_project.pk).exists()


def test_bulk_delete_of_clients_with_history_is_refused(admin_client, world):
    response = admin_client.post(
        reverse("admin:clients_client_changelist"),
        {"action": "delete_selected", "_selected_action": [world.acme.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert "Archive the client instead" in response.content.decode()
    assert Client.objects.filter(pk=world.acme.pk).exists()


def test_client_without_history_can_be_deleted(admin_client, db):
    empty = ClientFactory(name="Nothing Yet")
    response = admin_client.post(
        reverse("admin:clients_client_delete", args=[empty.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Client.objects.filter(pk=empty.pk).exists()


def test_archive_and_reactivate_clients(admin_client, acme):
    url = reverse("admin:clients_client_changelist")
    response = admin_client.post(
        url, {"action": "archive", "_selected_action": [acme.pk]}, follow=True
    )
    assert "Archived 1 client." in _messages(response)
    acme.refresh_from_db()
    assert not acme.is_active
    admin_client.post(url, {"action": "reactivate", "_selected_action": [acme.pk]})
    acme.refresh_from_db()
    assert acme.is_active


def test_archive_actions_go_through_the_services_and_keep_updated_at_true(admin_client, acme):
    project = ProjectFactory(client=acme)
    stale = timezone.now() - dt.timedelta(days=30)
    Client.objects.filter(pk=acme.pk).update(updated_at=stale)
    Project.objects.filter(pk=project.pk).update(updated_at=stale)
    admin_client.post(
        reverse("admin:clients_client_changelist"),
        {"action": "archive", "_selected_action": [acme.pk]},
    )
    admin_client.post(
        reverse("admin:clients_project_changelist"),
        {"action": "archive", "_selected_action": [project.pk]},
    )
    acme.refresh_from_db()
    project.refresh_from_db()
    assert acme.updated_at > stale and project.updated_at > stale


def test_archive_and_reactivate_projects(admin_client, acme):
    project = ProjectFactory(client=acme)
    url = reverse("admin:clients_project_changelist")
    admin_client.post(url, {"action": "archive", "_selected_action": [project.pk]})
    project.refresh_from_db()
    assert project.status == Project.Status.ARCHIVED
    admin_client.post(url, {"action": "reactivate", "_selected_action": [project.pk]})
    project.refresh_from_db()
    assert project.status == Project.Status.ACTIVE


def test_subcontractor_views_but_cannot_change_clients(sub_client, world):
    url = reverse("admin:clients_client_change", args=[world.acme.pk])
    page = sub_client.get(url)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    response = sub_client.post(url, {"name": "Renamed"})
    assert response.status_code == 403
    world.acme.refresh_from_db()
    assert world.acme.name == "Acme Corp"


def test_subcontractor_cannot_archive(sub_client, world):
    response = sub_client.post(
        reverse("admin:clients_client_changelist"),
        {"action": "archive", "_selected_action": [world.acme.pk]},
    )
    assert response.status_code in (200, 302)
    world.acme.refresh_from_db()
    assert world.acme.is_active


def test_widened_permissions_stay_within_scope(client, world, subcontractor):
    # An admin lets the subcontractor add projects: another client is still not a choice.
    subcontractor.user_permissions.add(Permission.objects.get(codename="add_project"))
    client.force_login(subcontractor)
    url = reverse("admin:clients_project_add")
    response = client.post(
        url, {"client": world.globex.pk, "name": "Sneaky", "status": "active", "billable": "on"}
    )
    assert response.status_code == 200
    assert "client" in response.context["adminform"].form.errors
    assert not Project.objects.filter(name="Sneaky").exists()
    response = client.post(
        url, {"client": world.acme.pk, "name": "Fine", "status": "active", "billable": "on"}
    )
    assert response.status_code == 302
    assert Project.objects.get(name="Fine").client == world.acme
