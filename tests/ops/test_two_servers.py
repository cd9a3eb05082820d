"""Two app servers (gunicorn on two loopback ports), one PostgreSQL, one Redis.

A session made on one server works on the other (no sticky sessions), and failed logins
spread over both servers hit one login throttle. Needs PostgreSQL and CACHE_URL=redis://
(the Redis step of .ci/run); skipped otherwise.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def two_servers(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("two servers share one PostgreSQL database")
    db = settings.DATABASES["default"]
    database_url = (
        f"postgres://{db['USER']}{':' + db['PASSWORD'] if db['PASSWORD'] else ''}"
        f"@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"  # the test database
    )
    servers, urls = [], []
    for n in range(2):
        port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "timetracker.settings.test",
            "DATABASE_URL": database_url,
            "CACHE_URL": os.environ["CACHE_URL"],
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "1",
            "SESSION_COOKIE_SECURE": "False",
            "CSRF_COOKIE_SECURE": "False",
            "CONN_MAX_AGE": "0",
        }
        log = (tmp_path / f"server{n}.log").open("w")
        servers.append(
            subprocess.Popen(  # noqa: S603 - our own interpreter and config
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "timetracker.wsgi"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            wait_until_up(url)
        yield urls
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


def wait_until_up(url):
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5):  # noqa: S310
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"{url} did not start")


class Browser:
    """One browser: a cookie jar shared across both servers (cookies ignore the port)."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            NoRedirect(),
        )

    def get(self, url):
        return self._open(urllib.request.Request(url))

    def login(self, server, username, password):
        page = self.get(f"{server}/accounts/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(
            f"{server}/accounts/login/", data=data, headers={"Referer": f"{server}/"}
        )
        return self._open(request)

    def logout(self, server):
        page = self.get(f"{server}/client-portal/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(
            f"{server}/accounts/logout/", data=data, headers={"Referer": f"{server}/"}
        )
        return self._open(request)

    def _open(self, request):
        try:
            return self.opener.open(request, timeout=15)
        except urllib.error.HTTPError as error:
            return error


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def test_a_session_made_on_one_server_works_on_the_other(two_servers, acme_user, password):
    first, second = two_servers
    browser = Browser()
    assert browser.login(first, acme_user.username, password).status == 302
    response = browser.get(f"{second}/client-portal/")
    assert response.status == 200
    assert "Acme Corp" in response.read().decode()
    # ... and back on the first.
    assert browser.get(f"{first}/client-portal/").status == 200
    # Logging out on the second server ends the session on the first too.
    assert browser.logout(second).status == 302
    assert browser.get(f"{first}/client-portal/").status == 302


def test_the_login_throttle_holds_across_servers(two_servers, acme_user, password):
    first, second = two_servers
    browser = Browser()
    # AXES_FAILURE_LIMIT = 5, spread over both servers.
    for attempt in range(4):
        server = (first, second)[attempt % 2]
        assert browser.login(server, acme_user.username, "wrong").status == 200
    assert browser.login(second, acme_user.username, "wrong").status == 429
    assert browser.login(first, acme_user.username, password).status == 429
