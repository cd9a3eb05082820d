"""``/api/v1/``: the router's viewsets, the single endpoints, the schema and its docs."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.urls import path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter(trailing_slash=True)
router.register("clients", views.ClientViewSet, basename="client")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("time-entries", views.TimeEntryViewSet, basename="time_entry")
router.register("invoices", views.InvoiceViewSet, basename="invoice")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("timer/", views.TimerView.as_view(), name="timer"),
    path("timer/start/", views.TimerStartView.as_view(), name="timer_start"),
    path("timer/stop/", views.TimerStopView.as_view(), name="timer_stop"),
    path("reports/", views.ReportView.as_view(), name="reports"),
    *router.urls,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script from a URL: no inline script for the CSP.
    # Swagger UI injects <style> elements at run time (no nonce possible): on this page only,
    # inline styles are allowed. Scripts stay 'self' (the split view serves its init script).
    path(
        "docs/",
        csp_replace({"style-src": [SELF, UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    path("docs/redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
