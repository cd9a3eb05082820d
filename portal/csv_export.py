"""The time-entry CSV (§9): rows written as they are read, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import pgettext_lazy

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


def time_entry_row(entry) -> list[str]:
    start = timezone.localtime(entry.start_time)
    end = timezone.localtime(entry.end_time)
    return [
        start.date().isoformat(),
        start.strftime("%H:%M"),
        end.strftime("%H:%M"),
        entry.project.name,
        entry.user.display_name,
        format_hm(entry.duration_seconds),
        str(seconds_to_hours(entry.duration_seconds)),
        str(YES if entry.billable else NO),
        entry.notes,
    ]


def time_entry_csv_rows(entries) -> Iterator[str]:
    """CSV lines for a queryset of finished entries, header first.

    One query over a server-side cursor (PostgreSQL) or chunked fetches (SQLite): memory
    stays flat whatever the number of rows.
    """
    writer = csv.writer(_Echo())
    yield writer.writerow([str(name) for name in HEADER])
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
        yield writer.writerow([neutralise(cell) for cell in time_entry_row(entry)])
