"""Who may call the API, and what a token's scope allows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from accounts.models import ApiToken

from .scope import is_client_user, is_internal


def is_write(request, view) -> bool:
    """An unsafe method the view answers; one it does not offer is left to its 405."""
    method = request.method.lower()
    return request.method not in permissions.SAFE_METHODS and hasattr(view, method)


class HasApiAccess(permissions.BasePermission):
    """Internal users and client users of an active client; a read token only reads.

    Anyone else who is logged in (no role, no portal access, an inactive client) → 403.
    """

    message = _("This account has no API access.")

    def has_permission(self, request, view):
        user = request.user
        if not (is_internal(user) or is_client_user(user)):
            return False
        token = request.auth
        if isinstance(token, ApiToken) and is_write(request, view) and not token.allows_writes:
            self.message = _("This token is read-only.")
            return False
        return True


class InternalOnly(permissions.BasePermission):
    """Endpoints for people who work in the admin (timer, reports)."""

    message = _("Only internal users (staff and subcontractors) may use this endpoint.")

    def has_permission(self, request, view):
        return is_internal(request.user)


class ReadOnlyForClientUsers(permissions.BasePermission):
    """Client users read; they never write anything through the API."""

    message = _("Client users have read-only access.")

    def has_permission(self, request, view):
        return not is_write(request, view) or is_internal(request.user)


class OwnEntryOrUnrestricted(permissions.BasePermission):
    """Subcontractors change and delete only their own time entries (as in the admin)."""

    message = _("You can only change or delete your own time entries.")

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        return not user.is_scope_restricted or obj.user_id == user.pk
