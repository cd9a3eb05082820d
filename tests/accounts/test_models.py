"""accounts.User: roles, scope helpers, portal data, and the user-client assignment table."""

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet

from accounts.models import User, UserClient, UserManager
from clients.models import Client, Project
from invoicing.models import Invoice
from tests.factories import (
    AdminUserFactory,
    ClientFactory,
    ClientUserFactory,
    InvoiceFactory,
    ProjectFactory,
    StaffUserFactory,
    SubcontractorFactory,
    TimeEntryFactory,
    UserClientFactory,
    UserFactory,
)
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db


# --- is_client_portal_user / is_scope_restricted ---------------------------------------------


def test_portal_user_needs_both_the_flag_and_a_client(acme):
    assert ClientUserFactory(client=acme).is_client_portal_user
    assert not UserFactory(client_portal_enabled=True, client=None).is_client_portal_user
    assert not UserFactory(client_portal_enabled=False, client=acme).is_client_portal_user
    assert not UserFactory().is_client_portal_user


def test_only_non_superuser_subcontractors_are_scope_restricted():
    assert SubcontractorFactory().is_scope_restricted
    assert SubcontractorFactory(is_staff=False).is_scope_restricted
    assert not SubcontractorFactory(is_superuser=True).is_scope_restricted
    assert not StaffUserFactory().is_scope_restricted
    assert not AdminUserFactory().is_scope_restricted
    assert not UserFactory().is_scope_restricted


def test_display_name_falls_back_to_username():
    assert UserFactory(first_name="Ada", last_name="Lovelace").display_name == "Ada Lovelace"
    assert UserFactory(username="ghost", first_name="", last_name="").display_name == "ghost"


# --- get_allowed_client_ids -------------------------------------------------------------------


def test_superuser_is_unrestricted(admin_user, acme):
    assert admin_user.get_allowed_client_ids() is None


def test_superuser_with_role_subcontractor_is_unrestricted(acme, globex):
    user = SubcontractorFactory(is_superuser=True)
    UserClientFactory(user=user, client=acme)
    assert user.get_allowed_client_ids() is None


def test_staff_user_is_unrestricted(staff_user):
    assert staff_user.get_allowed_client_ids() is None


def test_subcontractor_gets_exactly_the_assigned_clients(subcontractor, acme, globex):
    ClientFactory()
    assert subcontractor.get_allowed_client_ids() == {acme.pk}

    UserClientFactory(user=subcontractor, client=globex)
    assert subcontractor.get_allowed_client_ids() == {acme.pk, globex.pk}


def test_subcontractor_without_assignments_sees_nothing(acme):
    user = SubcontractorFactory()
    assert user.get_allowed_client_ids() == set()


def test_staff_subcontractor_is_still_restricted_to_assignments(acme, globex):
    user = SubcontractorFactory(is_staff=True)
    UserClientFactory(user=user, client=globex)
    assert user.get_allowed_client_ids() == {globex.pk}


def test_non_staff_subcontractor_is_restricted_to_assignments(acme):
    user = SubcontractorFactory(is_staff=False)
    UserClientFactory(user=user, client=acme)
    assert user.get_allowed_client_ids() == {acme.pk}


def test_subcontractor_portal_client_does_not_widen_scope(acme, globex):
    user = SubcontractorFactory(client_portal_enabled=True, client=globex)
    UserClientFactory(user=user, client=acme)
    assert user.get_allowed_client_ids() == {acme.pk}


def test_client_portal_user_sees_only_their_client(acme_user, acme, globex):
    assert acme_user.get_allowed_client_ids() == {acme.pk}


def test_portal_enabled_user_without_client_sees_nothing(acme):
    user = UserFactory(client_portal_enabled=True, client=None)
    assert user.get_allowed_client_ids() == set()


def test_portal_disabled_user_with_client_sees_nothing(acme):
    user = UserFactory(client_portal_enabled=False, client=acme)
    assert user.get_allowed_client_ids() == set()


def test_plain_user_sees_nothing(acme):
    assert UserFactory().get_allowed_client_ids() == set()


def test_plain_user_assignments_are_ignored_unless_subcontractor(acme):
    # Assignments only mean something for subcontractors; a plain user stays restricted.
    user = UserFactory()
    UserClientFactory(user=user, client=acme)
    assert user.get_allowed_client_ids() == set()


