"""REST API v1 views (PRODUCT.md §8).

Every queryset comes from ``api.scope`` (``visible_to`` for internal users, the portal's
``for_client`` scope for client users). A detail lookup outside it is a 404 for client users
and, when the object exists, a 403 for internal users, as in the admin.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.models import ApiToken
from reports.forms import ReportForm
from reports.report import GroupBy, report_build
from tracking.services import timer_running, timer_start, timer_stop

from . import filters, scope, serializers
from .pagination import KnownCountPagination, TimeEntryCursorPagination
from .permissions import InternalOnly, OwnEntryOrUnrestricted, ReadOnlyForClientUsers

ERRORS = {
    400: OpenApiResponse(description="Invalid input: field errors, or `detail`."),
    401: OpenApiResponse(
        serializers.ErrorSerializer, description="No, unknown, expired or revoked token."
    ),
    403: OpenApiResponse(
        serializers.ErrorSerializer, description="Outside your scope or not allowed."
    ),
    404: OpenApiResponse(serializers.ErrorSerializer, description="Not found."),
    429: OpenApiResponse(serializers.ErrorSerializer, description="Rate limit; see Retry-After."),
}


def errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in (401, 403, 429, *codes)}


class ServiceRefused(exceptions.APIException):
    """A domain rule said no (a second running timer, nothing to stop): a 400 with ``detail``."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError and ProtectedError as 400s (never a 500)."""
    if isinstance(exc, DjangoValidationError):
        exc = ServiceRefused(" ".join(exc.messages))
    elif isinstance(exc, ProtectedError):
        exc = ServiceRefused(_("This object is still referenced and cannot be deleted."))
    return drf_exception_handler(exc, context)


class ScopeOnceMixin:
    """Every API view: throttles before permissions, and the scope looked up once per request.

    DRF checks permissions before throttles, so an anonymous caller (or one guessing tokens)
    would get 401s forever and never a 429; here a failed authentication still counts
    against the caller's IP, and the rate limit answers before anything else.
    """

    def initial(self, request, *args, **kwargs):
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(
            request
        )
        request.version, request.versioning_scheme = self.determine_version(
            request, *args, **kwargs
        )
        try:
            self.perform_authentication(request)
        except exceptions.AuthenticationFailed:
            self.check_throttles(request)  # as anonymous: DRF reset the user on failure
            raise
        self.check_throttles(request)
        self.check_permissions(request)
        scope.remember_scope(request.user)


class ScopedViewSetMixin(ScopeOnceMixin):
    """``get_queryset()`` from the scope function; ``get_object()`` with the §8 403/404 rule."""

    scope_function = None
    ordering: tuple[str, ...] = ("-created_at", "-id")
    # Any segment reaches the view, so a malformed id is a JSON 404 like an unknown one.
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return type(self).scope_function(self.request.user).order_by(*self.ordering)

    def get_object(self):
        queryset = self.get_queryset()
        pk = self.kwargs[self.lookup_field]
        if not (pk.isascii() and pk.isdigit()) or len(pk) > 18:
            raise Http404
        try:
            obj = queryset.get(pk=pk)
        except queryset.model.DoesNotExist:
            user = self.request.user
            if scope.is_internal(user) and queryset.model._default_manager.filter(pk=pk).exists():
                raise exceptions.PermissionDenied(_("This object is outside your scope.")) from None
            raise Http404 from None
        self.check_object_permissions(self.request, obj)
        return obj


@extend_schema_view(
    list=extend_schema(
        summary="Clients in your scope",
        responses={200: serializers.ClientSerializer(many=True), **errors(400, 404)},
    ),
    retrieve=extend_schema(
        summary="One client", responses={200: serializers.ClientSerializer, **errors(404)}
    ),
)
class ClientViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ClientSerializer
    scope_function = staticmethod(scope.clients_for)


