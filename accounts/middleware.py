"""Session lifetime: an idle timeout renewed at most once a minute, and an absolute cap."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.utils.translation import gettext as _

LOGIN_TIME_KEY = "_auth_login_time"
REFRESH_TIME_KEY = "_session_refreshed"


def session_stamp_login(session) -> None:
    """Record now as the session's login time (the start of its SESSION_MAX_AGE)."""
    now = int(time.time())
    session[LOGIN_TIME_KEY] = now
    session[REFRESH_TIME_KEY] = now


def stamp_login_on_signal(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: every login (the form, ``force_login``, a re-login of
    the same user) restarts the absolute lifetime. Connected in ``AccountsConfig.ready``."""
    if request is not None and hasattr(request, "session"):
        session_stamp_login(request.session)


class SessionLifetimeMiddleware:
    """Ends sessions ``SESSION_MAX_AGE`` seconds after login, however busy, and renews the
    idle timeout (``SESSION_COOKIE_AGE``) at most every ``SESSION_REFRESH_INTERVAL`` seconds.

    Renewing on every request (``SESSION_SAVE_EVERY_REQUEST``) would cost a database write
    on every page; renewing once a minute keeps the idle timeout accurate to a minute for
    a fraction of the writes. Place after the session, authentication and message
    middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        # Checking the session key (not request.user) avoids loading the user for nothing.
        if SESSION_KEY in session:
            login_time = session.get(LOGIN_TIME_KEY)
            if login_time is not None and time.time() - login_time > settings.SESSION_MAX_AGE:
                logout(request)
                messages.info(request, _("Your session has expired. Please log in again."))
        response = self.get_response(request)
        session = request.session  # login() and logout() may have replaced it
        if SESSION_KEY in session:
            now = int(time.time())
            if LOGIN_TIME_KEY not in session:
                # A session from before this middleware: start its clock now.
                session_stamp_login(session)
            elif now - session.get(REFRESH_TIME_KEY, 0) >= settings.SESSION_REFRESH_INTERVAL:
                session[REFRESH_TIME_KEY] = now  # marks it modified: saved with a new expiry
        return response
