"""The fuzz tests' data: the admin isolation world (Acme in the subcontractor's scope, Globex
marked with "globex", "zorblax" or "wilhelmina" everywhere), reused as is."""

from tests.admin.conftest import assert_no_foreign_data, world  # noqa: F401
