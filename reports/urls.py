"""Mounted at ``/admin/reports/`` before the admin's own URLs; admin_view keeps it staff-only."""

from django.contrib import admin
from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", admin.site.admin_view(views.report_view), name="index"),
    path("people/", admin.site.admin_view(views.people_view), name="people"),
]
