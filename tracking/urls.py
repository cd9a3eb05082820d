"""Timer pages inside the admin (mounted at ``/admin/timer/`` before the admin's own URLs)."""

from django.contrib import admin
from django.urls import path

from . import views

app_name = "timer"

urlpatterns = [
    path("", admin.site.admin_view(views.timer_page), name="page"),
    path("start/", admin.site.admin_view(views.timer_start_view), name="start"),
    path("stop/", admin.site.admin_view(views.timer_stop_view), name="stop"),
]
