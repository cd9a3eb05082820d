"""The concurrent load run: a cheap HTTP load generator on the standard library.

The generator runs on the same cores as gunicorn and PostgreSQL, so every millisecond of CPU
it spends per request is taken from the workers it measures. It therefore does as little as
it can: one ``http.client`` connection per thread, kept open while the server allows it
(gunicorn's sync workers close after every response, so there it reconnects, which on
loopback costs a few tens of microseconds), the request headers (cookies included) built
once, the body read and counted but never decoded or parsed, and only the status and the
wall time recorded. Its own CPU time is measured (``process_time``) and reported, so a
reader can see what it took from the server.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.webclient import Sample


@dataclass
class LoadRun:
    """What one load run produced: the samples, the wall time and the generator's CPU time."""

    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu_seconds: float = 0.0


class LoadConnection:
    """One thread's connection: GET ``path`` with fixed headers, return ``(status, bytes)``.

    Reuses the socket when the server keeps the connection alive, opens a new one when it
    said ``Connection: close`` (``http.client`` does that on the next request by itself).
    A dropped connection is retried once, then reported as status 0.
    """

    def __init__(self, base_url: str, headers: dict[str, str], *, timeout: float = 30.0):
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme != "http" or parsed.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError("the benchmark only talks to http://127.0.0.1 or localhost")
        self.connection = http.client.HTTPConnection(
            parsed.hostname, parsed.port or 80, timeout=timeout
        )
        self.headers = headers

    def get(self, path: str) -> tuple[int, int, str]:
        """``(status, body size, error)``; status 0 when no response arrived."""
        for attempt in (1, 2):
            try:
                self.connection.request("GET", path, headers=self.headers)
                response = self.connection.getresponse()
                size = len(response.read())
                return response.status, size, ""
            except (http.client.HTTPException, OSError) as exc:
                self.connection.close()
                # A kept-alive socket the server closed meanwhile fails at once: retry once.
                if attempt == 2 or not isinstance(
                    exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
                ):
                    return 0, 0, str(exc) or type(exc).__name__
        return 0, 0, "unreachable"  # pragma: no cover - the loop always returns

    def close(self) -> None:
        self.connection.close()


def cookie_header(cookies) -> str:
    """A ``Cookie:`` header value from a ``http.cookiejar.CookieJar`` (loopback, path /)."""
    return "; ".join(f"{c.name}={c.value}" for c in cookies)


def run_load(
    base_url: str,
    paths: Sequence[str],
    *,
    seconds: float,
    threads: int,
    max_requests: int,
    headers: dict[str, str] | None = None,
) -> LoadRun:
    """GET ``paths`` round-robin from ``threads`` threads until ``seconds`` or
    ``max_requests`` run out (each thread finishes the request it started)."""
    run = LoadRun()
    lock = threading.Lock()
    fixed = {"Accept": "text/html", **(headers or {})}
    paths = list(paths)
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        connection = LoadConnection(base_url, fixed)
        n = index
        append = run.samples.append
        try:
            while time.monotonic() < deadline:
                with lock:
                    if len(run.samples) >= max_requests:
                        return
                started = time.perf_counter()
                status, size, error = connection.get(paths[n % len(paths)])
                elapsed = time.perf_counter() - started
                n += 1
                with lock:
                    append(Sample(status, elapsed, size, None, None, None, error=error))
        finally:
            connection.close()

    cpu_started = time.process_time()
    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=seconds + 60)
    run.seconds = time.monotonic() - started
    run.client_cpu_seconds = time.process_time() - cpu_started
    return run
