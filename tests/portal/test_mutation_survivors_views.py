"""Portal behaviour the session-8 mutation run found unpinned (docs/TESTING.md, "Mutation
testing"): the API token page, whose other tests live in tests/api/ outside the mutmut
selection, and the settings pages' messages."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import api_token_create
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/client-portal/settings/api/"


def test_the_token_page_offers_the_create_form_with_90_days_preselected(acme_client):
    html = acme_client.get(URL).content.decode()
    assert '<input type="text" name="name" maxlength="100" required' in html
    assert '<option value="90" selected>90 days</option>' in html
    assert "You have no API tokens yet." in html


def test_tokens_are_listed_newest_first_then_by_id(acme_client, acme_user):
    first, second, old = (
        api_token_create(user=acme_user, name=name, scope="read")[0]
        for name in ("tie-first", "tie-second", "old")
    )
    # The oldest token has the highest id ("-id" alone would list it first); the other two
    # were created at the same instant.
    now = timezone.now()
    ApiToken.objects.filter(pk__in=[first.pk, second.pk]).update(created_at=now)
    ApiToken.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=1))
    html = acme_client.get(URL).content.decode()
    rows = re.findall(r'<th scope="row" data-label="Name">([^<]+)</th>', html)
    assert rows == ["tie-second", "tie-first", "old"]


def test_a_created_token_is_named_and_expires_after_the_chosen_days(acme_client, acme_user):
    before = timezone.now()
    response = acme_client.post(URL, {"action": "create", "name": "My sheet", "expires_in": "30"})
    assert response.status_code == 200
    assert "Token “My sheet” created" in response.content.decode()
    token = ApiToken.objects.get()
    assert (
        before + dt.timedelta(days=30) <= token.expires_at <= timezone.now() + dt.timedelta(days=30)
    )


def test_a_token_that_never_expires(acme_client):
    response = acme_client.post(URL, {"action": "create", "name": "forever", "expires_in": ""})
    assert response.status_code == 200
    assert ApiToken.objects.get().expires_at is None


def test_a_refused_token_form_shows_its_errors_and_keeps_the_list(acme_client, acme_user):
    api_token_create(user=acme_user, name="existing", scope="read")
    response = acme_client.post(URL, {"action": "create", "name": "", "expires_in": "30"})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<p class="field__error" id="id_name-error">This field is required.</p>' in html
    assert '<option value="30" selected>30 days</option>' in html
    assert ">existing</th>" in html


def test_revoking_without_a_token_field_is_a_404(acme_client, acme_user):
    token, _ = api_token_create(user=acme_user, name="mine", scope="read")
    assert acme_client.post(URL, {"action": "revoke"}).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_says_which_token(acme_client, acme_user):
    token, _ = api_token_create(user=acme_user, name="mine", scope="read")
    response = acme_client.post(URL, {"action": "revoke", "token": token.pk}, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert '<li class="message message--success">Token “mine” revoked.</li>' in (
        response.content.decode()
    )


def test_token_events_from_the_page_carry_the_request(acme_client, acme_user):
    # The audit trail's IP and user agent come from the request the view passes on.
    headers = {"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "Firefox/1"}
    acme_client.post(URL, {"action": "create", "name": "n8n", "expires_in": "30"}, **headers)
    token = ApiToken.objects.get()
    acme_client.post(URL, {"action": "revoke", "token": token.pk}, **headers)
    events = AuditEvent.objects.filter(object_id=str(token.pk)).order_by("pk")
    assert [(e.action, e.actor, e.ip, e.user_agent) for e in events] == [
        (AuditEvent.Action.TOKEN_CREATED, acme_user, "203.0.113.9", "Firefox/1"),
        (AuditEvent.Action.TOKEN_REVOKED, acme_user, "203.0.113.9", "Firefox/1"),
    ]


def test_saved_notification_settings_say_so(acme_client):
    response = acme_client.post(reverse("portal:settings"), {"notify_invoices": "on"}, follow=True)
    assert (
        '<li class="message message--success">Your notification settings have been saved.</li>'
        in response.content.decode()
    )


REQUIRED = "Your organisation requires two-factor login. Set it up to continue to the portal."


def test_the_security_page_says_when_the_client_requires_two_factor(acme_client, acme):
    assert REQUIRED not in acme_client.get(reverse("portal:settings_security")).content.decode()
    acme.require_2fa = True
    acme.save()
    assert REQUIRED in acme_client.get(reverse("portal:settings_security")).content.decode()


def test_opening_an_invoice_is_recorded_with_the_request(acme_client, acme_user, acme_invoice):
    # The audit trail's other tests live in tests/audit/, outside the mutmut selection.
    headers = {"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "Firefox/1"}
    url = reverse("portal:invoice_detail", args=[acme_invoice.pk])
    assert acme_client.get(url, **headers).status_code == 200
    (event,) = AuditEvent.objects.filter(action=AuditEvent.Action.INVOICE_VIEWED)
    assert (event.actor, event.client_id, event.object_type, event.object_id) == (
        acme_user,
        acme_user.client_id,
        "invoicing.invoice",
        str(acme_invoice.pk),
    )
    assert (event.ip, event.user_agent) == ("203.0.113.9", "Firefox/1")


def test_a_csv_export_is_recorded_with_the_request(acme_client, acme_user):
    headers = {"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "Firefox/1"}
    response = acme_client.get(reverse("portal:time_entries_csv"), **headers)
    b"".join(response.streaming_content)
    (event,) = AuditEvent.objects.filter(action=AuditEvent.Action.CSV_EXPORTED)
    assert (event.actor, event.client_id, event.ip, event.user_agent) == (
        acme_user,
        acme_user.client_id,
        "203.0.113.9",
        "Firefox/1",
    )
