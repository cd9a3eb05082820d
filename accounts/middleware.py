"""Absolute session lifetime, on top of Django's idle timeout."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.utils.translation import gettext as _

LOGIN_TIME_KEY = "_auth_login_time"


def session_stamp_login(session) -> None:
    """Record now as the session's login time (the start of its SESSION_MAX_AGE)."""
    session[LOGIN_TIME_KEY] = int(time.time())


class SessionMaxAgeMiddleware:
    """Log a user out ``settings.SESSION_MAX_AGE`` seconds after they logged in.

    ``SESSION_COOKIE_AGE`` with ``SESSION_SAVE_EVERY_REQUEST`` ends idle sessions; this ends
    busy ones too, so a stolen session cookie is not valid forever. The login time is
    stamped on the response whose view logged the user in (``login()`` rotates the session
    key unless the same user logs in again, which our LoginView stamps itself), so no
    signal handler is needed. Place after the session, authentication and message
    middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        key_before = session.session_key
        # Checking the session key (not request.user) avoids loading the user for nothing.
        if SESSION_KEY in session:
            login_time = session.get(LOGIN_TIME_KEY)
            if login_time is not None and time.time() - login_time > settings.SESSION_MAX_AGE:
                logout(request)
                messages.info(request, _("Your session has expired. Please log in again."))
        response = self.get_response(request)
        session = request.session  # login() and logout() may have replaced it
        logged_in = SESSION_KEY in session
        if logged_in and (LOGIN_TIME_KEY not in session or session.session_key != key_before):
            session_stamp_login(session)
        return response
