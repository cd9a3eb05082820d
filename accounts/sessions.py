"""The sessions a user controls (PRODUCT.md §11): recorded at login, listed, logged out."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.utils import timezone

from .lockout import client_ip_address
from .models import UserSession
from .signals import sessions_revoked

USER_AGENT_MAX = UserSession._meta.get_field("user_agent").max_length


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _ip(request) -> str | None:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_ipv46_address

    value = client_ip_address(request)
    try:
        validate_ipv46_address(value or "")
    except ValidationError:
        return None
    return value


def user_session_record(*, request) -> None:
    """Record (or refresh) the request's session for its user; called at login and when
    ``SessionLifetimeMiddleware`` renews the session."""
    session = request.session
    if session.session_key is None:
        session.save()  # a key now, so the row can name it
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user_id": request.user.pk,
            "ip": _ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX],
            "last_activity": timezone.now(),
        },
    )


def user_sessions_revoke_others(*, request, notify: bool = True) -> int:
    """Log out every session of the request's user except this one; returns how many."""
    user = request.user
    current = request.session.session_key
    others = UserSession.objects.filter(user_id=user.pk).exclude(session_key=current)
    keys = list(others.values_list("session_key", flat=True))
    store = _session_store()
    for key in keys:
        store(session_key=key).delete()
    others.delete()
    if notify:
        sessions_revoked.send(sender=UserSession, user=user, request=request)
    return len(keys)


def on_logged_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.user = user  # login() sets it already; force_login in tests too
        user_session_record(request=request)


def on_logged_out(sender, request, user, **kwargs) -> None:
    # logout() flushes the session after this signal: its key is still the old one here.
    if request is not None and getattr(request, "session", None) is not None:
        key = request.session.session_key
        if key:
            UserSession.objects.filter(session_key=key).delete()
