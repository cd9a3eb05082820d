"""The time-entry CSV (§9): rows written as they are read, safe to open in a spreadsheet.

The columns never change (the spec lists them): what the client's visibility policy hides
(``clients/visibility.py``) is an empty ``notes`` cell and "Team member" in ``team member``.

200,000 rows in ~2 s (docs/PERFORMANCE.md): the database gives the local date and times and
both durations as text (``timetracker.formatting``'s SQL twins of the Python formatters, so
the values are the same), rows come as plain tuples over a server-side cursor, the cells of
projects and people are worked out once per distinct value, and rows are written by hand
with the csv module's quoting (``csv_cell``), a chunk at a time.
``tests/portal/test_csv_bytes.py`` pins the exact bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db import connections, transaction
from django.db.models import F
from django.utils.translation import pgettext_lazy

from clients.visibility import PortalVisibility
from timetracker.formatting import (
    DecimalHoursText,
    HoursMinutesText,
    LocalDateTimeText,
    LocalTimeText,
)

# Column names in the active language (English: as §9 lists them); the values stay
# machine-readable in every language (ISO dates, 24-hour times, a decimal point).
HEADER = [
    pgettext_lazy("CSV column", "date"),
    pgettext_lazy("CSV column", "start"),
    pgettext_lazy("CSV column", "end"),
    pgettext_lazy("CSV column", "project"),
    pgettext_lazy("CSV column", "team member"),
    pgettext_lazy("CSV column", "duration"),
    pgettext_lazy("CSV column", "hours"),
    pgettext_lazy("CSV column", "billable"),
    pgettext_lazy("CSV column", "notes"),
]
# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_STARTS = frozenset(FORMULA_PREFIXES)
# Rows per fetch from the server-side cursor.
CHUNK_SIZE = 2000
# Rows per chunk handed to the server: one write per chunk, not per row.
ROWS_PER_CHUNK = 1000
YES = pgettext_lazy("CSV value of the billable column", "yes")
NO = pgettext_lazy("CSV value of the billable column", "no")


def neutralise(value: str) -> str:
    """Prefix a would-be formula with ``'`` so spreadsheets show it as text (CWE-1236)."""
    return "'" + value if value and value[0] in _FORMULA_STARTS else value


# Plain values, no model instances; the local start (``YYYY-MM-DD HH:MM``), the end's time
# and both durations already as text.
COLUMNS = (
    LocalDateTimeText("start_time"),
    LocalTimeText("end_time"),
    HoursMinutesText("duration_seconds"),
    DecimalHoursText("duration_seconds"),
    F("billable"),
    F("notes"),
    F("project__name"),
    F("user__username"),
    F("user__first_name"),
    F("user__last_name"),
)


def _all_rows(queryset) -> Iterator[tuple]:
    """Every row of ``queryset`` from one server-side cursor, fetched ``CHUNK_SIZE`` at a time.

    Inside a transaction: on PostgreSQL the cursor is then a plain one that hands rows over
    as the query produces them; outside one, Django declares it ``WITH HOLD`` and the server
    first materialises the whole result (at L the first rows came after 2.6–5 s instead of
    ~0.1 s). Read-only, so no savepoint inside an outer transaction; a client that goes away
    mid-download closes the generator, which ends the transaction.

    PostgreSQL, for this transaction only: ``random_page_cost`` 1.1 (the usual value for
    SSDs and cached tables; the default 4 prices the client's start-time index as random
    reads and had the planner filter the whole table's start-time index instead, reading
    ten times the rows: at L 1.6–2.2 s instead of 2.3–3.0 s for the rows).
    """
    connection = connections[queryset.db]
    with transaction.atomic(using=queryset.db, savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL random_page_cost = 1.1")
        yield from queryset.iterator(chunk_size=CHUNK_SIZE)


def csv_cell(value: str) -> str:
    """``value`` as the csv module's default (``excel``) writer writes a cell of a row.

    Quoted when it holds the delimiter, the quote or a line break, quotes doubled: the
    writer's ``QUOTE_MINIMAL`` rule (``tests/portal/test_csv_bytes.py`` compares the two).
    Writing the rows by hand is a fifth of the csv module's cost for this export, whose
    other cells are digits and punctuation that never need quoting.
    """
    if '"' in value:
        return '"' + value.replace('"', '""') + '"'
    if "," in value or "\n" in value or "\r" in value:
        return '"' + value + '"'
    return value


def time_entry_csv_rows(entries, *, visibility: PortalVisibility) -> Iterator[str]:
    """CSV text for a queryset of finished entries, header first, in chunks of rows.

    One query over a server-side cursor (PostgreSQL) or chunked fetches (SQLite): memory
    stays flat whatever the number of rows. Every cell is neutralised and quoted as the
    csv module would; the date, times and durations never need either.
    """
    header = io.StringIO()
    csv.writer(header).writerow([str(name) for name in HEADER])
    yield header.getvalue()

    billable = (csv_cell(neutralise(str(NO))), csv_cell(neutralise(str(YES))))  # by boolean
    projects: dict[str, str] = {}
    people: dict[tuple[str, str, str], str] = {}
    rows = _all_rows(entries.values_list(*COLUMNS))
    chunk = []
    for start, end, hm, hours, is_billable, notes, project, username, first, last in rows:
        project_cell = projects.get(project)
        if project_cell is None:
            project_cell = projects[project] = csv_cell(neutralise(project))
        person = people.get((username, first, last))
        if person is None:
            # User.display_name from the row's columns: the full name, else the username.
            name = f"{first} {last}".strip() or username
            person = csv_cell(neutralise(visibility.person_name(name)))
            people[username, first, last] = person
        notes = visibility.notes(notes)
        if notes:
            notes = csv_cell(neutralise(notes))
        chunk.append(
            f"{start[:10]},{start[11:]},{end},{project_cell},{person},{hm},{hours},"
            f"{billable[is_billable]},{notes}\r\n"
        )
        if len(chunk) >= ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk.clear()
    if chunk:
        yield "".join(chunk)
