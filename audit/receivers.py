"""Signal receivers that turn auth, access and 2FA events into audit events."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed

from accounts.signals import (
    api_token_changed,
    portal_access_changed,
    sessions_revoked,
    two_factor_changed,
)

from .models import AuditEvent
from .services import audit_record

Action = AuditEvent.Action

TWO_FACTOR_ACTIONS = {
    "enrolled": Action.TWO_FACTOR_ENROLLED,
    "disabled": Action.TWO_FACTOR_DISABLED,
    "reset": Action.TWO_FACTOR_RESET,
    "failed": Action.TWO_FACTOR_FAILED,
}


def _known_user(username):
    """The account a failed login named, if it exists (never the password)."""
    if not isinstance(username, str) or not username or "\x00" in username:
        return None
    User = get_user_model()
    return User._default_manager.filter(**{User.USERNAME_FIELD: username[:150]}).first()


def on_login(sender, request, user, **kwargs):
    audit_record(action=Action.LOGIN_SUCCEEDED, actor=user, request=request)


def on_login_failed(sender, credentials, request=None, **kwargs):
    # ``credentials`` is already cleansed by Django; only the username is read from it.
    User = get_user_model()
    actor = _known_user(credentials.get(User.USERNAME_FIELD) or credentials.get("username"))
    audit_record(action=Action.LOGIN_FAILED, actor=actor, request=request)


def on_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    audit_record(action=Action.LOCKED_OUT, actor=_known_user(username), request=request)


def on_portal_access_changed(sender, user, granted, client, request=None, **kwargs):
    action = Action.PORTAL_ACCESS_GRANTED if granted else Action.PORTAL_ACCESS_REVOKED
    audit_record(action=action, obj=user, client=client, request=request)


def on_two_factor_changed(sender, user, event, actor=None, request=None, **kwargs):
    audit_record(
        action=TWO_FACTOR_ACTIONS[event],
        actor=actor or user,
        obj=user,
        client=user.client_id if user.is_client_portal_user else None,
        request=request,
    )


def on_sessions_revoked(sender, user, request=None, **kwargs):
    audit_record(action=Action.SESSIONS_REVOKED, actor=user, obj=user, request=request)


def on_api_token_changed(sender, token, event, actor=None, request=None, **kwargs):
    action = Action.TOKEN_CREATED if event == "created" else Action.TOKEN_REVOKED
    owner = token.user
    audit_record(
        action=action,
        actor=actor,
        obj=token,
        client=owner.client_id if owner.is_client_portal_user else None,
        request=request,
    )


def connect() -> None:
    user_logged_in.connect(on_login, dispatch_uid="audit.login")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="audit.locked_out")
    portal_access_changed.connect(on_portal_access_changed, dispatch_uid="audit.portal_access")
    two_factor_changed.connect(on_two_factor_changed, dispatch_uid="audit.two_factor")
    sessions_revoked.connect(on_sessions_revoked, dispatch_uid="audit.sessions_revoked")
    api_token_changed.connect(on_api_token_changed, dispatch_uid="audit.api_token")
