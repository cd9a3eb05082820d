"""The time-entry CSV (§9): rows written as they are read, safe to open in a spreadsheet.

The columns never change (the spec lists them): what the client's visibility policy hides
(``clients/visibility.py``) is an empty ``notes`` cell and "Team member" in ``team member``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import pgettext_lazy

from clients.visibility import PortalVisibility
from timetracker.formatting import format_hm, seconds_to_hours

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
CHUNK_SIZE = 2000
YES = pgettext_lazy("CSV value of the billable column", "yes")
NO = pgettext_lazy("CSV value of the billable column", "no")


def neutralise(value: str) -> str:
    """Prefix a would-be formula with ``'`` so spreadsheets show it as text (CWE-1236)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


class _Echo:
    """A file-like object whose ``write`` returns the line instead of storing it."""

    def write(self, value: str) -> str:
        return value


# Rows per chunk handed to the server: one write per chunk, not per row.
ROWS_PER_CHUNK = 500
# Plain values, no model instances: building 200,000 entries was most of an export's time.
COLUMNS = (
    "start_time",
    "end_time",
    "duration_seconds",
    "billable",
    "notes",
    "project__name",
    "user__username",
    "user__first_name",
    "user__last_name",
)


def time_entry_row(row, visibility: PortalVisibility) -> list[str]:
    """One CSV row from the ``COLUMNS`` of an entry, as ``visibility`` allows."""
    start, end, seconds, billable, notes, project, username, first, last = row
    start = timezone.localtime(start)
    end = timezone.localtime(end)
    return [
        start.date().isoformat(),
        start.strftime("%H:%M"),
        end.strftime("%H:%M"),
        project,
        # User.display_name from the row's columns: the full name, else the username.
        visibility.person_name(f"{first} {last}".strip() or username),
        format_hm(seconds),
        str(seconds_to_hours(seconds)),
        str(YES if billable else NO),
        visibility.notes(notes),
    ]


def time_entry_csv_rows(entries, *, visibility: PortalVisibility) -> Iterator[str]:
    """CSV text for a queryset of finished entries, header first, in chunks of rows.

    One query over a server-side cursor (PostgreSQL) or chunked fetches (SQLite): memory
    stays flat whatever the number of rows.
    """
    writer = csv.writer(_Echo())
    yield writer.writerow([str(name) for name in HEADER])
    rows: Iterable = entries.values_list(*COLUMNS).iterator(chunk_size=CHUNK_SIZE)
    chunk = []
    for row in rows:
        cells = time_entry_row(row, visibility)
        chunk.append(writer.writerow([neutralise(cell) for cell in cells]))
        if len(chunk) >= ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)