def test_allowed_client_ids_for_subcontractor_cost_one_query(
    subcontractor, django_assert_num_queries
):
    with django_assert_num_queries(1):
        subcontractor.get_allowed_client_ids()


def test_allowed_client_ids_for_unrestricted_and_portal_users_cost_no_query(
    admin_user, staff_user, acme_user, django_assert_num_queries
):
    with django_assert_num_queries(0):
        admin_user.get_allowed_client_ids()
        staff_user.get_allowed_client_ids()
        acme_user.get_allowed_client_ids()


# --- get_allowed_project_ids ------------------------------------------------------------------


def test_allowed_project_ids_include_every_status_of_allowed_clients(subcontractor, acme, globex):
    active = ProjectFactory(client=acme, status=Project.Status.ACTIVE)
    inactive = ProjectFactory(client=acme, status=Project.Status.INACTIVE)
    archived = ProjectFactory(client=acme, status=Project.Status.ARCHIVED)
    ProjectFactory(client=globex)
    assert subcontractor.get_allowed_project_ids() == {active.pk, inactive.pk, archived.pk}


def test_allowed_project_ids_for_portal_user(acme_user, acme, globex):
    mine = ProjectFactory(client=acme, status=Project.Status.ARCHIVED)
    ProjectFactory(client=globex)
    assert acme_user.get_allowed_project_ids() == {mine.pk}


def test_allowed_project_ids_unrestricted_is_none(admin_user, staff_user, acme):
    ProjectFactory(client=acme)
    assert admin_user.get_allowed_project_ids() is None
    assert staff_user.get_allowed_project_ids() is None


def test_allowed_project_ids_empty_without_scope(acme, django_assert_num_queries):
    ProjectFactory(client=acme)
    user = UserFactory()
    with django_assert_num_queries(0):
        assert user.get_allowed_project_ids() == set()
    assert SubcontractorFactory().get_allowed_project_ids() == set()


# --- get_client_portal_data -------------------------------------------------------------------


def test_portal_data_is_none_without_portal_access(acme, staff_user, admin_user):
    assert UserFactory().get_client_portal_data() is None
    assert UserFactory(client_portal_enabled=True, client=None).get_client_portal_data() is None
    assert UserFactory(client_portal_enabled=False, client=acme).get_client_portal_data() is None
    assert staff_user.get_client_portal_data() is None
    assert admin_user.get_client_portal_data() is None


def test_portal_data_has_exactly_the_documented_keys(acme_user, acme):
    data = acme_user.get_client_portal_data()
    assert set(data) == {"client", "projects", "invoices", "time_entries"}
    assert data["client"] == acme


def test_portal_data_values_are_lazy_unsliced_querysets(acme_user, django_assert_num_queries):
    with django_assert_num_queries(0):
        data = acme_user.get_client_portal_data()
    for key in ("projects", "invoices", "time_entries"):
        qs = data[key]
        assert isinstance(qs, QuerySet)
        assert qs._result_cache is None
        assert not qs.query.is_sliced


def test_portal_data_querysets_cost_one_query_each(acme_user, acme, django_assert_num_queries):
    project = ProjectFactory(client=acme)
    TimeEntryFactory.create_batch(3, project=project)
    InvoiceFactory.create_batch(3, client=acme)
    data = acme_user.get_client_portal_data()
    for key in ("projects", "invoices", "time_entries"):
        with django_assert_num_queries(1):
            list(data[key])


def test_portal_data_projects_are_the_clients_active_projects(acme_user, acme, globex):
    active = ProjectFactory(client=acme, status=Project.Status.ACTIVE)
    ProjectFactory(client=acme, status=Project.Status.INACTIVE)
    ProjectFactory(client=acme, status=Project.Status.ARCHIVED)
    ProjectFactory(client=globex, status=Project.Status.ACTIVE)
    assert list(acme_user.get_client_portal_data()["projects"]) == [active]


def test_portal_data_invoices_are_sent_paid_or_cancelled_never_drafts(acme_user, acme, globex):
    sent = InvoiceFactory(client=acme, status=Invoice.Status.SENT)
    paid = InvoiceFactory(client=acme, status=Invoice.Status.PAID, amount_paid=1000)
    cancelled = InvoiceFactory(client=acme, status=Invoice.Status.CANCELLED)
    InvoiceFactory(client=acme, status=Invoice.Status.DRAFT)
    InvoiceFactory(client=globex, status=Invoice.Status.SENT)
    invoices = acme_user.get_client_portal_data()["invoices"]
    assert set(invoices) == {sent, paid, cancelled}


