"""Failed logins are throttled per username + IP and per IP across usernames (accounts.lockout)."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.lockout import client_ip_address
from tests.factories import ClientUserFactory

pytestmark = pytest.mark.django_db

OFFICE_IP = "198.51.100.7"


def login(client, username, password, ip=OFFICE_IP):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.fixture
def small_ip_limit(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_IP_FAILURE_LIMIT = 12
    return settings.AXES_IP_FAILURE_LIMIT


def test_one_password_over_many_usernames_locks_the_ip(client, acme, small_ip_limit, password):
    victim = ClientUserFactory(username="victim", client=acme)
    for n in range(small_ip_limit - 1):
        assert login(client, f"user{n}", "Summer2024!").status_code == 200
    assert login(client, "user-last", "Summer2024!").status_code == 429
    # The next guess, on any username, is refused without being checked ...
    assert login(client, "user-next", "Summer2024!").status_code == 429
    # ... and so is a real user's right password from that address, until the cool-off.
    assert login(client, victim.username, password).status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    assert login(client, victim.username, password, ip="203.0.113.50").status_code == 302


def test_an_office_with_a_few_typos_is_not_locked(client, acme, small_ip_limit, password):
    # Five colleagues behind one address, two typos each: ten failures, under both limits.
    colleagues = [ClientUserFactory(username=f"colleague{n}", client=acme) for n in range(5)]
    for user in colleagues:
        for _typo in range(2):
            assert login(client, user.username, "typo").status_code == 200
    for user in colleagues:
        assert login(client, user.username, password).status_code == 302
        client.post(reverse("logout"))


def test_the_default_ip_limit_leaves_room_for_an_office():
    from django.conf import settings

    assert settings.AXES_IP_FAILURE_LIMIT == 50
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"], "ip_address"]


def test_logging_in_to_ones_own_account_does_not_clear_the_ip_count(
    client, acme, small_ip_limit, password
):
    own = ClientUserFactory(username="attacker", client=acme)
    for n in range(small_ip_limit - 2):
        login(client, f"user{n}", "Summer2024!")
    assert login(client, own.username, password).status_code == 302
    client.post(reverse("logout"))
    login(client, "user-a", "Summer2024!")
    assert login(client, "user-b", "Summer2024!").status_code == 429


def test_per_user_limit_still_applies_below_the_ip_limit(client, acme_user, small_ip_limit):
    for _attempt in range(4):
        assert login(client, "acme_user", "wrong").status_code == 200
    assert login(client, "acme_user", "wrong").status_code == 429


def test_forwarded_for_is_ignored_without_a_trusted_proxy(settings):
    settings.TRUSTED_PROXY = False
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip_address(request) == "192.0.2.1"


def test_behind_a_trusted_proxy_the_address_it_appended_counts(settings):
    settings.TRUSTED_PROXY = True
    forged_then_real = "10.9.9.9, 203.0.113.9"
    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forged_then_real
    )
    assert client_ip_address(request) == "203.0.113.9"
    assert client_ip_address(RequestFactory().get("/", REMOTE_ADDR="192.0.2.1")) == "192.0.2.1"
