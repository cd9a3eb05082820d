from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from timetracker.health import healthz


def favicon(request):
    """Browsers ask for /favicon.ico on any response (a PDF, the API docs): our SVG icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    # Apps are included by name: this package is the lowest layer and imports none of them.
    path("", include("accounts.urls_root")),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/", include("accounts.urls")),
    path("client-portal/", include("portal.urls")),
    path("api/v1/", include("api.urls")),
    # Admin tools live under /admin/ but must come before the admin's catch-all.
    path("admin/timer/", include("tracking.urls")),
    path("admin/reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]