def test_portal_data_time_entries_are_finished_entries_of_any_client_project(
    acme_user, acme, globex
):
    archived = ProjectFactory(client=acme, status=Project.Status.ARCHIVED)
    active = ProjectFactory(client=acme)
    finished = [TimeEntryFactory(project=active) for _ in range(3)]
    finished.append(TimeEntryFactory(project=archived))
    TimeEntryFactory(project=active, end_time=None)
    TimeEntryFactory(project=ProjectFactory(client=globex))
    entries = acme_user.get_client_portal_data()["time_entries"]
    assert set(entries) == set(finished)


def test_portal_data_is_not_truncated(acme_user, acme):
    project = ProjectFactory(client=acme)
    base = dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC)
    TimeEntry.objects.bulk_create(
        TimeEntry(
            user=acme_user,
            project=project,
            start_time=base + dt.timedelta(hours=i),
            end_time=base + dt.timedelta(hours=i, minutes=30),
            duration_seconds=1800,
        )
        for i in range(120)
    )
    assert acme_user.get_client_portal_data()["time_entries"].count() == 120


# --- creating users ---------------------------------------------------------------------------


def test_create_superuser_gets_role_admin():
    user = User.objects.create_superuser("root", "root@example.com", "pw-long-enough-123")
    assert user.role == User.Role.ADMIN
    assert user.is_superuser and user.is_staff


def test_createsuperuser_command_gives_role_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "pw-long-enough-123")
    call_command("createsuperuser", interactive=False, username="boss", email="b@example.com")
    user = User.objects.get(username="boss")
    assert user.role == User.Role.ADMIN
    assert user.is_superuser and user.is_staff


def test_create_user_with_role_admin_gives_a_superuser():
    user = User.objects.create_user("chief", "c@example.com", "pw", role=User.Role.ADMIN)
    user.refresh_from_db()
    assert user.is_superuser and user.is_staff
    assert user.get_allowed_client_ids() is None


def test_acreate_user_and_acreate_superuser_go_through_the_sync_methods(monkeypatch):
    # So the async paths apply the role (accounts.services.user_apply_role) too. Mocked, and
    # the event loop runs in a thread of its own, away from the browser tests' loop.
    made = []
    monkeypatch.setattr(UserManager, "create_user", lambda self, *a, **kw: made.append(a) or "u")
    monkeypatch.setattr(
        UserManager, "create_superuser", lambda self, *a, **kw: made.append(a) or "s"
    )
    with ThreadPoolExecutor(max_workers=1) as pool:
        user = pool.submit(asyncio.run, User.objects.acreate_user("a", "a@x.example", "pw"))
        root = pool.submit(asyncio.run, User.objects.acreate_superuser("r", "r@x.example", "pw"))
        assert (user.result(), root.result()) == ("u", "s")
    assert made == [("a", "a@x.example", "pw"), ("r", "r@x.example", "pw")]


def test_create_user_with_role_subcontractor_is_staff_in_the_group():
    user = User.objects.create_user("sub", "s@example.com", "pw", role=User.Role.SUBCONTRACTOR)
    user.refresh_from_db()
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Subcontractors"]


def test_create_user_defaults_to_role_user_and_no_privileges():
    user = User.objects.create_user("joe", "joe@example.com", "pw")
    assert user.role == User.Role.USER
    assert not user.is_superuser and not user.is_staff
    assert not user.client_portal_enabled and user.client is None


def test_create_user_with_superuser_flag_gets_role_admin():
    user = User.objects.create_user("x", "x@example.com", "pw", is_superuser=True, role="user")
    assert user.role == User.Role.ADMIN


def test_create_user_as_subcontractor_stays_unprivileged():
    user = User.objects.create_user("sub", "s@example.com", "pw", role=User.Role.SUBCONTRACTOR)
    assert user.role == User.Role.SUBCONTRACTOR
    assert not user.is_superuser
    assert user.is_scope_restricted


def test_portal_users_manager_method(acme):
    portal = ClientUserFactory(client=acme)
    UserFactory(client_portal_enabled=True, client=None)
    UserFactory(client_portal_enabled=False, client=acme)
    assert list(User.objects.portal_users()) == [portal]


# --- UserClient -------------------------------------------------------------------------------


