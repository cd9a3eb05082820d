"""Login throttling with django-axes: per username + IP, and per IP across usernames.

django-axes compares every lockout parameter set with one ``AXES_FAILURE_LIMIT``; a per-IP
limit as low as the per-user one would lock out an office behind one address after a few
typos. This handler keeps axes' username + IP records and adds a second, higher limit on the
failures of all usernames from one IP (``AXES_IP_FAILURE_LIMIT``), so one password tried
over many usernames (password spraying) is stopped too.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum


class LoginThrottleHandler(AxesDatabaseHandler):
    """axes' database handler with the per-IP limit on top (one query, as before).

    ``get_failures`` is what axes compares with ``AXES_FAILURE_LIMIT`` (both when a login
    fails and before one is tried): the username + IP failures, or the limit itself once
    the IP as a whole has used up ``AXES_IP_FAILURE_LIMIT``. A successful login resets only
    that user's records (axes' own reset, ``AXES_LOCKOUT_PARAMETERS`` = username + IP), so
    an attacker cannot clear the IP's count by logging in to an account of their own.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        same_user = Q(username__isnull=True) if username is None else Q(username=username)
        counts = attempts.aggregate(
            ip=Sum("failures_since_start"),
            user=Sum("failures_since_start", filter=same_user),
        )
        if (counts["ip"] or 0) >= settings.AXES_IP_FAILURE_LIMIT:
            return max(settings.AXES_FAILURE_LIMIT, counts["user"] or 0)
        return counts["user"] or 0


def client_ip_address(request) -> str | None:
    """The address logins are throttled by (``AXES_CLIENT_IP_CALLABLE``).

    Behind the reverse proxy (``TRUSTED_PROXY=true``) every request comes from the proxy, so
    the client is the last address the proxy appended to ``X-Forwarded-For``; earlier
    entries are whatever the client sent and are not trusted. Without a proxy the header is
    ignored: anyone could forge it to dodge the limits.
    """
    if settings.TRUSTED_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")
