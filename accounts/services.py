"""Writes to users that touch several rows or send mail: roles, scope and portal invitations."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .backends import SUBCONTRACTOR_GROUP, subcontractor_default_permissions_q
from .models import ApiToken, User, UserClient
from .signals import api_token_changed


def subcontractor_group() -> Group:
    """The group every subcontractor belongs to, created with the default permissions if absent."""
    group, created = Group.objects.get_or_create(name=SUBCONTRACTOR_GROUP)
    if created:
        group.permissions.set(Permission.objects.filter(subcontractor_default_permissions_q()))
    return group


@transaction.atomic
def user_apply_role(*, user: User, commit: bool = True) -> User:
    """Bring everything that depends on ``user.role`` in line with it: the one place for the
    role rules, used by ``User.objects.create_user`` / ``create_superuser``, the admin's user
    forms and demo seeding.

    * role ``admin`` ⇔ superuser (and staff); subcontractors are staff (they work in the admin);
    * portal access switched off → no portal client;
    * with ``commit`` (a saved user): the fields that changed are saved, subcontractors are in
      the "Subcontractors" group, anyone else loses that group and every client assignment.

    ``commit=False`` only sets the fields, on a user about to be created (the demo's bulk
    writer then adds the group memberships itself).
    """
    before = (user.is_superuser, user.is_staff, user.client_id)
    is_admin = user.role == User.Role.ADMIN
    user.is_superuser = is_admin
    if is_admin or user.role == User.Role.SUBCONTRACTOR:
        user.is_staff = True
    if not user.client_portal_enabled:
        user.client = None
    if not commit:
        return user
    if (user.is_superuser, user.is_staff, user.client_id) != before:
        user.save(update_fields=["is_superuser", "is_staff", "client"])
    if user.role == User.Role.SUBCONTRACTOR:
        user.groups.add(subcontractor_group())
    else:
        UserClient.objects.filter(user=user).delete()
        user.groups.remove(*Group.objects.filter(name=SUBCONTRACTOR_GROUP))
    return user


def user_send_portal_invitation(*, user: User, request) -> None:
    """Email ``user`` a one-time link to set a password and enter the Client Portal.

    The link carries Django's password-reset token: it expires after
    ``PASSWORD_RESET_TIMEOUT`` and stops working once a password is set (the token hashes the
    current password), so nothing secret is stored.
    """
    if not user.is_active:
        raise ValidationError(_("%(user)s is inactive.") % {"user": user.username})
    if not user.is_client_portal_user:
        raise ValidationError(
            _("%(user)s has no portal access: enable it and choose a client first.")
            % {"user": user.username}
        )
    if not user.email:
        raise ValidationError(_("%(user)s has no email address.") % {"user": user.username})
    path = reverse(
        "invitation_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "client": user.client,
        "invitation_url": request.build_absolute_uri(path),
        "expiry_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "support_email": settings.SUPPORT_EMAIL,
    }
    # In the invitee's language (User.language, else LANGUAGE_CODE), not the admin's.
    with translation.override(user.email_language):
        subject = render_to_string("emails/portal_invitation_subject.txt", context)
        send_mail(
            subject=" ".join(subject.split()),
            message=render_to_string("emails/portal_invitation.txt", context),
            from_email=None,
            recipient_list=[user.email],
            html_message=render_to_string("emails/portal_invitation.html", context),
        )


# How often a token's ``last_used_at`` is written: at most once a minute, not every request.
API_TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def api_token_hash(secret: str) -> str:
    """The stored form of a secret: SHA-256 hex (secrets are high-entropy; no salt needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    scope: str,
    expires_at: datetime | None = None,
    actor: User | None = None,
    request=None,
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the plaintext secret (shown once).

    Client portal users (not staff) only ever get read tokens. ``actor`` (default ``user``)
    and ``request`` go to the audit trail, never the secret.
    """
    if not user.is_staff and scope != ApiToken.Scope.READ:
        raise ValidationError({"scope": _("Client users can only create read-only tokens.")})
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        scope=scope,
        expires_at=expires_at,
        prefix=secret[: ApiToken.PREFIX_LENGTH],
        token_hash=api_token_hash(secret),
    )
    token.full_clean()
    token.save()
    api_token_changed.send(
        sender=ApiToken, token=token, event="created", actor=actor or user, request=request
    )
    return token, secret


def api_token_revoke(*, token: ApiToken, actor: User | None = None, request=None) -> ApiToken:
    """Revoke a token for good (idempotent: the first revocation time is kept)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=token.revoked_at
        )
        if revoked:
            api_token_changed.send(
                sender=ApiToken, token=token, event="revoked", actor=actor, request=request
            )
    return token


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The active token whose secret is ``secret``, with its user and their client, or None.

    Candidates are found by prefix and compared by hash in constant time. ``last_used_at``
    is written at most once per ``API_TOKEN_TOUCH_INTERVAL``.
    """
    if not secret or len(secret) > 200:
        return None
    wanted = api_token_hash(secret)
    now = timezone.now()
    candidates = (
        ApiToken.objects.active(at=now)
        .filter(prefix=secret[: ApiToken.PREFIX_LENGTH])
        .select_related("user", "user__client")
    )
    for token in candidates:
        if hmac.compare_digest(token.token_hash, wanted):
            if token.last_used_at is None or now - token.last_used_at >= API_TOKEN_TOUCH_INTERVAL:
                token.last_used_at = now
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            return token
    return None
