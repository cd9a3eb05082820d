"""Two app servers (gunicorn on two loopback ports), one PostgreSQL, one Redis.

A session made on one server works on the other (no sticky sessions), failed logins
spread over both servers hit one login throttle, and an invoice issued on one is emailed
once by two task workers running in processes of their own. Needs PostgreSQL and CACHE_URL=redis://
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

from invoicing.models import InvoiceDelivery

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
    common = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "timetracker.settings.test",
        "DATABASE_URL": database_url,
        "CACHE_URL": os.environ["CACHE_URL"],
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        "CONN_MAX_AGE": "0",
        "TEST_EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    for n in range(2):
        port = free_port()
        env = {**common, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
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
        yield Cluster(urls=urls, env=common, tmp_path=tmp_path)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


class Cluster:
    """Two servers' URLs (``first, second = cluster``), their environment, and workers."""

    def __init__(self, *, urls, env, tmp_path):
        self.urls, self.env, self.tmp_path = urls, env, tmp_path

    def __iter__(self):
        return iter(self.urls)

    def start_workers(self, count):
        """Task workers in their own processes, as a deployment runs them beside the web."""
        workers = []
        for n in range(count):
            log = (self.tmp_path / f"worker{n}.log").open("w")
            workers.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
                    [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2"],
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        return workers

    def sent_messages(self) -> list[str]:
        """The ``To:`` header of every email the workers wrote (file backend)."""
        mail_dir = Path(self.env["TEST_EMAIL_FILE_PATH"])
        if not mail_dir.exists():
            return []
        return [
            line.removeprefix("To: ")
            for path in sorted(mail_dir.iterdir())
            for line in path.read_text().splitlines()
            if line.startswith("To: ")
        ]


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


def test_an_invoice_issued_on_one_server_is_emailed_once_by_separate_workers(
    two_servers, admin_user, password, draft, profile, acme_user
):
    first, second = two_servers
    acme_user.email = "buyer@acme.example"
    acme_user.save(update_fields=["email"])
    workers = two_servers.start_workers(2)
    try:
        browser = Browser()
        assert browser.login(first, admin_user.username, password).status == 302
        changelist = f"{first}/admin/invoicing/invoice/"
        page = browser.get(changelist).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "action": "issue",
                "_selected_action": draft.pk,
                "index": 0,
            }
        ).encode()
        request = urllib.request.Request(changelist, data=data, headers={"Referer": changelist})
        assert browser._open(request).status == 302
        deliveries = InvoiceDelivery.objects.filter(invoice=draft)
        for _ in range(300):
            if deliveries.exists() and not deliveries.exclude(status="sent").exists():
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"not sent: {list(deliveries.values_list('status', flat=True))}")
        time.sleep(1)  # a second worker that would send it again has had its chance
        assert two_servers.sent_messages() == ["buyer@acme.example"]
        # The portal of the other server shows the issued invoice.
        client_browser = Browser()
        assert client_browser.login(second, acme_user.username, password).status == 302
        detail = client_browser.get(f"{second}/client-portal/invoices/{draft.pk}/")
        assert detail.status == 200
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
