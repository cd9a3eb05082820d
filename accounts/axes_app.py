"""django-axes (login lockouts) under a readable "Security" heading in the admin index.

In its own module: Django picks an app's config from ``apps.py`` only when that module
defines exactly one, so this subclass must not sit beside ``AccountsConfig``.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class SecurityAxesConfig(AxesAppConfig):
    verbose_name = _("Security")
