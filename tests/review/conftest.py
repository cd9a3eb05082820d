"""Reuse the admin's two-tenant world (Acme in scope, Globex outside) for review probes."""

from tests.admin.conftest import staff_client, sub_client, world  # noqa: F401
