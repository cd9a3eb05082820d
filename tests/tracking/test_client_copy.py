"""TimeEntry.client is a copy of project.client that the application and the database keep
true (see tracking/migrations/0002_time_entry_client.py)."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import ProjectFactory, StaffUserFactory, TimeEntryFactory
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db


def test_save_copies_the_projects_client(acme):
    entry = TimeEntryFactory(project=ProjectFactory(client=acme))
    entry.refresh_from_db()
    assert entry.client_id == acme.pk


def test_bulk_create_fills_in_the_client(acme, globex):
    user = StaffUserFactory()
    start = timezone.now() - dt.timedelta(hours=2)
    projects = [ProjectFactory(client=acme), ProjectFactory(client=globex)]
    TimeEntry.objects.bulk_create(
        TimeEntry(
            user=user,
            project=project,
            start_time=start,
            end_time=start + dt.timedelta(hours=1),
            duration_seconds=3600,
        )
        for project in projects
    )
    assert set(TimeEntry.objects.values_list("project__client_id", "client_id")) == {
        (acme.pk, acme.pk),
        (globex.pk, globex.pk),
    }


def test_project_moved_to_another_client_moves_its_entries(acme, globex):
    project = ProjectFactory(client=acme)
    TimeEntryFactory.create_batch(3, project=project)
    project.client = globex
    project.save()
    assert set(TimeEntry.objects.values_list("client_id", flat=True)) == {globex.pk}
    assert TimeEntry.objects.for_client(globex).count() == 3
    assert not TimeEntry.objects.for_client(acme).exists()


def test_the_database_refuses_a_client_other_than_the_projects(acme, globex):
    entry = TimeEntryFactory(project=ProjectFactory(client=acme))
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.filter(pk=entry.pk).update(client=globex)
    entry.refresh_from_db()
    assert entry.client_id == acme.pk
