"""A minimal HTTP client on the standard library: cookies, the login form, timed GETs.

Redirects are not followed, so a page that bounces to the login form counts as a 302
(an error in the report) rather than as a fast 200.
"""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from bench.middleware import (
    DB_TIME_HEADER,
    QUERIES_HEADER,
    SERVER_TIME_HEADER,
    SESSION_QUERIES_HEADER,
)

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


@dataclass(frozen=True)
class Sample:
    """One timed request."""

    status: int
    seconds: float
    size: int
    queries: int | None
    server_ms: float | None
    db_ms: float | None
    location: str = ""
    error: str = ""
    # Of ``queries``, those on the session table (a renewal once a minute, not the page's).
    session_queries: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _number(value: str | None, kind=float):
    try:
        return kind(value) if value is not None else None
    except ValueError:
        return None


class WebClient:
    """A browser-like session against one base URL (loopback only)."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme != "http" or parsed.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError("the benchmark only talks to http://127.0.0.1 or localhost")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def clone(self) -> WebClient:
        """Another client sharing this one's cookies (one per load thread)."""
        other = WebClient(self.base_url, timeout=self.timeout)
        for cookie in self.cookies:
            other.cookies.set_cookie(cookie)
        return other

    def request(self, path: str, *, data: dict | None = None, headers: dict | None = None):
        """``(Sample, body)`` for a GET (or a form POST when ``data`` is given)."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(  # noqa: S310 - http on loopback only, checked above
            self.base_url + path, data=body, headers=headers or {}
        )
        started = time.perf_counter()
        try:
            response = self.opener.open(req, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            response = exc
        except (urllib.error.URLError, OSError) as exc:
            return Sample(
                0, time.perf_counter() - started, 0, None, None, None, error=str(exc)
            ), b""
        with response:
            content = response.read()
            seconds = time.perf_counter() - started
            head = response.headers
            sample = Sample(
                status=response.status if hasattr(response, "status") else response.code,
                seconds=seconds,
                size=len(content),
                queries=_number(head.get(QUERIES_HEADER), int),
                server_ms=_number(head.get(SERVER_TIME_HEADER)),
                db_ms=_number(head.get(DB_TIME_HEADER)),
                location=head.get("Location", ""),
                session_queries=_number(head.get(SESSION_QUERIES_HEADER), int),
            )
        return sample, content

    def get(self, path: str, *, headers: dict | None = None) -> Sample:
        return self.request(path, headers=headers)[0]

    def login(self, username: str, password: str, *, next_url: str = "/client-portal/") -> str:
        """Log in through the real form (CSRF token and cookie). Returns "" or why it failed."""
        query = "?" + urllib.parse.urlencode({"next": next_url})
        form, html = self.request("/accounts/login/" + query)
        if form.status != 200:
            return f"login page answered {form.status}"
        match = CSRF_INPUT.search(html.decode("utf-8", "replace"))
        if match is None:
            return "no CSRF token on the login page"
        sample, _ = self.request(
            "/accounts/login/" + query,
            data={
                "csrfmiddlewaretoken": match.group(1),
                "username": username,
                "password": password,
                "next": next_url,
            },
            headers={"Referer": self.base_url + "/accounts/login/"},
        )
        if sample.status != 302 or "/accounts/login/" in sample.location:
            return f"login form answered {sample.status} (wrong password or locked out?)"
        return ""

    def session_cookie(self, name: str = "sessionid") -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def set_cookie(self, name: str, value: str) -> None:
        host = urllib.parse.urlsplit(self.base_url).hostname
        cookie = http.cookiejar.Cookie(
            0, name, value, None, False, host, False, False, "/", True, False, None, False,
            None, None, {},
        )  # fmt: skip
        self.cookies.set_cookie(cookie)
