"""ProjectUpdate and ProjectComment: database constraints and QuerySet methods (§10)."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import Project, ProjectComment, ProjectUpdate
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(acme):
    return ProjectFactory(client=acme)


@pytest.mark.parametrize("percent", [-1, 101])
def test_percent_complete_out_of_range_is_refused_by_the_database(project, percent):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectUpdate.objects.create(project=project, title="x", percent_complete=percent)


@pytest.mark.parametrize("percent", [None, 0, 100])
def test_percent_complete_in_range(project, percent):
    ProjectUpdate.objects.create(project=project, title="x", percent_complete=percent)


def test_unknown_status_is_refused_by_the_database(project):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectUpdate.objects.create(project=project, title="x", status="great")


@pytest.mark.parametrize("length", [0, 5001])
def test_comment_length_is_checked_by_the_database(project, length):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectComment.objects.create(project=project, body="é" * length)


def test_comment_of_5000_characters_fits(project):
    ProjectComment.objects.create(project=project, body="é" * 5000)


def test_a_client_comment_cannot_be_internal(project):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectComment.objects.create(project=project, body="x", from_client=True, internal=True)


def test_querysets(project, globex):
    other = ProjectFactory(client=globex)
    published = ProjectUpdate.objects.create(
        project=project, title="p", published_at=timezone.now()
    )
    ProjectUpdate.objects.create(project=project, title="draft")
    ProjectUpdate.objects.create(project=other, title="o", published_at=timezone.now())
    assert list(ProjectUpdate.objects.for_client(project.client).published()) == [published]
    shown = ProjectComment.objects.create(project=project, body="shown")
    ProjectComment.objects.create(project=project, body="internal", internal=True)
    ProjectComment.objects.create(project=project, body="gone", deleted_at=timezone.now())
    ProjectComment.objects.create(project=other, body="other")
    assert list(ProjectComment.objects.for_client(project.client).for_portal()) == [shown]


def test_visible_to(project, subcontractor, globex_user, acme_user):
    update = ProjectUpdate.objects.create(project=project, title="p")
    assert list(ProjectUpdate.objects.visible_to(subcontractor)) == [update]
    assert not ProjectUpdate.objects.visible_to(globex_user).exists()
    assert list(ProjectUpdate.objects.visible_to(acme_user)) == [update]


def test_latest_update_per_project(project, acme):
    quiet = ProjectFactory(client=acme)
    ProjectUpdate.objects.create(project=project, title="old", published_at=timezone.now())
    ProjectUpdate.objects.create(
        project=project, title="new", status="at_risk", published_at=timezone.now()
    )
    ProjectUpdate.objects.create(project=project, title="draft")
    rows = {p.pk: p for p in Project.objects.for_client(acme).with_latest_update()}
    assert (rows[project.pk].latest_update_title, rows[project.pk].latest_update_status) == (
        "new",
        "at_risk",
    )
    assert rows[quiet.pk].latest_update_status is None
