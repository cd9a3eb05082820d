"""Password reset also reaches invitees who never chose a password (accounts.forms)."""

import re

import pytest
from django.urls import reverse

from tests.factories import ClientUserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-pass-2024"


@pytest.fixture
def invitee(acme):
    user = ClientUserFactory(username="invitee", email="invitee@acme.example", client=acme)
    user.set_unusable_password()
    user.save()
    return user


def _reset_link(message) -> str:
    return re.search(r"https?://\S+/accounts/reset/\S+/\S+/", message.body).group(0)


def test_invitee_without_password_gets_a_working_set_password_link(client, invitee, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "INVITEE@acme.example"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["invitee@acme.example"]
    assert "Choose your password" in message.subject
    assert "no password yet" in message.body
    page = client.get(_reset_link(message), follow=True)
    assert page.context["validlink"]
    done = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    invitee.refresh_from_db()
    assert invitee.check_password(NEW_PASSWORD)
    assert client.login(username="invitee", password=NEW_PASSWORD)


def test_users_with_a_password_get_the_reset_wording(client, acme_user, mailoutbox):
    client.post(reverse("password_reset"), {"email": acme_user.email})
    assert len(mailoutbox) == 1
    assert "Reset your password" in mailoutbox[0].subject
    assert "no password yet" not in mailoutbox[0].body


def test_inactive_invitee_gets_nothing(client, invitee, mailoutbox):
    invitee.is_active = False
    invitee.save()
    client.post(reverse("password_reset"), {"email": invitee.email})
    assert mailoutbox == []


def test_the_answer_is_the_same_whether_or_not_an_account_exists(client, invitee, mailoutbox):
    known = client.post(reverse("password_reset"), {"email": invitee.email}, follow=True)
    unknown = client.post(
        reverse("password_reset"), {"email": "nobody@nowhere.example"}, follow=True
    )
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert known.content == unknown.content
    assert len(mailoutbox) == 1


def test_expired_invitation_page_says_how_to_get_a_new_link(client, invitee, settings):
    response = client.get(reverse("invitation_confirm", args=["MQ", "expired-token"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "no longer valid" in body
    assert "also if you never set a password" in body
    assert f'href="{reverse("password_reset")}"' in body
    assert settings.SUPPORT_EMAIL in body
