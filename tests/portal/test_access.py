"""Who gets into the portal (§3.1), in order, and read-only access (§3.7)."""

from urllib.parse import quote

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["dashboard", "projects", "invoices", "invoice_detail", "time_entries"]


@pytest.fixture(params=PAGES)
def page_url(request, acme_invoice):
    name = request.param
    kwargs = {"pk": acme_invoice.pk} if name == "invoice_detail" else {}
    return reverse(f"portal:{name}", kwargs=kwargs)


def test_anonymous_is_sent_to_login_with_next(client, page_url):
    response = client.get(page_url + "?status=all")
    assert response.status_code == 302
    assert response.url == f"{settings.LOGIN_URL}?next={quote(page_url + '?status=all')}"


def test_inactive_user_is_treated_as_logged_out(portal, acme_user, page_url):
    client = portal(acme_user)
    acme_user.is_active = False
    acme_user.save()
    response = client.get(page_url)
    assert response.status_code == 302
    assert response.url.startswith(settings.LOGIN_URL)


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda acme: UserFactory(client=acme), id="portal-disabled"),
        pytest.param(lambda acme: UserFactory(client_portal_enabled=True), id="no-client"),
        pytest.param(lambda acme: StaffUserFactory(), id="staff"),
    ],
)
def test_user_without_portal_access_gets_403_saying_whom_to_ask(
    portal, acme, page_url, make_user, settings
):
    settings.SUPPORT_EMAIL = "help@timetracker.example"
    response = portal(make_user(acme)).get(page_url)
    assert response.status_code == 403
    assert b"has no portal access" in response.content
    assert b"help@timetracker.example" in response.content
    assert b"Acme" not in response.content


def test_user_of_inactive_client_gets_403_saying_so(acme_client, acme, page_url):
    acme.is_active = False
    acme.save()
    response = acme_client.get(page_url)
    assert response.status_code == 403
    assert b"client account is inactive" in response.content
    assert b"ACME-0001" not in response.content


def test_the_403_pages_say_who_is_logged_in_and_let_them_log_out(portal, acme, acme_user):
    # Rendered with the request: the account bar, its CSRF token and the user's own links.
    staff_page = portal(StaffUserFactory()).get("/client-portal/")
    acme.is_active = False
    acme.save()
    inactive_page = portal(acme_user).get("/client-portal/")
    for response in (staff_page, inactive_page):
        content = response.content.decode()
        assert response.status_code == 403
        assert "Logged in as" in content
        assert 'name="csrfmiddlewaretoken"' in content
    assert 'href="/admin/">Go to the back office</a>' in staff_page.content.decode()
    assert "The client account of Acme Corp is currently inactive" in (
        inactive_page.content.decode()
    )


def test_a_client_requiring_2fa_sends_an_unenrolled_user_to_the_security_page(
    acme_client, acme, page_url
):
    # The full 2FA flow is in tests/accounts/test_two_factor.py, outside the mutmut selection.
    acme.require_2fa = True
    acme.save()
    response = acme_client.get(page_url)
    assert response.status_code == 302
    assert response["Location"] == "/client-portal/settings/security/"


def test_owner_sees_the_page(acme_client, page_url):
    response = acme_client.get(page_url)
    assert response.status_code == 200
    assert b"Acme Corp" in response.content


