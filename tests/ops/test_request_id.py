"""Request ids (timetracker.middleware.RequestIdMiddleware) and log lines (timetracker.logging)."""

import json
import logging.config
import re

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from timetracker.logging import build_logging

pytestmark = pytest.mark.django_db


def test_it_makes_a_request_id(client):
    response = client.get(reverse("login"))
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert client.get(reverse("login"))["X-Request-ID"] != response["X-Request-ID"]


def test_it_keeps_a_sane_incoming_request_id(client):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="lb-7f3a.91:2")
    assert response["X-Request-ID"] == "lb-7f3a.91:2"


@pytest.mark.parametrize(
    "incoming", ["", "has space", "new\nline", "x" * 129, "<script>", "-leading-dash"]
)
def test_it_replaces_an_insane_incoming_request_id(client, incoming):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID=incoming)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_redirects_carry_the_request_id(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="abc123")
    assert response.status_code == 301
    assert response["X-Request-ID"] == "abc123"


@pytest.fixture
def log_format(settings, capsys):
    """Configure logging as production would (to the captured stderr); restore afterwards."""
    settings.ROOT_URLCONF = "tests.ops.urls"

    def configure(fmt):
        logging.config.dictConfig(build_logging(log_format=fmt, level="INFO"))

    yield configure
    logging.config.dictConfig(django_settings.LOGGING)


def test_every_log_line_carries_the_request_id(client, log_format, capsys):
    log_format("text")
    client.get("/ops-test/log", HTTP_X_REQUEST_ID="req-42")
    lines = [line for line in capsys.readouterr().err.splitlines() if "hello from" in line]
    assert len(lines) == 1
    assert "[req-42] tests.ops: hello from the view" in lines[0]


def test_json_logs_have_the_request_id_and_one_error_with_its_traceback(client, log_format, capsys):
    log_format("json")
    client.raise_request_exception = False
    response = client.get("/ops-test/fail", HTTP_X_REQUEST_ID="req-500")
    assert response.status_code == 500
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    errors = [r for r in records if r["level"] == "ERROR"]
    assert len(errors) == 1, errors  # logged once, not once per handler
    error = errors[0]
    assert error["logger"] == "django.request"
    assert error["request_id"] == "req-500"
    assert "Traceback" in error["exc_info"]
    assert "RuntimeError: boom in the view" in error["exc_info"]


def test_outside_a_request_the_id_is_a_dash(log_format, capsys):
    log_format("json")
    logging.getLogger("tests.ops").warning("from a worker")
    record = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert record["message"] == "from a worker"
    assert record["request_id"] == "-"


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        build_logging(log_format="xml")
