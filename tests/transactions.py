"""Helpers for the property tests of the database triggers.

``rolled_back()``: run a block in a transaction that is always rolled back — every hypothesis
example runs in the same test's transaction, so each one undoes its writes and the next
starts from the fixture's rows. ``truncate(table)``: empty a table the way an operator would.
"""

from contextlib import contextmanager

from django.db import connection, transaction


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def truncate(table: str) -> None:
    """``TRUNCATE … CASCADE`` on PostgreSQL (its ``AFTER TRUNCATE`` triggers fire); SQLite has
    no TRUNCATE, a ``DELETE`` without ``WHERE`` is its equivalent."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses a table with pending (deferred) foreign-key checks.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {table} CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a table name of ours
