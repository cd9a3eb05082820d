"""Login throttling with django-axes: per username + IP, and per IP across usernames.

django-axes compares every lockout parameter set with one ``AXES_FAILURE_LIMIT``; a per-IP
limit as low as the per-user one would lock out an office behind one address after a few
typos. This handler gives the IP-only set its own, higher limit (``AXES_IP_FAILURE_LIMIT``),
so one password tried over many usernames (password spraying) is stopped too.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_lockout_parameters
from django.conf import settings
from django.db.models import Sum


class LoginThrottleHandler(AxesDatabaseHandler):
    """axes' database handler with one limit per lockout parameter set.

    ``AXES_LOCKOUT_PARAMETERS`` lists username + IP and IP alone. A set that names the
    username counts against ``AXES_FAILURE_LIMIT``; the IP-only set against
    ``AXES_IP_FAILURE_LIMIT``. ``get_failures`` is what axes compares with
    ``AXES_FAILURE_LIMIT`` (when a login fails and before one is tried), so it returns that
    limit once any set has reached its own. A successful login resets only the sets that
    name the username, so an attacker cannot clear the IP's count by logging in to an
    account of their own.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        per_user = 0
        for parameters, attempts in self._attempts_by_parameters(request, credentials):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if "username" in parameters:
                per_user = max(per_user, failures)
            elif failures >= settings.AXES_IP_FAILURE_LIMIT:
                return max(settings.AXES_FAILURE_LIMIT, per_user)
        return per_user

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        count = 0
        for parameters, attempts in self._attempts_by_parameters(request, credentials):
            if "username" in parameters:
                count += attempts.delete()[0]
        return count

    def _attempts_by_parameters(self, request, credentials):
        """(parameter names, attempts within the cool-off) for each lockout parameter set,
        username sets first; axes builds the querysets in the order of the setting."""
        parameter_sets = [
            {p} if isinstance(p, str) else set(p)
            for p in get_lockout_parameters(request, credentials)
        ]
        pairs = zip(parameter_sets, self.get_user_attempts(request, credentials), strict=True)
        return sorted(pairs, key=lambda pair: "username" not in pair[0])


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