def test_user_client_table_name_and_columns():
    assert UserClient._meta.db_table == "user_clients"
    with connection.cursor() as cursor:
        columns = {
            c.name for c in connection.introspection.get_table_description(cursor, "user_clients")
        }
    assert {"user_id", "client_id", "created_at"} <= columns


def test_user_client_pair_is_unique(subcontractor, acme):
    with pytest.raises(IntegrityError), transaction.atomic():
        UserClient.objects.create(user=subcontractor, client=acme)


def test_same_client_may_be_assigned_to_several_users(subcontractor, acme):
    other = SubcontractorFactory()
    UserClient.objects.create(user=other, client=acme)
    assert set(acme.assigned_users.all()) == {subcontractor, other}


def test_assigned_clients_m2m_goes_through_user_clients(subcontractor, acme, globex):
    subcontractor.assigned_clients.add(globex)
    assert set(subcontractor.assigned_clients.all()) == {acme, globex}
    assert UserClient.objects.filter(user=subcontractor).count() == 2
    assert all(uc.created_at is not None for uc in UserClient.objects.all())


def test_deleting_a_user_removes_their_assignments(acme):
    user = SubcontractorFactory()
    UserClientFactory(user=user, client=acme)
    user.delete()
    assert not UserClient.objects.exists()
    assert Client.objects.filter(pk=acme.pk).exists()


def test_deleting_a_client_without_billing_data_unlinks_its_portal_users(acme, acme_user):
    acme.delete()
    acme_user.refresh_from_db()
    assert acme_user.client is None
    assert acme_user.client_portal_enabled  # the flag stays; access is gone without a client
    assert not acme_user.is_client_portal_user
    assert acme_user.get_allowed_client_ids() == set()


def test_subcontractor_has_default_permissions_by_role_without_the_group(acme):
    from tests.factories import SubcontractorFactory

    user = SubcontractorFactory()
    assert not user.groups.exists()
    assert user.has_perm("tracking.add_timeentry")
    assert user.has_perm("clients.view_client")
    assert not user.has_perm("clients.change_client")


def test_staff_user_does_not_get_subcontractor_permissions(staff_user):
    assert not staff_user.has_perm("tracking.add_timeentry")


def test_create_user_with_subcontractor_role_is_staff(db):
    from accounts.models import User

    user = User.objects.create_user("sub", password="x", role=User.Role.SUBCONTRACTOR)
    assert user.is_staff
    assert not user.is_superuser


def test_test_client_login_without_a_request_still_works(client, acme_user, password):
    # authenticate() without a request (scripts, the test client) skips the lockout check.
    assert client.login(username="acme_user", password=password)
    assert client.get("/client-portal/").status_code == 200
    assert not client.login(username="acme_user", password="wrong")


def test_group_permissions_of_every_kind_of_user(acme):
    """Own groups, the Subcontractors group by role, its defaults once it is deleted — and
    the query does not join every member of the group (accounts.backends.ModelBackend)."""
    from django.contrib.auth.models import Group, Permission
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.backends import SUBCONTRACTOR_GROUP
    from tests.factories import StaffUserFactory, SubcontractorFactory

    editors = Group.objects.create(name="Editors")
    editors.permissions.add(Permission.objects.get(codename="change_client"))
    staff = StaffUserFactory()
    staff.groups.add(editors)
    subcontractor = SubcontractorFactory()
    subcontractor.groups.add(editors)
    others = [SubcontractorFactory() for _ in range(3)]
    Group.objects.get(name=SUBCONTRACTOR_GROUP).user_set.add(*others)

    assert staff.get_all_permissions() == {"clients.change_client"}
    subcontractor_perms = subcontractor.get_all_permissions()
    assert {"clients.change_client", "tracking.add_timeentry"} <= subcontractor_perms
    assert "invoicing.add_invoice" not in subcontractor_perms
    with CaptureQueriesContext(connection) as queries:
        type(others[0]).objects.get(pk=others[0].pk).get_all_permissions()
    # Memberships are looked up by the user's id, never outer-joined to every permission.
    assert not any('LEFT OUTER JOIN "accounts_user_groups"' in q["sql"] for q in queries)

    Group.objects.filter(name=SUBCONTRACTOR_GROUP).delete()
    fresh = type(subcontractor).objects.get(pk=subcontractor.pk)
    assert {"clients.change_client", "tracking.add_timeentry"} <= fresh.get_all_permissions()
