"""Sessions a user controls (§11): listed on the security page, others logged out, and a
password change logs out the other sessions."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.models import UserSession, describe_user_agent
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

SECURITY = "/client-portal/settings/security/"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def logged_in(username, password, user_agent, ip="198.51.100.7"):
    browser = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = browser.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302
    return browser


def test_each_login_is_listed_with_device_ip_and_activity(acme_user, password):
    laptop = logged_in("acme_user", password, FIREFOX, ip="198.51.100.7")
    logged_in("acme_user", password, SAFARI, ip="203.0.113.5")
    page = laptop.get(SECURITY)
    sessions = list(page.context["sessions"])
    assert len(sessions) == 2
    text = page.content.decode()
    assert "Firefox on Windows" in text and "Safari on iPhone" in text
    assert "198.51.100.7" in text and "203.0.113.5" in text
    assert "this session" in text


def test_another_users_sessions_are_not_listed(acme_user, globex_user, password):
    mine = logged_in("acme_user", password, FIREFOX)
    logged_in("globex_user", password, SAFARI)
    sessions = mine.get(SECURITY).context["sessions"]
    assert {s.user_id for s in sessions} == {acme_user.pk}


def test_log_out_all_other_sessions(acme_user, password):
    laptop = logged_in("acme_user", password, FIREFOX)
    phone = logged_in("acme_user", password, SAFARI)
    response = laptop.post(SECURITY, {"action": "logout_others"})
    assert response.status_code == 302
    assert phone.get("/client-portal/").status_code == 302  # back to the login page
    assert laptop.get("/client-portal/").status_code == 200
    assert UserSession.objects.filter(user=acme_user).count() == 1
    assert Session.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SESSIONS_REVOKED).exists()


def test_logging_out_removes_the_session_from_the_list(acme_user, password):
    laptop = logged_in("acme_user", password, FIREFOX)
    laptop.post(reverse("logout"))
    assert not UserSession.objects.exists()


def test_password_change_logs_out_the_other_sessions(acme_user, password):
    laptop = logged_in("acme_user", password, FIREFOX)
    phone = logged_in("acme_user", password, SAFARI)
    response = laptop.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "An0ther-long-passphrase",
            "new_password2": "An0ther-long-passphrase",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/client-portal/").status_code == 200
    assert phone.get("/client-portal/").status_code == 302
    remaining = UserSession.objects.filter(user=acme_user)
    assert [s.session_key for s in remaining] == [laptop.session.session_key]


def test_activity_is_touched_when_the_session_is_renewed(acme_user, password, settings):
    settings.SESSION_REFRESH_INTERVAL = 0
    laptop = logged_in("acme_user", password, FIREFOX)
    before = UserSession.objects.get().last_activity
    laptop.get("/client-portal/")
    assert UserSession.objects.get().last_activity > before


@pytest.mark.parametrize(
    ("agent", "expected"),
    [(FIREFOX, "Firefox on Windows"), (SAFARI, "Safari on iPhone"), ("", "Unknown device")],
)
def test_describe_user_agent(agent, expected):
    assert describe_user_agent(agent) == expected
