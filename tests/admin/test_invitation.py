"""Portal invitations (§4.1): a one-time, expiring set-password link sent by email."""

import datetime as dt
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import ClientUserFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-pass-2024"


@pytest.fixture
def invitee(acme):
    user = ClientUserFactory(username="invitee", email="invitee@acme.example", client=acme)
    user.set_unusable_password()
    user.save()
    return user


def _link(message) -> str:
    return re.search(r"https?://\S+/accounts/invitation/\S+/\S+/", message.body).group(0)


def _send(admin_client, user):
    return admin_client.post(reverse("admin:accounts_user_invite", args=[user.pk]))


def test_button_emails_a_link_that_sets_the_password_once(admin_client, client, invitee):
    response = _send(admin_client, invitee)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["invitee@acme.example"]
    assert "Acme Corp" in message.subject
    link = _link(message)
    assert link in message.alternatives[0][0]

    page = client.get(link, follow=True)
    assert page.status_code == 200
    assert page.context["validlink"]
    set_password_url = page.redirect_chain[-1][0]
    done = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert done.url == reverse("invitation_complete")
    invitee.refresh_from_db()
    assert invitee.check_password(NEW_PASSWORD)

    again = client.get(link, follow=True)
    assert not again.context["validlink"]
    assert "no longer valid" in again.content.decode()


def test_link_expires(admin_client, client, invitee, monkeypatch):
    _send(admin_client, invitee)
    link = _link(mail.outbox[0])
    later = dt.datetime.now() + dt.timedelta(days=4)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    page = client.get(link, follow=True)
    assert not page.context["validlink"]


def test_tampered_link_is_rejected(client, invitee):
    url = reverse("invitation_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"})
    page = client.get(url, follow=True)
    assert page.status_code == 200
    assert not page.context["validlink"]


def test_user_page_has_the_invitation_button(admin_client, invitee):
    body = admin_client.get(reverse("admin:accounts_user_change", args=[invitee.pk])).content
    assert reverse("admin:accounts_user_invite", args=[invitee.pk]).encode() in body


def test_action_invites_selected_users_and_explains_refusals(admin_client, invitee):
    no_portal = UserFactory(username="noportal")
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "send_portal_invitation", "_selected_action": [invitee.pk, no_portal.pk]},
        follow=True,
    )
    assert [m.to for m in mail.outbox] == [["invitee@acme.example"]]
    text = " ".join(str(m) for m in response.context["messages"])
    assert "noportal has no portal access" in text
    assert "Sent 1 portal invitation." in text


def test_user_without_email_gets_a_message_not_a_mail(admin_client, acme):
    user = ClientUserFactory(email="", client=acme)
    response = _send(admin_client, user)
    assert response.status_code == 302
    assert mail.outbox == []


def test_invite_is_post_only(admin_client, invitee):
    response = admin_client.get(reverse("admin:accounts_user_invite", args=[invitee.pk]))
    assert response.status_code == 405
    assert mail.outbox == []


def test_invite_for_missing_user_redirects(admin_client, db):
    response = admin_client.post(reverse("admin:accounts_user_invite", args=[987654]))
    assert response.status_code == 302
    assert not User.objects.filter(pk=987654).exists()
