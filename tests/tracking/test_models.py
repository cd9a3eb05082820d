"""tracking.TimeEntry: scoping, QuerySet filters, derived duration and database constraints."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from clients.models import Project
from tests.factories import (
    ProjectFactory,
    StaffUserFactory,
    SubcontractorFactory,
    TimeEntryFactory,
    UserFactory,
)
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2024, 3, 4, 9, 0, tzinfo=dt.UTC)


def entry_at(project, start, *, minutes=30, user=None, **kwargs):
    end = None if minutes is None else start + dt.timedelta(minutes=minutes)
    kwargs.setdefault("user", user or StaffUserFactory())
    return TimeEntryFactory(project=project, start_time=start, end_time=end, **kwargs)


@pytest.fixture
def entries(acme, globex):
    acme_archived = ProjectFactory(client=acme, status=Project.Status.ARCHIVED)
    return {
        "acme": TimeEntryFactory(project=ProjectFactory(client=acme)),
        "acme_archived": TimeEntryFactory(project=acme_archived),
        "globex": TimeEntryFactory(project=ProjectFactory(client=globex)),
    }


# --- visible_to / for_client ------------------------------------------------------------------


def test_admin_and_staff_see_every_entry(admin_user, staff_user, entries):
    assert set(TimeEntry.objects.visible_to(admin_user)) == set(entries.values())
    assert set(TimeEntry.objects.visible_to(staff_user)) == set(entries.values())


def test_subcontractor_sees_all_entries_on_assigned_clients_projects(subcontractor, entries):
    # Anyone's entries, on projects of any status.
    assert set(TimeEntry.objects.visible_to(subcontractor)) == {
        entries["acme"],
        entries["acme_archived"],
    }


def test_client_user_sees_only_their_clients_entries(acme_user, globex_user, entries):
    assert set(TimeEntry.objects.visible_to(acme_user)) == {
        entries["acme"],
        entries["acme_archived"],
    }
    assert list(TimeEntry.objects.visible_to(globex_user)) == [entries["globex"]]


def test_users_without_scope_see_no_entry(entries):
    assert not TimeEntry.objects.visible_to(UserFactory()).exists()
    assert not TimeEntry.objects.visible_to(SubcontractorFactory()).exists()
    assert not TimeEntry.objects.visible_to(AnonymousUser()).exists()
    assert not TimeEntry.objects.visible_to(None).exists()


def test_inactive_users_see_no_entry(admin_user, subcontractor, acme_user, entries):
    for user in (admin_user, subcontractor, acme_user):
        user.is_active = False
        user.save()
        assert not TimeEntry.objects.visible_to(user).exists()


def test_for_client_goes_through_the_project(acme, globex, entries):
    assert set(TimeEntry.objects.for_client(acme)) == {entries["acme"], entries["acme_archived"]}
    assert list(TimeEntry.objects.for_client(globex.pk)) == [entries["globex"]]


# --- finished / running / billable ------------------------------------------------------------


def test_finished_and_running_split_entries(acme):
    project = ProjectFactory(client=acme)
    done = entry_at(project, T0)
    running = entry_at(project, T0, minutes=None)
    assert list(TimeEntry.objects.finished()) == [done]
    assert list(TimeEntry.objects.running()) == [running]
    assert running.is_running and not done.is_running


def test_billable_excludes_non_billable_entries(acme):
    project = ProjectFactory(client=acme)
    billable = entry_at(project, T0)
    entry_at(project, T0 + dt.timedelta(hours=1), billable=False)
    assert list(TimeEntry.objects.billable()) == [billable]


def test_filters_chain_with_scope(acme_user, acme, globex):
    mine = ProjectFactory(client=acme)
    wanted = entry_at(mine, T0)
    entry_at(mine, T0 + dt.timedelta(hours=1), billable=False)
    entry_at(mine, T0 + dt.timedelta(hours=2), minutes=None)
    entry_at(ProjectFactory(client=globex), T0)
    qs = TimeEntry.objects.visible_to(acme_user).finished().billable()
    assert list(qs) == [wanted]


def test_entries_are_newest_first(acme):
    project = ProjectFactory(client=acme)
    old = entry_at(project, T0)
    new = entry_at(project, T0 + dt.timedelta(days=1))
    assert list(TimeEntry.objects.all()) == [new, old]


# --- started_between --------------------------------------------------------------------------


@pytest.mark.parametrize("tz_name", ["Pacific/Auckland", "America/New_York", "UTC"])
def test_started_between_is_inclusive_local_days(settings, acme, tz_name):
    settings.TIME_ZONE = tz_name
    tz = zoneinfo.ZoneInfo(tz_name)
    project = ProjectFactory(client=acme)

    def local(*args):
        return dt.datetime(*args, tzinfo=tz)

    before = entry_at(project, local(2024, 5, 9, 23, 59, 59), minutes=1)
    first_instant = entry_at(project, local(2024, 5, 10, 0, 0), minutes=1)
    last_instant = entry_at(project, local(2024, 5, 11, 23, 59, 59), minutes=1)
    after = entry_at(project, local(2024, 5, 12, 0, 0), minutes=1)

    qs = TimeEntry.objects.started_between(dt.date(2024, 5, 10), dt.date(2024, 5, 11))
    assert set(qs) == {first_instant, last_instant}
    assert set(TimeEntry.objects.started_between(date_from=dt.date(2024, 5, 12))) == {after}
    assert set(TimeEntry.objects.started_between(date_to=dt.date(2024, 5, 9))) == {before}
    assert TimeEntry.objects.started_between().count() == 4


def test_started_between_uses_the_project_time_zone_not_utc(settings, acme):
    # 2024-05-09 14:00 UTC is already 2024-05-10 02:00 in Auckland (UTC+12).
    settings.TIME_ZONE = "Pacific/Auckland"
    project = ProjectFactory(client=acme)
    entry = entry_at(project, dt.datetime(2024, 5, 9, 14, 0, tzinfo=dt.UTC))
    day = dt.date(2024, 5, 10)
    assert list(TimeEntry.objects.started_between(day, day)) == [entry]
    assert not TimeEntry.objects.started_between(dt.date(2024, 5, 9), dt.date(2024, 5, 9)).exists()


def test_started_between_single_day_across_dst_change(settings, acme):
    # 2024-03-10 in New York has only 23 hours; both ends must still be honoured.
    settings.TIME_ZONE = "America/New_York"
    tz = zoneinfo.ZoneInfo("America/New_York")
    project = ProjectFactory(client=acme)
    first = entry_at(project, dt.datetime(2024, 3, 10, 0, 0, tzinfo=tz), minutes=1)
    last = entry_at(project, dt.datetime(2024, 3, 10, 23, 59, tzinfo=tz), minutes=1)
    entry_at(project, dt.datetime(2024, 3, 11, 0, 0, tzinfo=tz), minutes=1)
    day = dt.date(2024, 3, 10)
    assert set(TimeEntry.objects.started_between(day, day)) == {first, last}


def test_started_between_with_reversed_range_is_empty(acme):
    project = ProjectFactory(client=acme)
    entry_at(project, T0)
    qs = TimeEntry.objects.started_between(dt.date(2024, 3, 5), dt.date(2024, 3, 3))
    assert not qs.exists()


# --- duration ---------------------------------------------------------------------------------


def test_duration_is_computed_on_save_in_whole_seconds(acme, staff_user):
    entry = TimeEntry.objects.create(
        user=staff_user,
        project=ProjectFactory(client=acme),
        start_time=T0,
        end_time=T0 + dt.timedelta(hours=1, minutes=2, seconds=3, microseconds=999_999),
    )
    entry.refresh_from_db()
    assert entry.duration_seconds == 3723
    assert entry.hours == Decimal("1.03")


def test_duration_ignores_a_wrong_value_passed_in(acme, staff_user):
    entry = TimeEntry.objects.create(
        user=staff_user,
        project=ProjectFactory(client=acme),
        start_time=T0,
        end_time=T0 + dt.timedelta(minutes=90),
        duration_seconds=1,
    )
    entry.refresh_from_db()
    assert entry.duration_seconds == 5400


def test_duration_is_null_while_running_and_set_when_stopped(acme, staff_user):
    entry = TimeEntry.objects.create(
        user=staff_user, project=ProjectFactory(client=acme), start_time=T0
    )
    assert entry.duration_seconds is None
    assert entry.hours == Decimal("0.00")
    entry.end_time = T0 + dt.timedelta(minutes=45)
    entry.save()
    entry.refresh_from_db()
    assert entry.duration_seconds == 45 * 60


def test_duration_follows_an_edited_start(acme):
    entry = entry_at(ProjectFactory(client=acme), T0, minutes=60)
    entry.start_time = T0 + dt.timedelta(minutes=30)
    entry.save()
    entry.refresh_from_db()
    assert entry.duration_seconds == 30 * 60


def test_zero_length_entry_is_allowed(acme):
    entry = entry_at(ProjectFactory(client=acme), T0, minutes=0)
    entry.refresh_from_db()
    assert entry.duration_seconds == 0


def test_clean_rejects_end_before_start(acme, staff_user):
    entry = TimeEntry(
        user=staff_user,
        project=ProjectFactory(client=acme),
        start_time=T0,
        end_time=T0 - dt.timedelta(seconds=1),
    )
    with pytest.raises(ValidationError) as exc:
        entry.clean()
    assert "end_time" in exc.value.message_dict


def test_full_clean_sets_duration_for_a_valid_entry(acme, staff_user):
    entry = TimeEntry(
        user=staff_user,
        project=ProjectFactory(client=acme),
        start_time=T0,
        end_time=T0 + dt.timedelta(minutes=10),
    )
    entry.full_clean()
    assert entry.duration_seconds == 600


# --- database constraints ---------------------------------------------------------------------


def test_second_running_entry_for_the_same_user_is_rejected(acme, staff_user):
    project = ProjectFactory(client=acme)
    entry_at(project, T0, minutes=None, user=staff_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        entry_at(project, T0 + dt.timedelta(hours=1), minutes=None, user=staff_user)


def test_running_entries_of_different_users_are_fine(acme, staff_user, subcontractor):
    project = ProjectFactory(client=acme)
    entry_at(project, T0, minutes=None, user=staff_user)
    entry_at(project, T0, minutes=None, user=subcontractor)
    assert TimeEntry.objects.running().count() == 2


def test_many_finished_entries_and_one_running_for_a_user_are_fine(acme, staff_user):
    project = ProjectFactory(client=acme)
    for i in range(3):
        entry_at(project, T0 + dt.timedelta(hours=i), user=staff_user)
    entry_at(project, T0 + dt.timedelta(hours=5), minutes=None, user=staff_user)
    assert TimeEntry.objects.filter(user=staff_user).count() == 4


def test_full_clean_reports_a_second_running_entry(acme, staff_user):
    project = ProjectFactory(client=acme)
    entry_at(project, T0, minutes=None, user=staff_user)
    second = TimeEntry(user=staff_user, project=project, start_time=T0 + dt.timedelta(hours=1))
    with pytest.raises(ValidationError) as exc:
        second.full_clean()
    assert "This user already has a running timer." in str(exc.value)


def test_end_before_start_is_rejected_by_the_database(acme, staff_user):
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.bulk_create(
            [
                TimeEntry(
                    user=staff_user,
                    project=ProjectFactory(client=acme),
                    start_time=T0,
                    end_time=T0 - dt.timedelta(minutes=1),
                    duration_seconds=0,
                )
            ]
        )


def test_finished_entry_without_duration_is_rejected_by_the_database(acme):
    entry = entry_at(ProjectFactory(client=acme), T0)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.filter(pk=entry.pk).update(duration_seconds=None)


def test_running_entry_with_duration_is_rejected_by_the_database(acme):
    entry = entry_at(ProjectFactory(client=acme), T0, minutes=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.filter(pk=entry.pk).update(duration_seconds=60)


def test_deleting_a_user_with_time_entries_is_protected(acme, staff_user):
    entry_at(ProjectFactory(client=acme), T0, user=staff_user)
    with pytest.raises(ProtectedError):
        staff_user.delete()


def test_deleting_a_project_with_time_entries_is_protected(acme):
    project = ProjectFactory(client=acme)
    entry_at(project, T0)
    with pytest.raises(ProtectedError):
        project.delete()
