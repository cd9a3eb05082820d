"""Two-factor login (PRODUCT.md §11) with django-otp: one TOTP device and ten backup codes.

* ``two_factor_begin`` gives the user an unconfirmed TOTP device (the QR code's secret);
  ``two_factor_confirm`` confirms it with a first code and issues the backup codes.
* ``two_factor_verify`` checks a code (TOTP or backup) at login and marks the session
  verified (``django_otp.login``). Wrong codes are throttled by django-otp itself: every
  device counts its failures (``throttling_failure_count``) and refuses any code for
  1, 2, 4, 8 … seconds after each (``OTP_*_THROTTLE_FACTOR``), however many sessions try.
* ``two_factor_reset`` (an admin, for a user who lost the phone) removes every device.

Each change sends ``accounts.signals.two_factor_changed`` (the audit trail listens). Codes and
secrets are never logged or sent anywhere.
"""

from __future__ import annotations

import segno
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .signals import two_factor_changed

BACKUP_CODE_COUNT = 10
# Set at login when the user has a confirmed device: the session must pass the code step.
SESSION_NEEDS_VERIFICATION = "_2fa_pending"


def two_factor_enabled(user) -> bool:
    """Whether the user has a confirmed TOTP device (one query)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_begin(*, user) -> TOTPDevice:
    """The user's unconfirmed TOTP device, created on first call; reused until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def totp_qr_svg(device: TOTPDevice) -> str:
    """The device's ``otpauth://`` URL as an inline SVG QR code (no inline style)."""
    qr = segno.make(device.config_url, error="m")
    # A viewBox, not a fixed size, so the stylesheet can fit the code to a phone.
    return qr.svg_inline(
        scale=4, border=2, svgclass="qr-code", lineclass=None, title="QR code", omitsize=True
    )


def manual_key(device: TOTPDevice) -> str:
    """The secret in base32, grouped by four, for typing into an app by hand."""
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def backup_codes_regenerate(*, user) -> list[str]:
    """Replace the user's backup codes with ten new ones; returns them (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": "Backup codes"})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def two_factor_confirm(*, request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm ``device`` with its first code: returns the new backup codes, or ``None``."""
    if device.confirmed or not device.verify_token(_clean(token)):
        return None
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # Only one authenticator: an older confirmed one is replaced by this one.
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        codes = backup_codes_regenerate(user=device.user)
    otp_login(request, device)
    request.session.pop(SESSION_NEEDS_VERIFICATION, None)
    # Sessions logged in without a code must not outlive the switch to two-factor login.
    from .sessions import user_sessions_revoke_others

    user_sessions_revoke_others(request=request, notify=False)
    two_factor_changed.send(
        sender=TOTPDevice, user=device.user, event="enrolled", actor=device.user, request=request
    )
    return codes


def two_factor_verify(*, request, user, token: str) -> bool:
    """Check a TOTP or backup code; on success the session is verified."""
    token = _clean(token)
    if token:
        # Six digits are an app's code, anything else a backup code: only that kind of device
        # is asked, so a backup code does not count as a failure against the authenticator.
        model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
        for device in model.objects.filter(user=user, confirmed=True):
            if device.verify_token(token):
                otp_login(request, device)
                request.session.pop(SESSION_NEEDS_VERIFICATION, None)
                return True
    two_factor_changed.send(
        sender=TOTPDevice, user=user, event="failed", actor=user, request=request
    )
    return False


@transaction.atomic
def _delete_devices(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def two_factor_disable(*, request, user) -> None:
    """The user turns two-factor login off (after proving a code)."""
    _delete_devices(user)
    two_factor_changed.send(
        sender=TOTPDevice, user=user, event="disabled", actor=user, request=request
    )


def two_factor_reset(*, user, actor, request=None) -> None:
    """An admin removes every device of ``user`` (lost phone); they can enrol again."""
    _delete_devices(user)
    two_factor_changed.send(
        sender=TOTPDevice, user=user, event="reset", actor=actor, request=request
    )


def mark_login_pending(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: a user with a device must still pass the code step."""
    if request is None or not hasattr(request, "session"):
        return
    if getattr(user, "otp_device", None) is None and two_factor_enabled(user):
        request.session[SESSION_NEEDS_VERIFICATION] = True


def _clean(token) -> str:
    """Codes as people type them: spaces and dashes dropped, letters lowercased."""
    if not isinstance(token, str):
        return ""
    return "".join(token.split()).replace("-", "").lower()[:16]


def backup_codes_left(user) -> int:
    """How many unused backup codes the user has."""
    return StaticToken.objects.filter(device__user=user).count()
