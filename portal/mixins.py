"""Access to the Client Portal (§3.1): one mixin that every portal view starts from."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import F, Sum, Window
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from clients.models import branding_of
from timetracker.pagination import KnownCountPaginator


class ClientPortalRequiredMixin:
    """Lets in active users with portal access to an active client; read-only.

    Answers in the order of §3.1: anonymous (or inactive, which Django treats as
    anonymous) → login redirect with ``next``; no portal access → 403; inactive client →
    403; otherwise sets ``self.client`` and ``self.portal_data`` (``user.get_client_portal_data()``,
    §2) and serves the page. ``get_queryset()`` starts from ``portal_data[portal_data_key]``
    (else ``model.objects.for_client(self.client)``), so a lookup outside the client's data
    is a 404 by construction. Only GET and HEAD are allowed.

    With a ``filterset_class`` (django-filter) the queryset goes through it: invalid filter
    input renders the page with the form's errors, no rows and no pagination, as a 400.
    """

    http_method_names = ["get", "head"]
    # Which queryset of ``user.get_client_portal_data()`` the view starts from.
    portal_data_key: str = ""
    filterset_class = None
    # The navigation item marked as current: "page" on the item's own page, "true" below it.
    portal_section: str = ""
    nav_current: str = "page"
    # Only the security page is open to users whose client requires 2FA before they enrol.
    allow_without_2fa: bool = False

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.is_client_portal_user:
            return self.forbidden("portal/no_access.html")
        # The auth backend loaded the client with the user: no extra query here.
        if not user.client.is_active:
            return self.forbidden("portal/client_inactive.html")
        self.client = user.client
        self.portal_data = user.get_client_portal_data()
        if self.client.require_2fa and not self.allow_without_2fa and not user.is_verified():
            # A verified session has passed a device's code; the others must enrol first
            # (an enrolled user who has not given a code was stopped by TwoFactorMiddleware).
            return redirect("portal:settings_security")
        return super().dispatch(request, *args, **kwargs)

    def forbidden(self, template_name: str) -> TemplateResponse:
        return TemplateResponse(
            self.request,
            template_name,
            {"support_email": settings.SUPPORT_EMAIL},
            status=403,
        )

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = TemplateResponse(request, "405.html", {"client": self.client}, status=405)
        response["Allow"] = ", ".join(self._allowed_methods())
        return response

    def get_queryset(self):
        if self.portal_data_key:
            queryset = self.portal_data[self.portal_data_key]
        else:
            queryset = self.model.objects.for_client(self.client)
        if self.filterset_class is None:
            return queryset
        self.filterset = self.filterset_class(
            self.request.GET, queryset=queryset, **self.get_filterset_kwargs()
        )
        return self.filterset.qs if self.filterset.is_valid() else queryset.none()

    def get_filterset_kwargs(self) -> dict:
        return {}

    @property
    def filter_is_valid(self) -> bool:
        return self.filterset_class is None or self.filterset.is_valid()

    def get_paginate_by(self, queryset):
        # Invalid filters are a 400 whatever the page number: there is nothing to page.
        return super().get_paginate_by(queryset) if self.filter_is_valid else None

    def render_to_response(self, context, **response_kwargs):
        if not self.filter_is_valid:
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("client", self.client)
        kwargs.setdefault("branding", branding_of(self.client))  # loaded with the user
        kwargs.setdefault("portal_section", self.portal_section)
        kwargs.setdefault("nav_current", self.nav_current)
        kwargs.setdefault("support_email", settings.SUPPORT_EMAIL)
        return super().get_context_data(**kwargs)


class DayWalkPaginator(KnownCountPaginator):
    """Pages of entries ordered newest first, found through their per-day rollup rows.

    ``days`` are the rollup rows (``day``, ``entry_count``) of exactly the paged entries.
    Page N's first row is found by walking the cumulative per-day counts, newest day first,
    to the day holding it (one query over a few hundred rows per year of history). The page's
    ids are then read from that day's end, skipping the earlier rows of that one day, as a
    subquery over indexed columns only (``id``, ``start_time``, ``end_time`` and the
    ``client`` or ``project`` the scope and filter compare): an index-only scan of the
    covering ``(client | project, -start_time, -id)`` index, no table rows, no joins. Only
    the page's own rows are read in full, with their joins. The last page costs about the
    first; the rows are exactly those of ``object_list[bottom:top]``.
    """

    def __init__(self, object_list, per_page, *, days, select_related=(), **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.days = days
        self.select_related = select_related

    def page(self, number):
        from timetracker.dates import local_day_bounds

        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list.none()
        if top > bottom:
            walk = (
                self.days.annotate(through=Window(Sum("entry_count"), order_by=F("day").desc()))
                .filter(through__gt=bottom)
                .order_by("-day")
                .values("day", "through", "entry_count")[:1]
            )
            first = next(iter(walk), None)
            if first is not None:
                skip = bottom - (first["through"] - first["entry_count"])
                rows = self.object_list.filter(start_time__lt=local_day_bounds(first["day"])[1])
                ids = rows.order_by("-start_time", "-id").values("pk")[skip : skip + top - bottom]
                # Still the scoped, filtered queryset: the ids narrow it, never widen it.
                rows = rows.filter(pk__in=ids)
                if self.select_related:
                    rows = rows.select_related(*self.select_related)
        return self._get_page(rows, number, self)
