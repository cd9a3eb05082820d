"""Signals accounts sends for the audit trail (the ``audit`` app listens; accounts never
imports it). Every one carries ``request`` (may be ``None``) and the ``user`` concerned."""

from django.dispatch import Signal

# user, granted (bool), client (the client access was granted to or taken from), request
portal_access_changed = Signal()
# user, event ("enrolled" | "disabled" | "reset" | "failed"), actor, request
two_factor_changed = Signal()
# user, request: the user logged out every other session of theirs
sessions_revoked = Signal()
# token, event ("created" | "revoked"), actor (who did it; may be None), request
api_token_changed = Signal()
