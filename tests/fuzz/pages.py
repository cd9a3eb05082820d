"""Every page to fuzz, read from the URL resolver and the admin site (issue 8, item 2).

Nothing here lists pages by hand: a new URL under one of ``PREFIXES`` is fuzzed as soon as it
is routed. What *is* listed by hand are the query parameters each kind of page reads (those
no form declares) — extra random names are always added on top.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

PREFIXES = ("client-portal/", "admin/", "accounts/", "api/v1/")
PLACEHOLDER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")

PORTAL_PARAMS = ["status", "project_id", "date_from", "date_to", "page"]
REPORT_PARAMS = ["date_from", "date_to", "client", "project", "user", "group_by", "format"]
CHANGELIST_PARAMS = ["q", "o", "p", "all", "e", "_popup", "_to_field", "_changelist_filters"]
AUTOCOMPLETE_PARAMS = ["term", "app_label", "model_name", "field_name", "page"]
API_PARAMS = ["page", "page_size", "cursor", "ordering", "search", "format", "fields"]
ACCOUNT_PARAMS = ["next", "username", "email"]
# Views without a form class that read POST fields by name.
POST_FIELDS = {
    "timer:start": ["project", "notes", "description", "next"],
    "timer:stop": ["next"],
    "logout": ["next"],
    "portal:settings_api": ["name", "expires_in_days", "token_id", "revoke", "create"],
    "portal:project_comment_create": ["body"],
}


@dataclass
class Page:
    route: str  # "admin/clients/project/<path:object_id>/change/"
    name: str  # "admin:clients_project_change"
    callback: object
    placeholders: list[str] = field(default_factory=list)

    @property
    def model_admin(self):
        return getattr(self.callback, "model_admin", None)

    @property
    def area(self) -> str:
        if self.route.startswith("client-portal/"):
            return "portal"
        if self.route.startswith("api/"):
            return "api"
        if self.route.startswith("accounts/"):
            return "accounts"
        return "admin"

    @property
    def view_class(self):
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    def known_params(self) -> list[str]:
        """The GET parameters this page is known to read."""
        names = list(ACCOUNT_PARAMS if self.area == "accounts" else [])
        if self.area == "portal":
            names += PORTAL_PARAMS
        if self.name.startswith("reports:"):
            names += REPORT_PARAMS
        if self.name == "admin:autocomplete":
            names += AUTOCOMPLETE_PARAMS
        if self.area == "api":
            names += API_PARAMS
            filterset = getattr(self.view_class, "filterset_class", None)
            if filterset is not None:
                names += list(filterset.base_filters)
        return names

    def form_fields(self) -> list[str]:
        """POST fields of a non-admin view: its form class's fields, or the known names."""
        form_class = getattr(self.view_class, "form_class", None)
        names = list(POST_FIELDS.get(self.name, []))
        if form_class is not None:
            names += list(form_class.base_fields)
        return names


NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def _route_of(pattern) -> str | None:
    """A ``path()`` route as written; a simple regex (the API router's, the admin's app
    index) as the same ``<name>`` form; ``None`` for regexes we cannot fill in (format
    suffixes)."""
    if isinstance(pattern, RoutePattern):
        return str(pattern)
    if isinstance(pattern, RegexPattern):
        route = NAMED_GROUP.sub(lambda m: f"<{m['name']}>", str(pattern)).lstrip("^").rstrip("$")
        return None if re.search(r"[\\()?*+\[\]$^|]", route) else route
    return None


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        part = _route_of(pattern.pattern)
        if part is None:
            continue
        route = prefix + part
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else route
            yield route, name, pattern.callback


def pages() -> list[Page]:
    """Every routed page under ``PREFIXES`` (one entry per route)."""
    found, seen = [], set()
    for route, name, callback in _walk(get_resolver().url_patterns):
        if not route.startswith(PREFIXES) or route in seen:
            continue
        seen.add(route)
        placeholders = [m["name"] for m in PLACEHOLDER.finditer(route)]
        found.append(Page(route, name, callback, placeholders))
    return found


def registered_models():
    return list(admin.site._registry)
