"""The site's root page ``/`` (URL name ``home``).

A URLconf of its own so that the root URLconf (``timetracker/urls.py``, the lowest layer)
includes it by name instead of importing the view.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
]
