"""``rolled_back()``: run a block in a transaction that is always rolled back.

For property tests: every hypothesis example runs in the same test's transaction, so each one
undoes its writes and the next starts from the fixture's rows.
"""

from contextlib import contextmanager

from django.db import transaction


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
