"""Two-factor login (§11): enrolment, the code step, backup codes, throttling, require_2fa,
the admin rule for superusers and the admin's reset."""

import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import SESSION_NEEDS_VERIFICATION
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

SECURITY = "/client-portal/settings/security/"
VERIFY = "/accounts/login/verify/"


def code_for(device, offset_steps=0):
    """The device's code ``offset_steps`` steps from now (the next step: a fresh code)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(client):
    """Open the security page and confirm the authenticator; returns (device, backup codes)."""
    assert client.get(SECURITY).status_code == 200
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(SECURITY, {"action": "confirm", "code": code_for(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    return device, response.context["backup_codes"]


def wait_out_throttle(user):
    """As if the throttle's delay (1 s after one failure) had passed."""
    import datetime as dt

    from django.utils import timezone

    past = timezone.now() - dt.timedelta(minutes=1)
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user).update(throttling_failure_timestamp=past)


def password_login(client, username, password, ip="127.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.fixture
def portal(client, acme_user):
    client.force_login(acme_user)
    return client


# --- enrolment ----------------------------------------------------------------------------


def test_security_page_shows_a_qr_code_and_manual_key(portal):
    response = portal.get(SECURITY)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in page and 'class="qr-code"' in page
    assert " style=" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    device = TOTPDevice.objects.get()
    assert not device.confirmed
    assert response.context["manual_key"].replace(" ", "")
    # Reloading keeps the same secret (the app scanned it already).
    portal.get(SECURITY)
    assert TOTPDevice.objects.count() == 1


def test_enrolment_confirms_the_device_and_shows_ten_backup_codes_once(portal, acme_user):
    device, codes = enrol(portal)
    assert device.confirmed
    assert len(codes) == 10 == len(set(codes))
    assert StaticToken.objects.filter(device__user=acme_user).count() == 10
    again = portal.get(SECURITY)
    assert again.context["two_factor_enabled"]
    assert not any(code in again.content.decode() for code in codes)
    event = AuditEvent.objects.get(action=AuditEvent.Action.TWO_FACTOR_ENROLLED)
    assert event.actor == acme_user and event.client == acme_user.client


def test_a_wrong_first_code_does_not_enrol(portal):
    portal.get(SECURITY)
    response = portal.post(SECURITY, {"action": "confirm", "code": "000000x"})
    assert response.status_code == 400
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_unknown_action_is_a_bad_request(portal):
    assert portal.post(SECURITY, {"action": "hack"}).status_code == 400


def test_security_page_needs_login(client):
    response = client.get(SECURITY)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_security_page_posts_need_csrf(acme_user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(acme_user)
    assert strict.post(SECURITY, {"action": "logout_others"}).status_code == 403


# --- the code step ------------------------------------------------------------------------


def test_enrolled_user_must_give_a_code_after_the_password(client, portal, acme_user, password):
    device, _ = enrol(portal)
    portal.post(reverse("logout"))
    response = password_login(client, "acme_user", password)
    assert response.status_code == 302
    response = client.get("/client-portal/invoices/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    # Everything but the code page and logout is held back.
    assert client.get("/accounts/password_change/").status_code == 302
    response = client.post(
        VERIFY, {"code": code_for(device, 1), "next": "/client-portal/invoices/"}
    )
    assert response.status_code == 302 and response["Location"] == "/client-portal/invoices/"
    assert client.get("/client-portal/invoices/").status_code == 200
    assert SESSION_NEEDS_VERIFICATION not in client.session


def test_a_backup_code_works_once(client, portal, acme_user, password):
    _, codes = enrol(portal)
    portal.post(reverse("logout"))
    password_login(client, "acme_user", password)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 302
    assert client.get("/client-portal/").status_code == 200
    client.post(reverse("logout"))
    password_login(client, "acme_user", password)
    response = client.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 200 and response.context["form"].errors
    assert StaticToken.objects.filter(device__user=acme_user).count() == 9


def test_a_wrong_code_is_refused_throttled_and_audited(client, portal, acme_user, password):
    device, _ = enrol(portal)
    portal.post(reverse("logout"))
    password_login(client, "acme_user", password)
    response = client.post(VERIFY, {"code": "123456"})
    assert response.status_code == 200 and response.context["form"].errors
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Throttled: even the right code is refused right after a wrong one.
    assert client.post(VERIFY, {"code": code_for(device, 1)}).status_code == 200
    assert client.get("/client-portal/").status_code == 302
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TWO_FACTOR_FAILED).count() == 2
    wait_out_throttle(acme_user)
    assert client.post(VERIFY, {"code": code_for(device, 1)}).status_code == 302
    assert client.get("/client-portal/").status_code == 200


@pytest.fixture
def code_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return settings.AXES_FAILURE_LIMIT


def test_wrong_codes_lock_out_like_wrong_passwords(client, portal, acme_user, password, code_limit):
    device, _ = enrol(portal)
    portal.post(reverse("logout"))
    second = type(client)()  # another session past the password, from the same address
    assert password_login(second, "acme_user", password).status_code == 302
    password_login(client, "acme_user", password)
    for _ in range(code_limit - 1):
        assert client.post(VERIFY, {"code": "123456"}).status_code == 200
    response = client.post(VERIFY, {"code": "123456"})
    # The limit: the lockout page, and the half-logged-in session is over.
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED_OUT).count() == 1
    # The password is refused from that address until the cool-off, even the right one,
    # and so is the code page of a session that reached it before the limit.
    assert password_login(client, "acme_user", password).status_code == 429
    wait_out_throttle(acme_user)
    assert second.post(VERIFY, {"code": code_for(device, 1)}).status_code == 429
    assert "_auth_user_id" not in second.session
    other = type(client)()
    assert password_login(other, "acme_user", password, ip="203.0.113.50").status_code == 302
    assert other.post(VERIFY, {"code": "123456"}, REMOTE_ADDR="203.0.113.50").status_code == 200
    wait_out_throttle(acme_user)
    right = code_for(device, 1)
    assert client.post(VERIFY, {"code": right}).status_code == 302  # logged out: to login
    assert "_auth_user_id" not in client.session


def test_a_right_password_does_not_clear_the_code_failures(
    client, portal, acme_user, password, code_limit
):
    enrol(portal)
    portal.post(reverse("logout"))
    password_login(client, "acme_user", password)
    for _ in range(code_limit - 1):
        assert client.post(VERIFY, {"code": "123456"}).status_code == 200
    client.post(reverse("logout"))
    # Logging in again with the password would otherwise start the count from zero.
    assert password_login(client, "acme_user", password).status_code == 302
    assert client.post(VERIFY, {"code": "123456"}).status_code == 429


def test_a_right_code_clears_the_failures(client, portal, acme_user, password, code_limit):
    device, _ = enrol(portal)
    portal.post(reverse("logout"))
    password_login(client, "acme_user", password)
    for _ in range(code_limit - 1):
        assert client.post(VERIFY, {"code": "123456"}).status_code == 200
    wait_out_throttle(acme_user)
    assert client.post(VERIFY, {"code": code_for(device, 1)}).status_code == 302
    client.post(reverse("logout"))
    password_login(client, "acme_user", password)
    for _ in range(code_limit - 1):
        assert client.post(VERIFY, {"code": "123456"}).status_code == 200


def test_users_without_two_factor_still_clear_their_failures_by_logging_in(
    client, acme_user, password, code_limit
):
    for _ in range(code_limit - 1):
        assert password_login(client, "acme_user", "wrong").status_code == 200
    assert password_login(client, "acme_user", password).status_code == 302
    client.post(reverse("logout"))
    for _ in range(code_limit - 1):
        assert password_login(client, "acme_user", "wrong").status_code == 200
    assert password_login(client, "acme_user", password).status_code == 302


def test_the_next_parameter_cannot_leave_the_site(client, portal, password):
    device, _ = enrol(portal)
    portal.post(reverse("logout"))
    password_login(client, "acme_user", password)
    response = client.post(VERIFY, {"code": code_for(device, 1), "next": "https://evil.example/"})
    assert response["Location"] == "/client-portal/"


def test_verify_page_without_a_device_passes_through(portal):
    assert portal.get(VERIFY)["Location"] == "/client-portal/"


# --- disable and regenerate ---------------------------------------------------------------


def test_disable_needs_a_code(portal, acme_user):
    device, _ = enrol(portal)
    assert portal.post(SECURITY, {"action": "disable", "code": "nope"}).status_code == 400
    assert TOTPDevice.objects.filter(user=acme_user).exists()
    wait_out_throttle(acme_user)
    response = portal.post(SECURITY, {"action": "disable", "code": code_for(device, 1)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=acme_user).exists()
    assert not StaticDevice.objects.filter(user=acme_user).exists()


def test_regenerate_replaces_the_backup_codes(portal, acme_user):
    _, old = enrol(portal)
    response = portal.post(SECURITY, {"action": "regenerate", "code": old[0]})
    new = response.context["backup_codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)


# --- Client.require_2fa -------------------------------------------------------------------


def test_require_2fa_sends_unenrolled_users_to_the_security_page(portal, acme):
    acme.require_2fa = True
    acme.save()
    response = portal.get("/client-portal/invoices/")
    assert response.status_code == 302 and response["Location"] == SECURITY
    assert portal.get(SECURITY).status_code == 200
    enrol(portal)
    assert portal.get("/client-portal/invoices/").status_code == 200


def test_require_2fa_of_another_client_does_not_apply(portal, globex):
    globex.require_2fa = True
    globex.save()
    assert portal.get("/client-portal/invoices/").status_code == 200


# --- the admin ----------------------------------------------------------------------------


def test_superuser_without_2fa_is_sent_to_enrol_when_required(client, admin_user, settings):
    settings.ADMIN_REQUIRE_2FA = True
    client.force_login(admin_user)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("two_factor_setup")
    assert client.get("/admin/invoicing/invoice/").status_code == 302
    response = client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=admin_user)
    client.post(reverse("two_factor_setup"), {"action": "confirm", "code": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_superuser_reaches_the_admin_without_2fa_when_not_required(client, admin_user, settings):
    settings.ADMIN_REQUIRE_2FA = False
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200


def test_staff_are_not_held_by_the_superuser_rule(client, staff_user, settings):
    settings.ADMIN_REQUIRE_2FA = True
    client.force_login(staff_user)
    assert client.get("/admin/").status_code == 200


def test_admin_resets_a_users_two_factor(admin_client, admin_user, portal, acme_user):
    enrol(portal)
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [acme_user.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=acme_user).exists()
    assert not StaticDevice.objects.filter(user=acme_user).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.TWO_FACTOR_RESET)
    assert event.actor == admin_user and event.object_id == str(acme_user.pk)


def test_only_admins_can_reset(client, staff_user, acme_user):
    TOTPDevice.objects.create(user=acme_user, confirmed=True)
    client.force_login(staff_user)
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [acme_user.pk]},
    )
    assert TOTPDevice.objects.filter(user=acme_user).exists()


def test_otp_device_admins_are_not_registered():
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)


def test_enrolling_logs_out_the_users_other_sessions(portal, acme_user):
    from django.test import Client

    other = Client()
    other.force_login(acme_user)
    enrol(portal)
    assert other.get("/client-portal/").status_code == 302
    assert portal.get("/client-portal/").status_code == 200
