"""The harness's HTTP client against a live server: real login form, no redirect following."""

import pytest

from bench.webclient import WebClient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def plain_http(settings):
    # live_server speaks plain HTTP, like the bench server on loopback.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False


def test_it_logs_in_through_the_form_and_then_sees_the_portal(
    live_server, plain_http, acme_user, password
):
    browser = WebClient(live_server.url)

    assert browser.login(acme_user.username, password) == ""
    assert browser.session_cookie()
    assert browser.get("/client-portal/").status == 200


def test_a_wrong_password_is_reported_not_raised(live_server, plain_http, acme_user):
    browser = WebClient(live_server.url)

    error = browser.login(acme_user.username, "wrong-password")

    assert "login form answered 200" in error
    assert browser.session_cookie() is None


def test_redirects_are_not_followed_so_a_logged_out_page_is_a_302(live_server, plain_http):
    sample = WebClient(live_server.url).get("/client-portal/")

    assert sample.status == 302
    assert not sample.ok
    assert "/accounts/login/" in sample.location


def test_a_dead_server_gives_status_0_with_the_reason():
    sample = WebClient("http://127.0.0.1:9").get("/")

    assert sample.status == 0
    assert sample.error


def test_it_refuses_to_talk_to_anything_but_loopback():
    with pytest.raises(ValueError):
        WebClient("http://example.com")
