"""Personas shared by every test (see STYLE.md): never name a fixture ``client``."""

import os
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, settings

from invoicing.models import Invoice
from tests.factories import (
    PASSWORD,
    AdminUserFactory,
    BusinessProfileFactory,
    ClientFactory,
    ClientUserFactory,
    InvoiceFactory,
    StaffUserFactory,
    SubcontractorFactory,
    UserClientFactory,
)

# CI replays the same examples every run (derandomized), so a red build is reproducible and
# never depends on luck; locally the examples vary, and --hypothesis-profile=deep digs further.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
# ``--hypothesis-profile=deep`` (docs/TESTING.md, "Fuzzing"): many examples per fuzzed page.
# Registered here so the option works from any test path.
settings.register_profile(
    "deep",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _default_language():
    # LocaleMiddleware activates a request's language for the whole thread and never resets
    # it: without this, a Dutch page test would leave later tests in the same process Dutch.
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def acme(db):
    return ClientFactory(name="Acme Corp", currency_code="EUR")


@pytest.fixture
def globex(db):
    return ClientFactory(name="Globex Inc", currency_code="USD")


@pytest.fixture
def acme_user(acme):
    return ClientUserFactory(username="acme_user", client=acme)


@pytest.fixture
def globex_user(globex):
    return ClientUserFactory(username="globex_user", client=globex)


@pytest.fixture
def staff_user(db):
    return StaffUserFactory(username="staff")


@pytest.fixture
def admin_user(db):
    return AdminUserFactory(username="admin")


@pytest.fixture
def subcontractor(acme):
    user = SubcontractorFactory(username="subcontractor")
    UserClientFactory(user=user, client=acme)
    return user


# An issuer and an Acme draft with one item (documents, notifications, two-server test).
@pytest.fixture
def profile(db):
    return BusinessProfileFactory()


@pytest.fixture
def draft(acme):
    return InvoiceFactory(
        client=acme,
        invoice_number="ACME-2024-007",
        status=Invoice.Status.DRAFT,
        tax_rate=Decimal("19"),
        items=[{"description": "Design & <build>", "quantity": 2, "unit_price": Decimal("150.00")}],
    )


@pytest.fixture
def media(settings, tmp_path):
    """Uploads (client logos) go to a fresh MEDIA_ROOT per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
