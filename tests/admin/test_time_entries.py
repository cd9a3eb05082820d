"""Time entries in the admin: subcontractors see their clients' entries, edit only their own."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import InvoiceItemFactory, TimeEntryFactory
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:tracking_timeentry_add")


def entry_data(project, **overrides):
    data = {
        "project": project.pk,
        "start_time_0": "2024-05-06",
        "start_time_1": "09:00:00",
        "end_time_0": "2024-05-06",
        "end_time_1": "10:30:00",
        "billable": "on",
        "notes": "written in the admin",
    }
    data.update(overrides)
    return data


def test_subcontractor_sees_every_entry_of_assigned_clients(sub_client, world):
    response = sub_client.get(reverse("admin:tracking_timeentry_changelist"))
    shown = set(response.context["cl"].result_list)
    assert shown == {world.acme_entry_own, world.acme_entry_other}


def test_subcontractor_adds_entries_for_themselves_only(sub_client, world, staff_user):
    response = sub_client.post(ADD_URL, entry_data(world.acme_project, user=staff_user.pk))
    assert response.status_code == 302
    entry = TimeEntry.objects.get(notes="written in the admin")
    assert entry.user.username == "subcontractor"
    assert entry.duration_seconds == 90 * 60


def test_entry_on_out_of_scope_project_is_a_form_error(sub_client, world):
    response = sub_client.post(ADD_URL, entry_data(world.globex_project))
    assert response.status_code == 200
    assert "project" in response.context["adminform"].form.errors
    assert not TimeEntry.objects.filter(notes="written in the admin").exists()


def test_moving_own_entry_out_of_scope_is_a_form_error(sub_client, world):
    url = reverse("admin:tracking_timeentry_change", args=[world.acme_entry_own.pk])
    response = sub_client.post(url, entry_data(world.globex_project))
    assert response.status_code == 200
    world.acme_entry_own.refresh_from_db()
    assert world.acme_entry_own.project == world.acme_project


def test_subcontractor_changes_own_entry(sub_client, world):
    url = reverse("admin:tracking_timeentry_change", args=[world.acme_entry_own.pk])
    response = sub_client.post(url, entry_data(world.acme_project, notes="fixed typo"))
    assert response.status_code == 302
    world.acme_entry_own.refresh_from_db()
    assert world.acme_entry_own.notes == "fixed typo"


def test_subcontractor_only_views_a_colleagues_entry(sub_client, world):
    url = reverse("admin:tracking_timeentry_change", args=[world.acme_entry_other.pk])
    page = sub_client.get(url)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert sub_client.post(url, entry_data(world.acme_project)).status_code == 403
    delete_url = reverse("admin:tracking_timeentry_delete", args=[world.acme_entry_other.pk])
    assert sub_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert TimeEntry.objects.filter(pk=world.acme_entry_other.pk).exists()


def test_subcontractor_deletes_own_entry(sub_client, world):
    url = reverse("admin:tracking_timeentry_delete", args=[world.acme_entry_own.pk])
    assert sub_client.post(url, {"post": "yes"}).status_code == 302
    assert not TimeEntry.objects.filter(pk=world.acme_entry_own.pk).exists()


def test_bulk_delete_refuses_colleagues_entries(sub_client, world):
    sub_client.post(
        reverse("admin:tracking_timeentry_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [world.acme_entry_own.pk, world.acme_entry_other.pk],
            "post": "yes",
        },
    )
    assert TimeEntry.objects.filter(pk=world.acme_entry_other.pk).exists()


def test_second_running_entry_is_a_form_error_not_a_crash(sub_client, world):
    TimeEntryFactory(user=world.acme_entry_own.user, project=world.acme_project, end_time=None)
    response = sub_client.post(
        ADD_URL, entry_data(world.acme_project, end_time_0="", end_time_1="")
    )
    assert response.status_code == 200
    assert "end_time" in response.context["adminform"].form.errors


def test_end_before_start_is_a_form_error(admin_client, world, staff_user):
    response = admin_client.post(
        ADD_URL, entry_data(world.acme_project, user=staff_user.pk, end_time_1="08:00:00")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors


def test_admin_picks_the_user(admin_client, world, staff_user):
    response = admin_client.post(ADD_URL, entry_data(world.acme_project, user=staff_user.pk))
    assert response.status_code == 302
    assert TimeEntry.objects.get(notes="written in the admin").user == staff_user


def test_duration_is_shown_as_hours_and_minutes(admin_client, world):
    response = admin_client.get(reverse("admin:tracking_timeentry_changelist"))
    assert '<td class="field-duration">1:30 (1.50 h)</td>' in response.content.decode()


def test_running_and_billable_filters(admin_client, world, staff_user):
    running = TimeEntryFactory(user=staff_user, project=world.acme_project, end_time=None)
    unbillable = TimeEntryFactory(project=world.acme_project, billable=False)
    url = reverse("admin:tracking_timeentry_changelist")
    assert list(admin_client.get(url, {"state": "running"}).context["cl"].result_list) == [running]
    finished = admin_client.get(url, {"state": "finished"}).context["cl"].result_list
    assert running not in finished
    not_billable = admin_client.get(url, {"billable__exact": "0"}).context["cl"].result_list
    assert list(not_billable) == [unbillable]


def test_date_hierarchy_drills_into_a_day(admin_client, world):
    TimeEntryFactory(
        project=world.acme_project,
        start_time=dt.datetime(2023, 2, 3, 10, tzinfo=dt.UTC),
        end_time=dt.datetime(2023, 2, 3, 11, tzinfo=dt.UTC),
        notes="february",
    )
    response = admin_client.get(
        reverse("admin:tracking_timeentry_changelist"),
        {"start_time__year": 2023, "start_time__month": 2, "start_time__day": 3},
    )
    assert [e.notes for e in response.context["cl"].result_list] == ["february"]


def test_invoiced_entry_cannot_be_deleted(admin_client, world):
    item = InvoiceItemFactory(invoice__client=world.acme)
    item.time_entries.add(world.acme_entry_other)
    url = reverse("admin:tracking_timeentry_delete", args=[world.acme_entry_other.pk])
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert "billed on an invoice" in response.content.decode()
    assert TimeEntry.objects.filter(pk=world.acme_entry_other.pk).exists()
