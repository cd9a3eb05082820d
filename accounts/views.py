"""Login, logout and the landing redirect; the rest of auth is Django's views with our templates."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, resolve_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe
from django.views.generic import FormView, TemplateView

from .forms import TwoFactorCodeForm
from .lockout import code_step_failed, code_step_locked_out, code_step_passed
from .models import UserSession
from .sessions import user_session_record, user_sessions_revoke_others
from .two_factor import (
    SESSION_NEEDS_VERIFICATION,
    backup_codes_left,
    backup_codes_regenerate,
    manual_key,
    totp_qr_svg,
    two_factor_begin,
    two_factor_confirm,
    two_factor_disable,
    two_factor_enabled,
    two_factor_verify,
)


def landing_url(user) -> str:
    """Where a user works: the portal for client users, the admin for staff."""
    if user.is_client_portal_user:
        return resolve_url("portal:dashboard")
    if user.is_staff:
        return resolve_url("admin:index")
    # Neither: the portal explains that the account has no access and whom to ask.
    return resolve_url("portal:dashboard")


@require_safe
def home(request):
    """Send each kind of user to where they work."""
    if not request.user.is_authenticated:
        return redirect_to_login("/")
    return redirect(landing_url(request.user))


class LoginView(auth_views.LoginView):
    """Django's login; without ``next`` it lands each user where they work."""

    def get_default_redirect_url(self):
        return landing_url(self.request.user)


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST only) that confirms it on the login page."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have been logged out."))
        return response


@require_POST
def language_set(request):
    """The language switcher: ``language`` (a code from ``LANGUAGES`` or blank for the
    browser's) saved on the logged-in user and in the language cookie, then back to ``next``.

    Like Django's ``set_language``, plus ``User.language`` so emails follow the choice. Only
    the requesting user's own row is written (one UPDATE of one column). CSRF-protected (a
    POST form). An unknown code is a 400.
    """
    code = request.POST.get("language", "")
    known = {code for code, _name in settings.LANGUAGES}
    if code and code not in known:
        return HttpResponseBadRequest(_("Unknown language."))
    if request.user.is_authenticated:
        get_user_model().objects.filter(pk=request.user.pk).update(language=code)
        request.user.language = code
    default = landing_url(request.user) if request.user.is_authenticated else "/"
    response = HttpResponseRedirect(safe_next(request, default))
    if code:
        translation.activate(code)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
        )
    return response


def safe_next(request, default: str) -> str:
    """The ``next`` parameter if it points to this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


class TwoFactorVerifyView(FormView):
    """The code step after the password (``/accounts/login/verify/``)."""

    template_name = "registration/two_factor_verify.html"
    form_class = TwoFactorCodeForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.is_verified():
            return HttpResponseRedirect(safe_next(request, landing_url(user)))
        if not two_factor_enabled(user):
            request.session.pop(SESSION_NEEDS_VERIFICATION, None)
            if user.is_superuser and settings.ADMIN_REQUIRE_2FA:
                messages.info(request, _("Set up two-factor login to use the admin."))
                return redirect("two_factor_setup")
            return HttpResponseRedirect(safe_next(request, landing_url(user)))
        locked_out = code_step_locked_out(request, user)
        if locked_out is not None:
            return locked_out
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        request = self.request
        user = request.user
        if not two_factor_verify(request=request, user=user, token=form.cleaned_data["code"]):
            code_step_failed(request, user)
            locked_out = code_step_locked_out(request, user)
            if locked_out is not None:
                return locked_out
            form.add_error("code", _("That code is not valid (or came too fast). Try again."))
            return self.form_invalid(form)
        code_step_passed(request, user)
        return HttpResponseRedirect(safe_next(request, landing_url(user)))

    def get_context_data(self, **kwargs):
        kwargs.setdefault("next", safe_next(self.request, ""))
        return super().get_context_data(**kwargs)


class SecuritySettingsView(TemplateView):
    """Two-factor enrolment, backup codes and sessions of the logged-in user (§11).

    POST ``action``: ``confirm`` (first code of a new authenticator), ``disable`` and
    ``regenerate`` (both need a current code), ``logout_others``. Backup codes appear once,
    in the response to ``confirm`` or ``regenerate``.
    """

    template_name = "registration/two_factor_setup.html"
    http_method_names = ["get", "head", "post"]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        user = request.user
        form = TwoFactorCodeForm(request.POST)
        if action == "logout_others":
            count = user_sessions_revoke_others(request=request)
            messages.success(
                request,
                ngettext(
                    "Logged out %(n)d other session.", "Logged out %(n)d other sessions.", count
                )
                % {"n": count},
            )
            return redirect(request.path)
        if action not in ("confirm", "disable", "regenerate"):
            return HttpResponseBadRequest()
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        code = form.cleaned_data["code"]
        if action == "confirm":
            device = two_factor_begin(user=user)
            codes = two_factor_confirm(request=request, device=device, token=code)
            if codes is None:
                form.add_error("code", _("That code is not valid. Check the time on your phone."))
                return self.render_to_response(self.get_context_data(form=form), status=400)
            messages.success(request, _("Two-factor login is on."))
            return self.render_to_response(self.get_context_data(backup_codes=codes))
        if not two_factor_enabled(user):
            return redirect(request.path)
        if not two_factor_verify(request=request, user=user, token=code):
            form.add_error("code", _("That code is not valid (or came too fast). Try again."))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if action == "disable":
            two_factor_disable(request=request, user=user)
            messages.success(request, _("Two-factor login is off."))
            return redirect(request.path)
        codes = backup_codes_regenerate(user=user)
        messages.success(request, _("New backup codes; the old ones no longer work."))
        return self.render_to_response(self.get_context_data(backup_codes=codes))

    def get_context_data(self, **kwargs):
        user = self.request.user
        enabled = two_factor_enabled(user)
        kwargs.setdefault("form", TwoFactorCodeForm())
        kwargs["two_factor_enabled"] = enabled
        if not enabled:
            device = two_factor_begin(user=user)
            kwargs["qr_svg"] = mark_safe(totp_qr_svg(device))  # noqa: S308 - segno's own SVG
            kwargs["manual_key"] = manual_key(device)
        else:
            kwargs["backup_codes_left"] = backup_codes_left(user)
        kwargs["sessions"] = UserSession.objects.for_user(user).active()
        kwargs["current_session_key"] = self.request.session.session_key
        return super().get_context_data(**kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, which also logs out the user's other sessions.

    Django already invalidates them on their next request (the session hash changes); this
    also removes them from the session store and from the user's session list at once.
    """

    def form_valid(self, form):
        response = super().form_valid(form)  # update_session_auth_hash: a new key for this one
        user_sessions_revoke_others(request=self.request)
        user_session_record(request=self.request)
        return response
