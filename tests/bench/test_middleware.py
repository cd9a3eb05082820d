"""The query-counting middleware reports what the request really ran."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.models import User
from bench.middleware import QueryCountMiddleware

pytestmark = pytest.mark.django_db


def view_running(n):
    def view(request):
        for _ in range(n):
            User.objects.count()
        return HttpResponse("ok")

    return view


def test_it_counts_every_query_of_the_request():
    response = QueryCountMiddleware(view_running(3))(RequestFactory().get("/"))

    assert response["X-DB-Queries"] == "3"
    assert float(response["X-DB-Time-ms"]) >= 0
    assert float(response["X-Server-Time-ms"]) >= float(response["X-DB-Time-ms"])


def test_it_counts_the_session_table_statements_apart(settings, acme_user):
    """The session renewal (SessionLifetimeMiddleware, once a minute) is told apart, so the
    report can tell a page whose own count varies from one that carried the renewal."""
    settings.MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *settings.MIDDLEWARE]
    settings.SESSION_REFRESH_INTERVAL = 0  # renew on every request
    from django.test import Client as TestClient

    browser = TestClient()
    browser.force_login(acme_user)
    browser.get("/client-portal/")

    response = browser.get("/client-portal/")

    session = int(response["X-DB-Session-Queries"])
    assert session >= 1
    assert int(response["X-DB-Queries"]) > session


def test_a_view_without_sessions_has_no_session_queries():
    response = QueryCountMiddleware(view_running(2))(RequestFactory().get("/"))

    assert response["X-DB-Session-Queries"] == "0"


def test_it_reports_zero_for_a_request_without_queries():
    response = QueryCountMiddleware(view_running(0))(RequestFactory().get("/"))

    assert response["X-DB-Queries"] == "0"


def test_queries_outside_the_request_are_not_counted(django_assert_num_queries):
    middleware = QueryCountMiddleware(view_running(2))
    User.objects.count()

    with django_assert_num_queries(2):
        response = middleware(RequestFactory().get("/"))
    User.objects.count()

    assert response["X-DB-Queries"] == "2"


def test_each_request_starts_from_zero():
    middleware = QueryCountMiddleware(view_running(1))

    first = middleware(RequestFactory().get("/"))
    second = middleware(RequestFactory().get("/"))

    assert first["X-DB-Queries"] == second["X-DB-Queries"] == "1"


def test_bench_settings_put_the_counter_first_and_serve_plain_http():
    import bench.settings as bench_settings

    assert bench_settings.MIDDLEWARE[0] == "bench.middleware.QueryCountMiddleware"
    assert bench_settings.DEBUG is False
    assert bench_settings.SECURE_SSL_REDIRECT is False
    assert bench_settings.SESSION_COOKIE_SECURE is False
    assert bench_settings.CSRF_COOKIE_SECURE is False
    assert bench_settings.ALLOWED_HOSTS == ["127.0.0.1", "localhost"]


def test_a_portal_page_through_the_test_client_carries_the_header(settings, acme_user):
    settings.MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *settings.MIDDLEWARE]
    from django.test import Client as TestClient

    browser = TestClient()
    browser.force_login(acme_user)

    response = browser.get("/client-portal/")

    assert int(response["X-DB-Queries"]) > 0
