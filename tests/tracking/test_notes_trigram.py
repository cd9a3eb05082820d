"""tracking.0006: the trigram index behind the admin's notes search (PostgreSQL only)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL-only")
def test_the_notes_trigram_index_exists_and_answers_icontains():
    from tracking.models import TimeEntry

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'time_entry_notes_trgm'")
        (definition,) = cursor.fetchone()
        assert "gin_trgm_ops" in definition and "upper" in definition.lower()
        # The index expression is the one Django's icontains compares.
        sql, params = (
            TimeEntry.objects.filter(notes__icontains="valve").order_by().query.sql_with_params()
        )
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "time_entry_notes_trgm" in plan