@extend_schema_view(
    list=extend_schema(
        summary="Projects in your scope",
        responses={200: serializers.ProjectSerializer(many=True), **errors(400, 404)},
    ),
    retrieve=extend_schema(
        summary="One project", responses={200: serializers.ProjectSerializer, **errors(404)}
    ),
)
class ProjectViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ProjectSerializer
    scope_function = staticmethod(scope.projects_for)
    filterset_class = filters.ProjectFilter


@extend_schema_view(
    list=extend_schema(
        summary="Time entries in your scope (cursor pagination)",
        responses={200: serializers.TimeEntrySerializer(many=True), **errors(400, 404)},
    ),
    create=extend_schema(
        summary="Create a time entry for yourself",
        responses={201: serializers.TimeEntrySerializer, **errors(400)},
    ),
    retrieve=extend_schema(
        summary="One time entry", responses={200: serializers.TimeEntrySerializer, **errors(404)}
    ),
    partial_update=extend_schema(
        summary="Change one of your time entries",
        responses={200: serializers.TimeEntrySerializer, **errors(400, 404)},
    ),
    destroy=extend_schema(
        summary="Delete one of your time entries", responses={204: None, **errors(400, 404)}
    ),
)
class TimeEntryViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = serializers.TimeEntrySerializer
    scope_function = staticmethod(scope.time_entries_for)
    filterset_class = filters.TimeEntryFilter
    pagination_class = TimeEntryCursorPagination
    ordering = ("-start_time", "-id")
    # PUT is not offered: changes are partial (PATCH).
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_permissions(self):
        return [*super().get_permissions(), ReadOnlyForClientUsers(), OwnEntryOrUnrestricted()]

    def get_queryset(self):
        return super().get_queryset().select_related("user", "project")

    def perform_destroy(self, instance):
        if instance.invoice_items.exists():
            raise ServiceRefused(_("This entry is billed on an invoice and cannot be deleted."))
        instance.delete()


