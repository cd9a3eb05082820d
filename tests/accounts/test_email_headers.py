"""Plain-text email headers carry names as they are, never HTML-escaped."""

import pytest
from django.contrib.sites.requests import RequestSite
from django.test import RequestFactory
from django.urls import reverse

from accounts.services import user_send_portal_invitation
from tests.factories import ClientFactory, ClientUserFactory

pytestmark = pytest.mark.django_db

NASTY = 'Smith & <Sons> "Ltd" O\'Neil'


def test_invitation_subject_keeps_ampersand_and_brackets(mailoutbox):
    company = ClientFactory(name=NASTY)
    user = ClientUserFactory(username="smith", email="s@smith.example", client=company)
    user_send_portal_invitation(user=user, request=RequestFactory().get("/"))
    message = mailoutbox[0]
    assert NASTY in message.subject
    assert "&amp;" not in message.subject and "&lt;" not in message.subject
    assert NASTY in message.body
    # The HTML part is HTML: there the name is escaped.
    assert "Smith &amp; &lt;Sons&gt;" in message.alternatives[0][0]


def test_password_reset_subject_keeps_the_site_name(client, acme_user, mailoutbox, monkeypatch):
    # The site name is the request's host; make it one with & and < to see the escaping.
    monkeypatch.setattr(RequestSite, "__init__", _site_named("Smith & <Sons>"))
    client.post(reverse("password_reset"), {"email": acme_user.email})
    subject = mailoutbox[0].subject
    assert "Smith & <Sons>" in subject
    assert "&amp;" not in subject


def _site_named(name):
    def init(self, request):
        self.domain = self.name = name

    return init
