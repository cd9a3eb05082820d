"""Two tenants for the API: Acme (A, in scope) and Globex (B, outside).

Everything of Globex carries a marker (``GLOBEX_MARKERS``) or a distinctive amount, so a test
can search any response body for it.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create
from invoicing.models import Invoice
from tests.factories import (
    InvoiceFactory,
    PaymentFactory,
    ProjectFactory,
    StaffUserFactory,
    TimeEntryFactory,
)

GLOBEX_MARKERS = ("globex", "zorblax", "wilhelmina", "7777.77", "6543.21", "GLX-")


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    # Throttle counters live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


def assert_no_globex(response, where=""):
    text = response.content.decode(errors="replace").lower()
    for marker in GLOBEX_MARKERS:
        assert marker.lower() not in text, f"{marker!r} leaked in {where}"


@pytest.fixture
def api():
    """``api(user, scope="write")``: an APIClient with a real bearer token of ``user``."""

    def make(user, scope=ApiToken.Scope.WRITE):
        if not user.is_staff:
            scope = ApiToken.Scope.READ
        token, secret = api_token_create(user=user, name="tests", scope=scope)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        client.token = token
        return client

    return make


@pytest.fixture
def world(acme, globex, subcontractor, staff_user, acme_user):
    now = timezone.now()
    acme_project = ProjectFactory(client=acme, name="Acme Website", description="Acme site")
    acme_old = ProjectFactory(client=acme, name="Acme Legacy", status="archived")
    own = TimeEntryFactory(user=subcontractor, project=acme_project, notes="acme: my own work")
    other = TimeEntryFactory(user=staff_user, project=acme_project, notes="acme: colleague")
    running = TimeEntryFactory(
        user=staff_user, project=acme_project, end_time=None, start_time=now, notes="acme running"
    )
    acme_invoice = InvoiceFactory(
        client=acme,
        project=acme_project,
        invoice_number="INV-ACME-1",
        items=[{"description": "acme: design work", "quantity": 10}],
    )
    PaymentFactory(invoice=acme_invoice, amount=Decimal("100.00"), reference="acme-transfer")
    acme_draft = InvoiceFactory(
        client=acme, invoice_number="INV-ACME-DRAFT", status=Invoice.Status.DRAFT
    )

    wilhelmina = StaffUserFactory(
        username="wilhelmina", first_name="Wilhelmina", last_name="Globexworker"
    )
    globex_project = ProjectFactory(
        client=globex, name="Zorblax Rollout", description="globex internal"
    )
    globex_entry = TimeEntryFactory(
        user=wilhelmina,
        project=globex_project,
        notes="globex-secret-note",
        start_time=now - dt.timedelta(hours=5),
        end_time=now - dt.timedelta(hours=4),
    )
    items = [{"description": "globex-item", "unit_price": Decimal("7777.77")}]
    globex_invoice = InvoiceFactory(
        client=globex, project=globex_project, invoice_number="GLX-0001", items=items
    )
    globex_payment = PaymentFactory(
        invoice=globex_invoice, amount=Decimal("6543.21"), reference="globex-payment-ref"
    )
    globex_draft = InvoiceFactory(
        client=globex, invoice_number="GLX-DRAFT", status=Invoice.Status.DRAFT, items=items
    )
    return SimpleNamespace(
        acme=acme,
        acme_project=acme_project,
        acme_old=acme_old,
        own=own,
        other=other,
        running=running,
        acme_invoice=acme_invoice,
        acme_draft=acme_draft,
        globex=globex,
        globex_project=globex_project,
        globex_entry=globex_entry,
        globex_invoice=globex_invoice,
        globex_payment=globex_payment,
        globex_draft=globex_draft,
        wilhelmina=wilhelmina,
    )
