"""clients.Client and clients.Project: scoping QuerySets, constraints and deletion rules."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from accounts.models import UserClient
from clients.models import Client, Project
from tests.factories import (
    ClientFactory,
    InvoiceFactory,
    ProjectFactory,
    SubcontractorFactory,
    TimeEntryFactory,
    UserClientFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def initech(db):
    return ClientFactory(name="Initech")


# --- Client.objects.visible_to ----------------------------------------------------------------


def test_admin_sees_every_client(admin_user, acme, globex, initech):
    assert set(Client.objects.visible_to(admin_user)) == {acme, globex, initech}


def test_staff_sees_every_client(staff_user, acme, globex, initech):
    assert set(Client.objects.visible_to(staff_user)) == {acme, globex, initech}


def test_subcontractor_sees_only_assigned_clients(subcontractor, acme, globex, initech):
    assert list(Client.objects.visible_to(subcontractor)) == [acme]


def test_subcontractor_with_several_assignments(subcontractor, acme, globex, initech):
    UserClientFactory(user=subcontractor, client=initech)
    assert set(Client.objects.visible_to(subcontractor)) == {acme, initech}


def test_subcontractor_without_assignments_sees_no_client(acme, globex):
    assert not Client.objects.visible_to(SubcontractorFactory()).exists()


def test_client_user_sees_only_their_client(acme_user, globex_user, acme, globex, initech):
    assert list(Client.objects.visible_to(acme_user)) == [acme]
    assert list(Client.objects.visible_to(globex_user)) == [globex]


def test_plain_user_sees_no_client(acme, globex):
    assert not Client.objects.visible_to(UserFactory()).exists()


def test_portal_enabled_user_without_client_sees_no_client(acme):
    user = UserFactory(client_portal_enabled=True, client=None)
    assert not Client.objects.visible_to(user).exists()


def test_anonymous_and_none_see_no_client(acme):
    assert not Client.objects.visible_to(AnonymousUser()).exists()
    assert not Client.objects.visible_to(None).exists()


def test_inactive_users_see_no_client(acme, admin_user, subcontractor, acme_user):
    for user in (admin_user, subcontractor, acme_user):
        user.is_active = False
        user.save()
        assert not Client.objects.visible_to(user).exists()


def test_visible_to_is_chainable_and_includes_inactive_clients(subcontractor, acme, globex):
    acme.is_active = False
    acme.save()
    assert list(Client.objects.visible_to(subcontractor)) == [acme]
    assert not Client.objects.visible_to(subcontractor).active().exists()
    assert list(Client.objects.active().visible_to(subcontractor)) == []


def test_subcontractor_visible_to_costs_two_queries(
    subcontractor, acme, globex, django_assert_num_queries
):
    # 1: the subcontractor's assigned client ids, 2: the clients.
    with django_assert_num_queries(2):
        list(Client.objects.visible_to(subcontractor))


def test_no_query_for_users_who_see_nothing(acme, django_assert_num_queries):
    user = UserFactory()
    with django_assert_num_queries(0):
        assert list(Client.objects.visible_to(user)) == []
        assert list(Client.objects.visible_to(AnonymousUser())) == []


# --- Client.objects.for_client / active -------------------------------------------------------


def test_client_for_client_accepts_instance_or_id(acme, globex):
    assert list(Client.objects.for_client(acme)) == [acme]
    assert list(Client.objects.for_client(acme.pk)) == [acme]


def test_active_clients_exclude_archived(acme, globex):
    globex.is_active = False
    globex.save()
    assert list(Client.objects.active()) == [acme]


# --- Client fields and constraints ------------------------------------------------------------


def test_client_defaults(settings):
    settings.DEFAULT_CURRENCY = "CHF"
    client_ = Client.objects.create(name="Umbrella")
    assert client_.currency_code == "CHF"
    assert client_.is_active
    assert client_.default_hourly_rate is None
    assert client_.created_at and client_.updated_at
    assert str(client_) == "Umbrella"


def test_client_name_is_unique_case_insensitively(acme):
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.create(name="ACME corp")


def test_client_name_uniqueness_reported_by_full_clean(acme):
    with pytest.raises(ValidationError) as exc:
        Client(name="acme CORP", currency_code="EUR").full_clean()
    assert "A client with this name already exists." in str(exc.value)


def test_client_negative_default_rate_is_rejected_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.create(name="Neg", default_hourly_rate=Decimal("-1"))


def test_client_currency_must_be_three_uppercase_letters():
    with pytest.raises(ValidationError) as exc:
        Client(name="Cur", currency_code="eu").full_clean()
    assert "currency_code" in exc.value.message_dict


def test_clients_are_ordered_by_name(db):
    ClientFactory(name="Zeta")
    ClientFactory(name="Alpha")
    assert [c.name for c in Client.objects.all()] == ["Alpha", "Zeta"]


# --- Client deletion --------------------------------------------------------------------------


def test_deleting_a_client_with_projects_is_protected(acme):
    ProjectFactory(client=acme)
    with pytest.raises(ProtectedError):
        acme.delete()


def test_deleting_a_client_with_invoices_is_protected(acme):
    InvoiceFactory(client=acme)
    with pytest.raises(ProtectedError):
        acme.delete()


def test_deleting_a_client_without_billing_data_unlinks_portal_users_and_assignments(
    acme, acme_user, subcontractor
):
    acme.delete()
    acme_user.refresh_from_db()
    assert acme_user.client is None
    assert not UserClient.objects.filter(user=subcontractor).exists()
    assert subcontractor.get_allowed_client_ids() == set()


# --- Project.objects --------------------------------------------------------------------------


@pytest.fixture
def projects(acme, globex):
    return {
        "acme_active": ProjectFactory(client=acme, name="A active"),
        "acme_inactive": ProjectFactory(
            client=acme, name="A inactive", status=Project.Status.INACTIVE
        ),
        "acme_archived": ProjectFactory(
            client=acme, name="A archived", status=Project.Status.ARCHIVED
        ),
        "globex_active": ProjectFactory(client=globex, name="G active"),
    }


def test_admin_and_staff_see_every_project(admin_user, staff_user, projects):
    assert set(Project.objects.visible_to(admin_user)) == set(projects.values())
    assert set(Project.objects.visible_to(staff_user)) == set(projects.values())


def test_subcontractor_sees_every_project_of_assigned_clients(subcontractor, projects):
    assert set(Project.objects.visible_to(subcontractor)) == {
        projects["acme_active"],
        projects["acme_inactive"],
        projects["acme_archived"],
    }


def test_client_user_sees_only_their_clients_projects(acme_user, globex_user, projects):
    assert projects["globex_active"] not in Project.objects.visible_to(acme_user)
    assert list(Project.objects.visible_to(globex_user)) == [projects["globex_active"]]


def test_users_without_scope_see_no_project(projects):
    assert not Project.objects.visible_to(UserFactory()).exists()
    assert not Project.objects.visible_to(SubcontractorFactory()).exists()
    assert not Project.objects.visible_to(AnonymousUser()).exists()


def test_inactive_user_sees_no_project(acme_user, projects):
    acme_user.is_active = False
    acme_user.save()
    assert not Project.objects.visible_to(acme_user).exists()


def test_project_for_client(acme, projects):
    assert set(Project.objects.for_client(acme)) == {
        projects["acme_active"],
        projects["acme_inactive"],
        projects["acme_archived"],
    }
    assert list(Project.objects.for_client(projects["globex_active"].client_id)) == [
        projects["globex_active"]
    ]


def test_active_projects_are_status_active_only(projects):
    assert set(Project.objects.active()) == {projects["acme_active"], projects["globex_active"]}


def test_project_scopes_chain(acme_user, projects):
    assert list(Project.objects.visible_to(acme_user).active()) == [projects["acme_active"]]


# --- Project fields and constraints -----------------------------------------------------------


def test_project_defaults(acme):
    project = Project.objects.create(client=acme, name="New")
    assert project.status == Project.Status.ACTIVE
    assert project.is_active
    assert project.billable
    assert project.hourly_rate is None and project.budget_hours is None
    assert str(project) == "New"


def test_project_rate_falls_back_to_the_clients(acme):
    acme.default_hourly_rate = Decimal("90.00")
    acme.save()
    assert ProjectFactory(client=acme, hourly_rate=None).effective_hourly_rate == Decimal("90.00")
    assert ProjectFactory(client=acme, hourly_rate=Decimal("120")).effective_hourly_rate == 120
    acme.default_hourly_rate = None
    assert ProjectFactory(client=acme, hourly_rate=None).effective_hourly_rate is None


def test_project_name_is_unique_per_client(acme):
    ProjectFactory(client=acme, name="Website")
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.create(client=acme, name="Website")


def test_same_project_name_is_fine_for_another_client(acme, globex):
    ProjectFactory(client=acme, name="Website")
    Project.objects.create(client=globex, name="Website")
    assert Project.objects.filter(name="Website").count() == 2


def test_project_name_uniqueness_reported_by_full_clean(acme):
    ProjectFactory(client=acme, name="Website")
    with pytest.raises(ValidationError) as exc:
        Project(client=acme, name="Website").full_clean()
    assert "This client already has a project with this name." in str(exc.value)


def test_project_negative_rate_is_rejected_by_the_database(acme):
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.create(client=acme, name="Neg", hourly_rate=Decimal("-0.01"))


def test_deleting_a_project_with_time_entries_is_protected(acme):
    project = ProjectFactory(client=acme)
    TimeEntryFactory(project=project)
    with pytest.raises(ProtectedError):
        project.delete()


def test_deleting_a_project_with_invoices_is_protected(acme):
    project = ProjectFactory(client=acme)
    InvoiceFactory(client=acme, project=project)
    with pytest.raises(ProtectedError):
        project.delete()


def test_deleting_an_unused_project_works(acme):
    project = ProjectFactory(client=acme)
    project.delete()
    assert not Project.objects.exists()


def test_visibility_follows_the_clients_toggles():
    client = ClientFactory(portal_show_notes=False, portal_show_team_names=False)
    user = UserFactory(first_name="Ada", last_name="Lovelace")

    visibility = client.visibility

    assert visibility.show_budget is False
    assert visibility.notes("secret plan") == ""
    assert visibility.person(user) == "Team member"


def test_visibility_defaults_show_notes_and_names_but_not_budgets():
    client = ClientFactory()
    user = UserFactory(first_name="Ada", last_name="Lovelace")

    assert client.visibility.notes("plan") == "plan"
    assert client.visibility.person(user) == "Ada Lovelace"
    assert client.visibility.show_budget is False