@extend_schema_view(
    list=extend_schema(
        summary="Invoices in your scope",
        responses={200: serializers.InvoiceSerializer(many=True), **errors(400, 404)},
    ),
    retrieve=extend_schema(
        summary="One invoice with its items and payments",
        responses={200: serializers.InvoiceDetailSerializer, **errors(404)},
    ),
)
class InvoiceViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Read-only in v1: every write method is a 405."""

    scope_function = staticmethod(scope.invoices_for)
    filterset_class = filters.InvoiceFilter
    ordering = ("-issue_date", "-id")
    pagination_class = KnownCountPagination

    def known_count(self) -> int | None:
        """The list's total from the per-status counts (``scope.invoice_count_for``); runs
        after the filters accepted ``status`` and ``client`` (a bad value is a 400 first)."""
        params = self.request.query_params
        client = params.get("client") or None
        return scope.invoice_count_for(
            self.request.user, status=params.get("status") or "all", client=client
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.InvoiceDetailSerializer
        return serializers.InvoiceSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("items", "payments")
        return queryset


class MeView(ScopeOnceMixin, APIView):
    @extend_schema(summary="Who you are", responses={200: serializers.MeSerializer, **errors()})
    def get(self, request):
        token = request.auth if isinstance(request.auth, ApiToken) else None
        return Response(serializers.MeSerializer(request.user, context={"token": token}).data)


class TimerView(ScopeOnceMixin, APIView):
    permission_classes = [*APIView.permission_classes, InternalOnly]

    @extend_schema(
        summary="Your running timer, or null",
        responses={200: serializers.TimeEntrySerializer(allow_null=True), **errors()},
    )
    def get(self, request):
        entry = timer_running(user=request.user)
        if entry is None:
            return Response(None)
        return Response(serializers.TimeEntrySerializer(entry, context={"request": request}).data)


class TimerStartView(ScopeOnceMixin, APIView):
    permission_classes = [*APIView.permission_classes, InternalOnly]

    @extend_schema(
        summary="Start a timer on a project in your scope",
        request=serializers.TimerStartSerializer,
        responses={201: serializers.TimeEntrySerializer, **errors(400)},
    )
    def post(self, request):
        form = serializers.TimerStartSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        try:
            entry = timer_start(
                user=request.user,
                project=form.validated_data["project"],
                notes=form.validated_data["notes"],
            )
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        data = serializers.TimeEntrySerializer(entry, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class TimerStopView(ScopeOnceMixin, APIView):
    permission_classes = [*APIView.permission_classes, InternalOnly]

    @extend_schema(
        summary="Stop your running timer",
        request=None,
        responses={200: serializers.TimeEntrySerializer, **errors(400)},
    )
    def post(self, request):
        entry = timer_stop(user=request.user)
        return Response(serializers.TimeEntrySerializer(entry, context={"request": request}).data)


# The report's labels per grouping, in the order report_build() puts them first in a row.
REPORT_LABELS = {
    GroupBy.CLIENT: ("client",),
    GroupBy.PROJECT: ("client", "project"),
    GroupBy.USER: ("user",),
    GroupBy.DAY: ("day",),
}


class ReportView(ScopeOnceMixin, APIView):
    """The admin report (``reports.report.report_build``): same numbers, same scope."""

    permission_classes = [*APIView.permission_classes, InternalOnly]

    @extend_schema(
        summary="Hours and billable amounts grouped by client, project, user or day",
        parameters=[
            OpenApiParameter(
                "date_from",
                OpenApiTypes.DATE,
                description="YYYY-MM-DD, inclusive; default: first day of this month",
            ),
            OpenApiParameter(
                "date_to",
                OpenApiTypes.DATE,
                description="YYYY-MM-DD, inclusive; default: last day of this month",
            ),
            OpenApiParameter(
                "group_by", str, enum=[g.value for g in GroupBy], description="default: client"
            ),
            OpenApiParameter("client", int, description="A client id in your scope"),
            OpenApiParameter("project", int, description="A project id in your scope"),
            OpenApiParameter("user", int, description="A user id in your scope"),
        ],
        responses={200: serializers.ReportSerializer, **errors(400)},
    )
    def get(self, request):
        params = {key: request.query_params.get(key) for key in request.query_params}
        params.pop("format", None)  # the admin form's CSV switch; the API answers JSON
        form = ReportForm(params, user=request.user)
        if not form.is_valid():
            raise exceptions.ValidationError(form.errors)
        data = form.cleaned_data
        report = report_build(
            user=request.user,
            date_from=data["date_from"],
            date_to=data["date_to"],
            group_by=data["group_by"],
            client=data["client"],
            project=data["project"],
            person=data["user"],
        )
        return Response(report_body(report, data))


def _money(value) -> str:
    # ReportSerializer's DecimalField(decimal_places=2) output; the report already rounded.
    return f"{value:.2f}"


def report_body(report, data: dict) -> dict:
    """``serializers.ReportSerializer`` output (the schema), built directly: a staff report
    has a row per client or project in scope — 2,000 at XL, where DRF's field-by-field
    serializing cost more than the query (``tests/api/test_lists.py`` pins the equality)."""
    labels = REPORT_LABELS[data["group_by"]]
    width = len(labels)

    def figures(row):
        currency, hours, billable_hours, amount = row[width:]
        return {
            "currency": currency,
            "hours": _money(hours),
            "billable_hours": _money(billable_hours),
            "billable_amount": _money(amount),
        }

    return {
        "date_from": data["date_from"].isoformat(),
        "date_to": data["date_to"].isoformat(),
        "group_by": data["group_by"],
        "rows": [
            {
                **{label: str(value) for label, value in zip(labels, row, strict=False)},
                **figures(row),
            }
            for row in report.rows
        ],
        "totals": [figures(row) for row in report.totals],
    }
