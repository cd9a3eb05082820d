"""Server-side numbers per request, returned as response headers for the benchmark client."""

from __future__ import annotations

import time
from contextlib import ExitStack

from django.db import connections

QUERIES_HEADER = "X-DB-Queries"
# Of those, the statements on the session table: the idle timeout is renewed once a minute
# per session (accounts.middleware.SessionLifetimeMiddleware), so any page may carry one.
SESSION_QUERIES_HEADER = "X-DB-Session-Queries"
SESSION_TABLE = '"django_session"'
DB_TIME_HEADER = "X-DB-Time-ms"
SERVER_TIME_HEADER = "X-Server-Time-ms"


class QueryCounter:
    """An ``execute_wrapper`` that counts the SQL statements run through it and their time."""

    def __init__(self) -> None:
        self.count = 0
        self.session_count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if SESSION_TABLE in sql:
            self.session_count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


class QueryCountMiddleware:
    """Count the SQL queries of each request on every database connection.

    Uses ``connection.execute_wrapper``, so it works with ``DEBUG=False`` (unlike
    ``connection.queries``) and measures what production would run. Adds ``X-DB-Queries``,
    ``X-DB-Session-Queries`` (those on the session table), ``X-DB-Time-ms`` and
    ``X-Server-Time-ms`` (time spent inside Django) to the response.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        counter = QueryCounter()
        started = time.perf_counter()
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(counter))
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        response[QUERIES_HEADER] = str(counter.count)
        response[SESSION_QUERIES_HEADER] = str(counter.session_count)
        response[DB_TIME_HEADER] = f"{counter.seconds * 1000:.2f}"
        response[SERVER_TIME_HEADER] = f"{elapsed * 1000:.2f}"
        return response
