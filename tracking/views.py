"""The timer in the admin (§4.3): a page to start one, and start/stop endpoints (POST only).

Every view is wrapped in ``admin_site.admin_view`` (see ``tracking/urls.py``), so only active
staff reach it; the project choices and the service both apply the user's scope.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from clients.models import Project

from .forms import TimerStartForm
from .services import NoRunningTimer, timer_start, timer_stop


def _render(request, form, status=200):
    # The running timer comes from the ``running_timer`` context processor (see its docstring).
    context = {
        **admin.site.each_context(request),
        "title": _("Timer"),
        "form": form,
    }
    return TemplateResponse(request, "admin/timer.html", context, status=status)


@require_safe
def timer_page(request):
    return _render(request, TimerStartForm(user=request.user))


@require_POST
def timer_start_view(request):
    project_id = request.POST.get("project", "")
    form = TimerStartForm(request.POST, user=request.user)
    if not form.is_valid():
        if _outside_scope(request.user, project_id):
            # A real project the user may not see: refuse outright, like every admin page.
            raise PermissionDenied
        return _render(request, form, status=400)
    try:
        entry = timer_start(
            user=request.user,
            project=form.cleaned_data["project"],
            notes=form.cleaned_data["notes"],
        )
    except ValidationError as exc:
        # Already running (the partial unique constraint is the real guard) or inactive project.
        for message in exc.messages:
            messages.warning(request, message)
    else:
        messages.success(
            request,
            _("Timer started on %(project)s.") % {"project": entry.project.name},
        )
    return _back(request)


@require_POST
def timer_stop_view(request):
    try:
        entry = timer_stop(user=request.user)
    except NoRunningTimer as exc:
        messages.info(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Timer stopped on %(project)s.") % {"project": entry.project.name},
        )
    return _back(request)


def _outside_scope(user, project_id: str) -> bool:
    if not project_id.isdigit():
        return False
    project = Project.objects.filter(pk=project_id)
    return project.exists() and not project.visible_to(user).exists()


def _back(request):
    """Return to the admin page the button was pressed on, else the timer page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        # Not redirect(): it would take a bare word ("' OR 1=1 --") for a view name and 500.
        return HttpResponseRedirect(target)
    return redirect("timer:page")
