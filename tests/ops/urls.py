"""A URLconf for the logging tests: the real one plus a view that logs and one that fails."""

import logging

from django.http import HttpResponse
from django.urls import path

from timetracker.urls import urlpatterns as app_urlpatterns

logger = logging.getLogger("tests.ops")


def logs_a_line(request):
    logger.info("hello from the view")
    return HttpResponse("ok")


def fails(request):
    raise RuntimeError("boom in the view")


urlpatterns = [
    path("ops-test/log", logs_a_line),
    path("ops-test/fail", fails),
    *app_urlpatterns,
]
