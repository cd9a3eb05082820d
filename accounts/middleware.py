"""Session lifetime: an idle timeout renewed at most once a minute, and an absolute cap."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
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


def session_touch(request) -> None:
    """The user's session list shows this session as active now (one UPDATE)."""
    from django.utils import timezone

    from .models import UserSession
    from .sessions import user_session_record

    key = request.session.session_key
    updated = UserSession.objects.filter(session_key=key).update(last_activity=timezone.now())
    if not updated and request.user.is_authenticated:
        user_session_record(request=request)  # a session from before tracking began


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
                session_touch(request)
        return response


class TwoFactorMiddleware:
    """Holds back sessions that have not passed the two-factor step (PRODUCT.md §11).

    * A user with a device who logged in with a password only (``SESSION_NEEDS_VERIFICATION``
      set at login) reaches nothing but the code page and logout until a code is accepted.
    * With ``ADMIN_REQUIRE_2FA``, a superuser reaches the admin only from a verified session:
      enrolled → the code page; not enrolled → the enrolment page.

    No query for users without two-factor: the flag lives in the session and
    ``request.user.is_verified()`` (django-otp's OTPMiddleware, placed before this) only
    loads a device the session names. Place after the authentication middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.redirect_if_unverified(request)
        return response or self.get_response(request)

    def redirect_if_unverified(self, request):
        from .two_factor import SESSION_NEEDS_VERIFICATION

        if SESSION_KEY not in request.session:
            return None
        path = request.path_info
        exempt = (reverse("two_factor_verify"), reverse("logout"), settings.STATIC_URL)
        if path.startswith(exempt):
            return None
        user = request.user
        if request.session.get(SESSION_NEEDS_VERIFICATION) and not user.is_verified():
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('two_factor_verify')}?{query}")
        if (
            settings.ADMIN_REQUIRE_2FA
            and path.startswith(reverse("admin:index"))
            and user.is_superuser
            and not user.is_verified()
        ):
            # The code page sends a superuser without a device on to the enrolment page.
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('two_factor_verify')}?{query}")
        return None


class UserLanguageMiddleware:
    """Pages in the logged-in user's saved language (``User.language``).

    Runs after ``LocaleMiddleware`` (which picked the language from the cookie or the browser)
    and ``AuthenticationMiddleware``; a saved language overrides that pick, a blank one keeps
    it. A middleware rather than a login signal setting the cookie: a language changed on
    another device, or by an admin, holds from the next request, and no stale cookie can
    win. The user is loaded by the session anyway, so this costs no query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = getattr(user, "language", "")
            if language and translation.check_for_language(language):
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
