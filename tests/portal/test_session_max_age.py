"""accounts.middleware.SessionLifetimeMiddleware: idle renewal and the absolute lifetime."""

import time

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.middleware import LOGIN_TIME_KEY, REFRESH_TIME_KEY

pytestmark = pytest.mark.django_db


def set_login_time(client, seconds_ago):
    session = client.session
    session[LOGIN_TIME_KEY] = int(time.time()) - seconds_ago
    session.save()


def test_login_stamps_the_session(client, acme_user, password):
    before = int(time.time())
    client.post(reverse("login"), {"username": "acme_user", "password": password})
    assert before <= client.session[LOGIN_TIME_KEY] <= int(time.time())


def test_session_within_max_age_keeps_working(acme_client):
    acme_client.get(reverse("portal:dashboard"))
    set_login_time(acme_client, settings.SESSION_MAX_AGE - 60)
    assert acme_client.get(reverse("portal:dashboard")).status_code == 200


def test_session_older_than_max_age_is_logged_out(acme_client):
    acme_client.get(reverse("portal:dashboard"))
    set_login_time(acme_client, settings.SESSION_MAX_AGE + 1)
    response = acme_client.get(reverse("portal:invoices"))
    assert response.status_code == 302
    assert response.url.startswith(settings.LOGIN_URL)
    assert "_auth_user_id" not in acme_client.session
    login_page = acme_client.get(response.url)
    assert b"Your session has expired" in login_page.content


def test_activity_does_not_extend_max_age(acme_client):
    acme_client.get(reverse("portal:dashboard"))
    set_login_time(acme_client, settings.SESSION_MAX_AGE - 5)
    stamp = acme_client.session[LOGIN_TIME_KEY]
    acme_client.get(reverse("portal:dashboard"))
    assert acme_client.session[LOGIN_TIME_KEY] == stamp


def test_logging_in_again_restarts_the_clock(acme_client, acme_user, password):
    acme_client.get(reverse("portal:dashboard"))
    set_login_time(acme_client, 3600)
    acme_client.post(reverse("login"), {"username": "acme_user", "password": password})
    assert acme_client.session[LOGIN_TIME_KEY] >= int(time.time()) - 5


def test_anonymous_sessions_are_not_stamped(client):
    client.get(reverse("login"))
    assert LOGIN_TIME_KEY not in client.session


def test_force_login_stamps_the_session(client, acme_user):
    before = int(time.time())
    client.force_login(acme_user)
    assert client.session[LOGIN_TIME_KEY] >= before


def test_requests_within_the_refresh_interval_do_not_save_the_session(
    acme_client, django_assert_max_num_queries
):
    from django.contrib.sessions.models import Session

    acme_client.get(reverse("portal:projects"))
    session_key = acme_client.session.session_key
    expiry = Session.objects.get(pk=session_key).expire_date
    with django_assert_max_num_queries(3):  # session, user + client, the projects
        acme_client.get(reverse("portal:projects"))
    assert Session.objects.get(pk=session_key).expire_date == expiry


def test_idle_timeout_is_renewed_after_the_refresh_interval(acme_client, settings):
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    acme_client.get(reverse("portal:projects"))
    session = acme_client.session
    session[REFRESH_TIME_KEY] = int(time.time()) - settings.SESSION_REFRESH_INTERVAL
    session.save()
    nearly_expired = timezone.now() + dt.timedelta(seconds=60)
    Session.objects.filter(pk=session.session_key).update(expire_date=nearly_expired)
    acme_client.get(reverse("portal:projects"))
    renewed = Session.objects.get(pk=session.session_key)
    assert renewed.expire_date > nearly_expired + dt.timedelta(minutes=20)
    assert acme_client.session[REFRESH_TIME_KEY] >= int(time.time()) - 5
