"""The OpenAPI schema, its docs pages, and schemathesis against it (no 500, responses conform).

Schemathesis generates requests from ``/api/v1/schema/`` for every operation and runs its
own checks on each response: no server error, documented status codes, content types,
headers and bodies that match the schema. Examples are bounded (``MAX_EXAMPLES`` per
operation, derandomized) so the whole run stays well under a minute.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import api_token_create

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 6
# Schemathesis' own response checks. Not "negative data rejection": DRF, like most APIs,
# reads an unparseable ``page_size`` as the default instead of refusing it; nor "positive
# data acceptance": a schema-valid id outside the caller's scope is rightly a 400.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    # Generated examples only: the "explicit" phase would add schemathesis' long coverage list.
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def test_schema_is_openapi_3_with_every_endpoint_and_the_bearer_scheme(client):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal access token: `Authorization: Bearer <token>`.",
    }
    assert set(schema["paths"]) == {
        "/api/v1/me/",
        "/api/v1/clients/",
        "/api/v1/clients/{id}/",
        "/api/v1/projects/",
        "/api/v1/projects/{id}/",
        "/api/v1/time-entries/",
        "/api/v1/time-entries/{id}/",
        "/api/v1/timer/",
        "/api/v1/timer/start/",
        "/api/v1/timer/stop/",
        "/api/v1/invoices/",
        "/api/v1/invoices/{id}/",
        "/api/v1/reports/",
    }
    entries = schema["paths"]["/api/v1/time-entries/"]["get"]
    names = {p["name"] for p in entries["parameters"]}
    assert {
        "project",
        "client",
        "user",
        "date_from",
        "date_to",
        "billable",
        "cursor",
        "page_size",
    } <= names


def test_docs_are_served_locally_without_inline_script(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower() and "unpkg" not in html
    assert "swagger-ui-dist" in html or "drf_spectacular_sidecar" in html
    assert "<script>" not in html.replace(" ", "")  # the init script comes from ?script
    assert client.get("/api/v1/docs/?script=").status_code == 200
    assert client.get("/api/v1/docs/redoc/").status_code == 200


def _load_schema():
    from timetracker.wsgi import application

    # Loaded through the app, as a client would: serving the schema needs no database.
    # (schemathesis' lazy ``from_fixture`` does not work with pytest 9.)
    return schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


schema = _load_schema()


@pytest.fixture
def in_test_transaction():
    """Requests go through the real WSGI handler, whose request signals would close the
    database connection of the test's transaction (PostgreSQL); Django's test client
    detaches the same handler in the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _bearer(user, scope):
    _, secret = api_token_create(user=user, name="schemathesis", scope=scope)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def subcontractor_headers(world, subcontractor, in_test_transaction):
    return _bearer(subcontractor, "write")


@pytest.fixture
def client_user_headers(world, acme_user, in_test_transaction):
    return _bearer(acme_user, "read")


@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_subcontractor(case, subcontractor_headers):
    case.call_and_validate(headers=subcontractor_headers, checks=CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_client_user(case, client_user_headers):
    case.call_and_validate(headers=client_user_headers, checks=CHECKS)
