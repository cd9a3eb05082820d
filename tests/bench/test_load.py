"""The load generator (bench/load.py) against a live server: cheap, counted, loopback only."""

import http.cookiejar

import pytest

from bench.load import LoadConnection, cookie_header, run_load
from bench.webclient import WebClient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def plain_http(settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False


def test_a_logged_in_load_run_gets_the_portal_and_counts_every_request(
    live_server, plain_http, acme_user, password
):
    browser = WebClient(live_server.url)
    assert browser.login(acme_user.username, password) == ""

    run = run_load(
        live_server.url,
        ["/client-portal/", "/client-portal/time-entries/"],
        seconds=30,
        threads=2,
        max_requests=6,
        headers={"Cookie": cookie_header(browser.cookies)},
    )

    assert 6 <= len(run.samples) <= 8  # each thread may finish the request it started
    assert {s.status for s in run.samples} == {200}
    assert all(s.size > 1000 and s.seconds > 0 for s in run.samples)
    assert 0 < run.seconds < 30
    assert run.client_cpu_seconds >= 0


def test_without_the_session_cookie_every_request_is_a_redirect(live_server, plain_http):
    run = run_load(live_server.url, ["/client-portal/"], seconds=30, threads=1, max_requests=3)

    assert [s.status for s in run.samples] == [302, 302, 302]


def test_one_connection_serves_request_after_request(live_server):
    connection = LoadConnection(live_server.url, {})
    try:
        statuses = [connection.get("/accounts/login/")[0] for _ in range(3)]
    finally:
        connection.close()

    assert statuses == [200, 200, 200]


def test_a_dead_server_gives_status_0_with_the_reason():
    status, size, error = LoadConnection("http://127.0.0.1:9", {}).get("/")

    assert (status, size) == (0, 0)
    assert error


def test_it_refuses_to_talk_to_anything_but_loopback():
    with pytest.raises(ValueError):
        LoadConnection("http://example.com", {})


def test_the_cookie_header_carries_every_cookie_of_the_jar():
    jar = http.cookiejar.CookieJar()
    for name, value in (("sessionid", "abc"), ("csrftoken", "xyz")):
        jar.set_cookie(
            http.cookiejar.Cookie(
                0,
                name,
                value,
                None,
                False,
                "127.0.0.1",
                False,
                False,
                "/",
                True,
                False,
                None,
                False,
                None,
                None,
                {},
            )  # fmt: skip
        )

    assert sorted(cookie_header(jar).split("; ")) == ["csrftoken=xyz", "sessionid=abc"]
