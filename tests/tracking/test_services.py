"""tracking.services: timer_start / timer_stop / timer_running."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clients.models import Project
from tests.factories import ProjectFactory, SubcontractorFactory, TimeEntryFactory, UserFactory
from tracking.models import TimeEntry
from tracking.services import (
    NoRunningTimer,
    TimerAlreadyRunning,
    timer_running,
    timer_start,
    timer_stop,
)

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2024, 6, 3, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch):
    """A settable clock for the services (``clock.now``)."""

    class Clock:
        now = T0

    monkeypatch.setattr("tracking.services.timezone.now", lambda: Clock.now)
    return Clock


@pytest.fixture
def acme_project(acme):
    return ProjectFactory(client=acme, billable=True)


@pytest.fixture
def globex_project(globex):
    return ProjectFactory(client=globex)


def test_start_creates_a_running_timer_entry(clock, staff_user, acme_project):
    entry = timer_start(user=staff_user, project=acme_project, notes="Kick-off")
    entry.refresh_from_db()
    assert entry.user == staff_user
    assert entry.project == acme_project
    assert entry.start_time == T0
    assert entry.end_time is None
    assert entry.duration_seconds is None
    assert entry.source == TimeEntry.Source.TIMER
    assert entry.notes == "Kick-off"
    assert entry.billable


def test_start_copies_the_projects_billable_flag(clock, staff_user, acme):
    project = ProjectFactory(client=acme, billable=False)
    assert not timer_start(user=staff_user, project=project).billable


def test_subcontractor_can_start_on_an_assigned_clients_project(clock, subcontractor, acme_project):
    assert timer_start(user=subcontractor, project=acme_project).is_running


def test_start_on_an_out_of_scope_project_is_denied(clock, subcontractor, globex_project):
    with pytest.raises(PermissionDenied):
        timer_start(user=subcontractor, project=globex_project)
    assert not TimeEntry.objects.exists()


def test_start_by_a_user_without_scope_is_denied(clock, acme_project):
    for user in (UserFactory(), SubcontractorFactory()):
        with pytest.raises(PermissionDenied):
            timer_start(user=user, project=acme_project)
    assert not TimeEntry.objects.exists()


def test_start_by_an_inactive_user_is_denied(clock, staff_user, acme_project):
    staff_user.is_active = False
    staff_user.save()
    with pytest.raises(PermissionDenied):
        timer_start(user=staff_user, project=acme_project)


def test_start_on_an_inactive_project_is_refused(clock, staff_user, acme):
    project = ProjectFactory(client=acme, status=Project.Status.ARCHIVED)
    with pytest.raises(ValidationError):
        timer_start(user=staff_user, project=project)
    assert not TimeEntry.objects.exists()


def test_second_start_raises_timer_already_running(clock, staff_user, acme_project, acme):
    first = timer_start(user=staff_user, project=acme_project)
    with pytest.raises(TimerAlreadyRunning):
        timer_start(user=staff_user, project=ProjectFactory(client=acme))
    assert list(TimeEntry.objects.running()) == [first]


def test_timer_already_running_is_a_validation_error():
    # Callers (admin views, API) catch ValidationError to show the message.
    assert issubclass(TimerAlreadyRunning, ValidationError)
    assert issubclass(NoRunningTimer, ValidationError)


def test_another_users_running_timer_does_not_block(clock, staff_user, subcontractor, acme_project):
    timer_start(user=subcontractor, project=acme_project)
    assert timer_start(user=staff_user, project=acme_project).is_running
    assert TimeEntry.objects.running().count() == 2


def test_stop_sets_end_and_duration(clock, staff_user, acme_project):
    timer_start(user=staff_user, project=acme_project)
    clock.now = T0 + dt.timedelta(hours=1, minutes=15, seconds=7)
    entry = timer_stop(user=staff_user)
    entry.refresh_from_db()
    assert entry.end_time == clock.now
    assert entry.duration_seconds == 4507
    assert not TimeEntry.objects.running().exists()


def test_stop_never_ends_before_the_start(clock, staff_user, acme_project):
    # A clock that went backwards (e.g. an edited start in the future) gives a zero-length entry.
    timer_start(user=staff_user, project=acme_project)
    clock.now = T0 - dt.timedelta(minutes=5)
    entry = timer_stop(user=staff_user)
    assert entry.end_time == entry.start_time == T0
    assert entry.duration_seconds == 0


def test_stop_only_stops_the_callers_timer(clock, staff_user, subcontractor, acme_project):
    timer_start(user=staff_user, project=acme_project)
    theirs = timer_start(user=subcontractor, project=acme_project)
    clock.now = T0 + dt.timedelta(minutes=1)
    timer_stop(user=staff_user)
    theirs.refresh_from_db()
    assert theirs.is_running


def test_stop_without_a_running_timer_raises(clock, staff_user, acme_project):
    TimeEntryFactory(user=staff_user, project=acme_project)  # finished entries don't count
    with pytest.raises(NoRunningTimer):
        timer_stop(user=staff_user)


def test_start_again_after_stop(clock, staff_user, acme_project):
    timer_start(user=staff_user, project=acme_project)
    clock.now = T0 + dt.timedelta(minutes=10)
    timer_stop(user=staff_user)
    clock.now = T0 + dt.timedelta(minutes=20)
    second = timer_start(user=staff_user, project=acme_project)
    assert second.start_time == clock.now
    assert TimeEntry.objects.filter(user=staff_user).count() == 2


def test_timer_running_returns_the_users_running_entry(
    clock, staff_user, subcontractor, acme_project
):
    assert timer_running(user=staff_user) is None
    timer_start(user=subcontractor, project=acme_project)
    assert timer_running(user=staff_user) is None
    mine = timer_start(user=staff_user, project=acme_project)
    assert timer_running(user=staff_user) == mine


def test_timer_running_loads_the_project_in_one_query(
    clock, staff_user, acme_project, django_assert_num_queries
):
    timer_start(user=staff_user, project=acme_project)
    with django_assert_num_queries(1):
        entry = timer_running(user=staff_user)
        assert entry.project.name == acme_project.name


def test_timer_start_refuses_client_portal_users(acme_user, acme):
    from django.core.exceptions import PermissionDenied

    from tests.factories import ProjectFactory
    from tracking.models import TimeEntry
    from tracking.services import timer_start

    project = ProjectFactory(client=acme)
    with pytest.raises(PermissionDenied):
        timer_start(user=acme_user, project=project)
    assert not TimeEntry.objects.exists()
