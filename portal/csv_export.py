"""The time-entry CSV (§9): rows written as they are read, safe to open in a spreadsheet.

The columns never change (the spec lists them): what the client's visibility policy hides
(``clients/visibility.py``) is an empty ``notes`` cell and "Team member" in ``team member``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.utils import timezone

from clients.visibility import PortalVisibility
from timetracker.formatting import format_hm, seconds_to_hours

HEADER = [
    "date",
    "start",
    "end",
    "project",
    "team member",
    "duration",
    "hours",
    "billable",
    "notes",
]
# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000


def neutralise(value: str) -> str:
    """Prefix a would-be formula with ``'`` so spreadsheets show it as text (CWE-1236)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


class _Echo:
    """A file-like object whose ``write`` returns the line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def time_entry_row(entry, visibility: PortalVisibility) -> list[str]:
    start = timezone.localtime(entry.start_time)
    end = timezone.localtime(entry.end_time)
    return [
        start.date().isoformat(),
        start.strftime("%H:%M"),
        end.strftime("%H:%M"),
        entry.project.name,
        visibility.person(entry.user),
        format_hm(entry.duration_seconds),
        str(seconds_to_hours(entry.duration_seconds)),
        "yes" if entry.billable else "no",
        visibility.notes(entry.notes),
    ]


def time_entry_csv_rows(entries, *, visibility: PortalVisibility) -> Iterator[str]:
    """CSV lines for a queryset of finished entries, header first, as ``visibility`` allows.

    One query over a server-side cursor (PostgreSQL) or chunked fetches (SQLite): memory
    stays flat whatever the number of rows.
    """
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    rows: Iterable = (
        entries.select_related("project", "user")
        .only(
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
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for entry in rows:
        yield writer.writerow([neutralise(cell) for cell in time_entry_row(entry, visibility)])
