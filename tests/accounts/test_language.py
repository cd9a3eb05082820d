"""The language switcher (User.language) and emails in the recipient's language."""

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.services import user_send_portal_invitation
from tests.factories import ClientUserFactory

pytestmark = pytest.mark.django_db
URL = reverse("language_set")


@pytest.fixture
def ann(acme):
    return ClientUserFactory(client=acme, username="ann", email="ann@example.com")


def test_it_saves_the_language_on_the_user_and_the_cookie(client, ann):
    client.force_login(ann)
    response = client.post(URL, {"language": "de", "next": "/client-portal/"})
    assert response.status_code == 302 and response["Location"] == "/client-portal/"
    ann.refresh_from_db()
    assert ann.language == "de"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"


def test_the_saved_language_beats_the_browser(client, ann):
    ann.language = "fr"
    ann.save()
    client.force_login(ann)
    page = client.get(reverse("portal:dashboard"), HTTP_ACCEPT_LANGUAGE="de")
    assert '<html lang="fr">' in page.content.decode()
    assert "Tableau de bord" in page.content.decode()


def test_blank_goes_back_to_the_browsers_language(client, ann):
    ann.language = "fr"
    ann.save()
    client.force_login(ann)
    client.post(URL, {"language": ""})
    ann.refresh_from_db()
    assert ann.language == ""
    page = client.get(reverse("portal:dashboard"), HTTP_ACCEPT_LANGUAGE="nl")
    assert '<html lang="nl">' in page.content.decode()


def test_it_changes_only_the_own_row(client, ann, acme):
    other = ClientUserFactory(client=acme, username="bob")
    client.force_login(ann)
    client.post(URL, {"language": "nl", "user": other.pk, "id": other.pk})
    other.refresh_from_db()
    assert other.language == ""


def test_it_rejects_an_unknown_language(client, ann):
    client.force_login(ann)
    assert client.post(URL, {"language": "xx"}).status_code == 400
    ann.refresh_from_db()
    assert ann.language == ""


def test_it_rejects_get_and_a_foreign_next(client, ann):
    client.force_login(ann)
    assert client.get(URL).status_code == 405
    response = client.post(URL, {"language": "de", "next": "https://evil.example/"})
    assert response["Location"] == reverse("portal:dashboard")


def test_it_needs_the_csrf_token(ann):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ann)
    assert strict.post(URL, {"language": "de"}).status_code == 403
    ann.refresh_from_db()
    assert ann.language == ""


def test_the_portal_shows_the_switcher(client, ann):
    client.force_login(ann)
    content = client.get(reverse("portal:dashboard")).content.decode()
    assert f'action="{URL}"' in content and 'name="csrfmiddlewaretoken"' in content
    assert '<option value="nl" lang="nl">Nederlands</option>' in content


def test_the_invitation_is_in_the_invitees_language(rf, ann):
    ann.language = "de"
    ann.save()
    user_send_portal_invitation(user=ann, request=rf.get("/"))
    (message,) = mail.outbox
    assert "Kundenportal" in message.subject
    assert "Wählen Sie Ihr Passwort" in message.body


def test_without_a_language_the_invitation_uses_language_code(rf, ann):
    user_send_portal_invitation(user=ann, request=rf.get("/"))
    (message,) = mail.outbox
    assert "Client Portal" in message.subject
