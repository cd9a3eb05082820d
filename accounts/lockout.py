"""Login throttling with django-axes: per username + IP, and per IP across usernames.

django-axes compares every lockout parameter set with one ``AXES_FAILURE_LIMIT``; a per-IP
limit as low as the per-user one would lock out an office behind one address after a few
typos. This handler gives the IP-only set its own, higher limit (``AXES_IP_FAILURE_LIMIT``),
so one password tried over many usernames (password spraying) is stopped too.

The two-factor code step is throttled like the password (PRODUCT.md §11): a wrong code is
a failed login of that username from that address (``code_step_failed``); at the limit the
half-logged-in session ends and the lockout page answers (``code_step_locked_out``), and the
password is refused too until the cool-off. A right password does not clear the failures of
a user whose code step is still ahead, or alternating passwords and guesses would never
reach the limit; the right code does (``code_step_passed``).
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_parameters, get_lockout_response
from django.conf import settings
from django.contrib.auth import logout
from django.db.models import Sum

from .two_factor import two_factor_enabled

# Set on a request whose login leaves the code step ahead: its failures stay counted.
KEEP_FAILURES = "_timetracker_keep_login_failures"


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

    def user_logged_in(self, sender, request, user, **kwargs):
        if (
            request is not None
            and getattr(user, "otp_device", None) is None
            and two_factor_enabled(user)
        ):
            setattr(request, KEEP_FAILURES, True)
        try:
            return super().user_logged_in(sender, request, user, **kwargs)
        finally:
            if request is not None and hasattr(request, KEEP_FAILURES):
                delattr(request, KEEP_FAILURES)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        if getattr(request, KEEP_FAILURES, False):
            return 0
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


# --- the two-factor code step -----------------------------------------------------------------


def _credentials(user) -> dict:
    return {"username": user.get_username()}


def code_step_locked_out(request, user):
    """The lockout response if the login throttle refuses ``user`` from this address, after
    logging the half-logged-in session out; else None."""
    if not settings.AXES_ENABLED:
        return None
    credentials = _credentials(user)
    if AxesProxyHandler.is_allowed(request, credentials):
        return None
    response = get_lockout_response(request, credentials=credentials)
    logout(request)
    return response


def code_step_failed(request, user) -> None:
    """Count a refused code as a failed login of ``user`` (axes' handler itself, not Django's
    ``user_login_failed`` signal: the code step audits its own failures). Reaching the limit
    sends axes' ``user_locked_out``, which the audit log records."""
    if settings.AXES_ENABLED:
        AxesProxyHandler.user_login_failed(
            sender=code_step_failed, credentials=_credentials(user), request=request
        )


def code_step_passed(request, user) -> None:
    """The code was right: the username's failures are cleared, as a login clears them."""
    if settings.AXES_ENABLED and settings.AXES_RESET_ON_SUCCESS:
        AxesProxyHandler.update_request(request)
        AxesProxyHandler.get_implementation().reset_user_attempts(request, _credentials(user))
