"""Audit events for documents leaving the portal and for API tokens (§11)."""

import pytest
from django.urls import reverse

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke
from audit.models import AuditEvent
from tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action


@pytest.fixture
def acme_invoice(acme):
    return InvoiceFactory(
        client=acme, invoice_number="ACME-0001", items=[{"description": "Design work"}]
    )


def test_portal_pdf_download_is_recorded_as_a_download_not_a_view(client, acme_user, acme_invoice):
    client.force_login(acme_user)
    response = client.get(reverse("portal:invoice_pdf", args=[acme_invoice.pk]))
    assert response.status_code == 200

    (event,) = AuditEvent.objects.exclude(action=Action.LOGIN_SUCCEEDED)
    assert event.action == Action.PDF_DOWNLOADED
    assert event.actor == acme_user
    assert event.object_id == str(acme_invoice.pk)
    assert event.client_id == acme_user.client_id


def test_portal_csv_export_is_recorded_for_the_client(client, acme_user):
    client.force_login(acme_user)
    response = client.get(reverse("portal:time_entries_csv"))
    b"".join(response.streaming_content)

    (event,) = AuditEvent.objects.filter(action=Action.CSV_EXPORTED)
    assert event.actor == acme_user
    assert event.client_id == acme_user.client_id


def test_a_refused_csv_export_is_not_recorded(client, acme_user):
    client.force_login(acme_user)
    assert client.get(reverse("portal:time_entries_csv"), {"date_from": "x"}).status_code == 400
    assert not AuditEvent.objects.filter(action=Action.CSV_EXPORTED).exists()


def test_token_creation_and_revocation_are_recorded_without_the_secret(acme_user, admin_user):
    token, secret = api_token_create(user=acme_user, name="sheet", scope=ApiToken.Scope.READ)
    api_token_revoke(token=token, actor=admin_user)
    api_token_revoke(token=token, actor=admin_user)  # idempotent: recorded once

    created, revoked = AuditEvent.objects.order_by("pk")
    assert (created.action, created.actor, created.client_id) == (
        Action.TOKEN_CREATED,
        acme_user,
        acme_user.client_id,
    )
    assert (revoked.action, revoked.actor) == (Action.TOKEN_REVOKED, admin_user)
    assert revoked.object_id == str(token.pk)
    stored = " ".join(str(v) for row in AuditEvent.objects.values_list() for v in row)
    assert secret not in stored and token.token_hash not in stored


def test_portal_token_page_records_creation(client, acme_user):
    client.force_login(acme_user)
    response = client.post(reverse("portal:settings_api"), {"name": "n8n", "expires_in": "30"})
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action=Action.TOKEN_CREATED, actor=acme_user).count() == 1
