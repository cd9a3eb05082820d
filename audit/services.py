"""``audit_record``: the one way an event gets into the trail."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import DatabaseError, connection, transaction

from accounts.lockout import client_ip_address

from .models import AuditEvent

logger = logging.getLogger(__name__)

USER_AGENT_MAX = AuditEvent._meta.get_field("user_agent").max_length


def audit_record(
    *,
    action: str,
    actor=None,
    obj=None,
    client=None,
    request=None,
) -> AuditEvent | None:
    """Write one event: one INSERT, and never an exception into the caller.

    ``actor`` defaults to the request's authenticated user, ``client`` to the object's client
    (``obj.client_id``) or the actor's portal client. IP and user agent come from the request
    (the IP as the login throttle sees it: ``accounts.lockout.client_ip_address``). Nothing
    else of the request is stored: never a password, token or query string.

    A failed insert is logged and swallowed (``None`` is returned): an audit outage must not
    take the portal down. Inside a transaction the insert runs in a savepoint, so a failure
    does not poison the caller's transaction either.
    """
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if client is None:
        client_id = getattr(obj, "client_id", None)
        if client_id is None and actor is not None and actor.is_client_portal_user:
            client_id = actor.client_id
    else:
        client_id = getattr(client, "pk", client)
    event = AuditEvent(
        action=action,
        actor=actor,
        client_id=client_id,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
    )
    if request is not None:
        event.ip = _valid_ip(client_ip_address(request))
        event.user_agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]
    try:
        if connection.in_atomic_block:
            with transaction.atomic():
                event.save(force_insert=True)
        else:
            event.save(force_insert=True)
    except DatabaseError:
        logger.exception("Audit event %s not recorded", action)
        return None
    return event


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        validate_ipv46_address(value)
    except ValidationError:
        return None
    return value