def test_head_is_allowed(acme_client, page_url):
    assert acme_client.head(page_url).status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_writes_are_not_allowed(acme_client, page_url, method):
    response = getattr(acme_client, method)(page_url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert b"read-only" in response.content


def test_anonymous_post_is_sent_to_login_first(client, page_url):
    # §3.1 answers "not logged in" before anything else, whatever the method.
    assert client.post(page_url).status_code == 302


def test_current_page_is_marked_in_navigation(acme_client):
    response = acme_client.get(reverse("portal:projects"))
    assert b'href="/client-portal/projects/" aria-current="page"' in response.content
    assert response.content.count(b'aria-current="page"') == 1


def test_dashboard_answers_on_both_urls(acme_client):
    assert reverse("portal:dashboard") == "/client-portal/"
    assert acme_client.get("/client-portal/").status_code == 200
    assert acme_client.get("/client-portal/dashboard/").status_code == 200


def test_client_user_cannot_open_the_admin(acme_client):
    response = acme_client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


# Logging in and out ---------------------------------------------------------------------


def login(client, username, password, next_url=None):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def test_login_page_renders_in_portal_look(client):
    response = client.get(reverse("login") + "?next=/client-portal/invoices/")
    assert response.status_code == 200
    assert b"Log in to the Client Portal" in response.content
    assert b'name="next" value="/client-portal/invoices/"' in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_client_user_lands_on_portal_after_login(client, acme_user, password):
    response = login(client, "acme_user", password)
    assert response.status_code == 302
    assert response.url == "/client-portal/"


def test_login_follows_next_to_deep_link(client, acme_user, password, acme_invoice):
    target = reverse("portal:invoice_detail", args=[acme_invoice.pk])
    response = login(client, "acme_user", password, next_url=target)
    assert response.url == target
    assert client.get(target).status_code == 200


def test_login_ignores_next_to_another_site(client, acme_user, password):
    response = login(client, "acme_user", password, next_url="https://evil.example/")
    assert response.url == "/client-portal/"


def test_staff_without_portal_access_lands_on_admin(client, password):
    StaffUserFactory(username="staffer")
    response = login(client, "staffer", password)
    assert response.url == "/admin/"


def test_wrong_password_shows_error(client, acme_user):
    response = login(client, "acme_user", "wrong")
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_inactive_user_cannot_log_in(client, acme_user, password):
    acme_user.is_active = False
    acme_user.save()
    response = login(client, "acme_user", password)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_requires_post_and_ends_session(acme_client):
    assert acme_client.get(reverse("logout")).status_code == 405
    response = acme_client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == settings.LOGOUT_REDIRECT_URL
    assert b"You have been logged out" in response.content
    assert acme_client.get(reverse("portal:dashboard")).status_code == 302


def test_home_sends_each_user_where_they_work(client, acme_user):
    assert client.get("/").url.startswith(settings.LOGIN_URL)
    client.force_login(acme_user)
    assert client.get("/").url == "/client-portal/"
    client.force_login(StaffUserFactory())
    assert client.get("/").url == "/admin/"


def test_password_reset_flow_uses_our_templates(client, acme_user, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": acme_user.email}, follow=True)
    assert b"Check your email" in response.content
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert "Reset your password" in mail.subject
    assert "acme_user" in mail.body
    link = next(line for line in mail.body.splitlines() if "/accounts/reset/" in line)
    response = client.get(link.strip(), follow=True)
    assert b"Choose a new password" in response.content
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "a-new-long-passphrase-42", "new_password2": "a-new-long-passphrase-42"},
        follow=True,
    )
    assert b"Your password has been set" in response.content
    acme_user.refresh_from_db()
    assert acme_user.check_password("a-new-long-passphrase-42")


def test_password_reset_link_is_single_use(client):
    response = client.get("/accounts/reset/MQ/invalid-token/")
    assert b"This link is no longer valid" in response.content


def test_password_change_page_is_in_portal_look(acme_client):
    response = acme_client.get(reverse("password_change"))
    assert response.status_code == 200
    assert b"Change your password" in response.content


# Login protection -----------------------------------------------------------------------


def test_login_is_locked_after_failure_limit(client, acme_user, password, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "acme_user", "wrong").status_code == 200
    response = login(client, "acme_user", "wrong")
    assert response.status_code == 429
    assert b"Too many failed login attempts" in response.content
    # Even the right password is refused while locked out.
    response = login(client, "acme_user", password)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_ip(client, acme_user, globex_user, password, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "acme_user", "wrong")
    assert login(client, "globex_user", password).status_code == 302
    other_ip = client.post(
        reverse("login"),
        {"username": "acme_user", "password": password},
        REMOTE_ADDR="203.0.113.9",
    )
    assert other_ip.status_code == 302


def test_successful_login_resets_failures(client, acme_user, password, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "acme_user", "wrong")
    assert login(client, "acme_user", password).status_code == 302
    client.post(reverse("logout"))
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "acme_user", "wrong").status_code == 200


def test_session_settings_end_idle_sessions():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_REFRESH_INTERVAL == 60
    assert settings.SESSION_MAX_AGE == 12 * 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_logout_form_has_csrf_token(acme_client):
    response = acme_client.get(reverse("portal:dashboard"))
    assert b'action="/accounts/logout/"' in response.content
    assert b"csrfmiddlewaretoken" in response.content
