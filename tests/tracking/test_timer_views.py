"""The timer in the admin (§4.3): a page, start/stop buttons and the header badge."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from clients.models import Project
from tests.factories import ProjectFactory, TimeEntryFactory
from tracking.context_processors import running_timer
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db

START = reverse("timer:start")
STOP = reverse("timer:stop")
PAGE = reverse("timer:page")


@pytest.fixture
def acme_project(acme):
    return ProjectFactory(client=acme, name="Acme Website")


@pytest.fixture
def globex_project(globex):
    return ProjectFactory(client=globex, name="Zorblax Rollout")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def _messages(response):
    return " ".join(str(m) for m in response.context["messages"])


def test_page_offers_active_projects_in_scope(client, subcontractor, acme_project, globex_project):
    ProjectFactory(client=acme_project.client, name="Old", status=Project.Status.ARCHIVED)
    client.force_login(subcontractor)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert list(response.context["form"].fields["project"].queryset) == [acme_project]
    assert "Zorblax" not in response.content.decode()


def test_start_creates_a_running_timer_entry(staff_client, staff_user, acme_project):
    response = staff_client.post(START, {"project": acme_project.pk, "notes": "standup"})
    assert response.status_code == 302
    entry = TimeEntry.objects.get(user=staff_user)
    assert entry.is_running
    assert entry.source == TimeEntry.Source.TIMER
    assert entry.notes == "standup"


def test_running_timer_shows_in_the_admin_header_with_stop_button(
    staff_client, staff_user, acme_project
):
    staff_client.post(START, {"project": acme_project.pk})
    body = staff_client.get(reverse("admin:index")).content.decode()
    assert 'class="timer-header__elapsed"' in body
    assert "Acme Website" in body
    assert f'action="{STOP}"' in body
    assert "0:00" in body


def test_second_start_is_refused_with_a_message(staff_client, staff_user, acme_project):
    staff_client.post(START, {"project": acme_project.pk})
    response = staff_client.post(START, {"project": acme_project.pk}, follow=True)
    assert response.status_code == 200
    assert "already have a running timer" in _messages(response)
    assert TimeEntry.objects.filter(user=staff_user).count() == 1


def test_stop_finishes_the_entry(staff_client, staff_user, acme_project):
    staff_client.post(START, {"project": acme_project.pk})
    response = staff_client.post(STOP, follow=True)
    assert "Timer stopped" in _messages(response)
    entry = TimeEntry.objects.get(user=staff_user)
    assert not entry.is_running
    assert entry.duration_seconds is not None


def test_stop_without_timer_says_so(staff_client):
    response = staff_client.post(STOP, follow=True)
    assert "no running timer" in _messages(response)


def test_stop_returns_to_the_page_it_was_pressed_on(staff_client, acme_project):
    staff_client.post(START, {"project": acme_project.pk})
    back = reverse("admin:index")
    assert staff_client.post(STOP, {"next": back}).url == back


def test_stop_ignores_an_external_next(staff_client, acme_project):
    staff_client.post(START, {"project": acme_project.pk})
    assert staff_client.post(STOP, {"next": "https://evil.example/"}).url == PAGE


def test_out_of_scope_project_is_forbidden_and_creates_nothing(
    client, subcontractor, globex_project
):
    client.force_login(subcontractor)
    response = client.post(START, {"project": globex_project.pk})
    assert response.status_code == 403
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize("value", ["", "abc", "999999", "-1", "1" * 30])
def test_bad_project_is_a_form_error(staff_client, value):
    response = staff_client.post(START, {"project": value})
    assert response.status_code == 400
    assert response.context["form"].errors["project"]
    assert not TimeEntry.objects.exists()


def test_archived_project_is_a_form_error(staff_client, acme):
    archived = ProjectFactory(client=acme, status=Project.Status.ARCHIVED)
    response = staff_client.post(START, {"project": archived.pk})
    assert response.status_code == 400
    assert not TimeEntry.objects.exists()


def test_start_and_stop_are_post_only(staff_client):
    assert staff_client.get(START).status_code == 405
    assert staff_client.get(STOP).status_code == 405


@pytest.mark.parametrize("persona", ["acme_user", None])
def test_non_staff_are_sent_to_the_admin_login(client, request, persona):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    for url in (PAGE, START, STOP):
        response = client.post(url) if url != PAGE else client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_header_context_costs_one_query_for_staff(
    staff_user, acme_project, django_assert_num_queries
):
    TimeEntryFactory(user=staff_user, project=acme_project, end_time=None)
    request = RequestFactory().get("/admin/")
    request.user = staff_user
    context = running_timer(request)
    with django_assert_num_queries(1):
        assert context["running_timer"].entry.project.client.name == "Acme Corp"
        assert context["running_timer"].elapsed.count(":") == 1


def test_header_context_costs_two_queries_for_subcontractors(
    subcontractor, acme_project, django_assert_num_queries
):
    TimeEntryFactory(user=subcontractor, project=acme_project, end_time=None)
    request = RequestFactory().get("/admin/")
    request.user = subcontractor
    context = running_timer(request)
    # 1. their assigned clients (visible_to); 2. the running entry with its scope flag.
    with django_assert_num_queries(2):
        assert context["running_timer"].in_scope
        assert context["running_timer"].entry.project.client.name == "Acme Corp"


def test_header_context_costs_nothing_for_portal_users(acme_user, django_assert_num_queries):
    request = RequestFactory().get("/client-portal/")
    request.user = acme_user
    with django_assert_num_queries(0):
        assert not running_timer(request)["running_timer"]
