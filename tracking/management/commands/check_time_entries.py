"""``manage.py check_time_entries``: find, correct or delete time entries outside the date
range (a thin wrapper over ``tracking.services``; docs/ADMIN.md, "Time entries outside the
date range")."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from timetracker.dates import DATETIME_MAX, DATETIME_MIN
from tracking import services


def _instant(text: str) -> dt.datetime:
    value = parse_datetime(text)
    if value is None:
        raise CommandError(f"Not a date and time: {text!r} (use e.g. 2024-05-06T09:00).")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)  # read in TIME_ZONE, as the admin does
    return value


def _messages(exc: ValidationError) -> str:
    return "; ".join(exc.messages)


class Command(BaseCommand):
    help = (
        "List time entries whose start, end or duration lie outside "
        f"[{DATETIME_MIN:%Y-%m-%d %H:%M}, {DATETIME_MAX:%Y-%m-%d %H:%M}) UTC, as the database "
        "stores them (exits with status 1 if there are any). With --fix ID --start --end, "
        "give one of them valid times; with --delete ID, delete one that no invoice bills. "
        "--dry-run shows what --fix or --delete would do and changes nothing."
    )

    def add_arguments(self, parser) -> None:
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--fix", type=int, metavar="ID", help="Correct this entry.")
        action.add_argument("--delete", type=int, metavar="ID", help="Delete this entry.")
        parser.add_argument(
            "--start", help="With --fix: the new start (ISO 8601; no offset = TIME_ZONE)."
        )
        parser.add_argument("--end", help="With --fix: the new end (ISO 8601).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Change nothing, say what would change."
        )

    def handle(self, *args, fix=None, delete=None, start=None, end=None, dry_run=False, **opts):
        if fix is None and (start or end):
            raise CommandError("--start and --end go with --fix ID.")
        if fix is not None and not (start and end):
            raise CommandError("--fix needs both --start and --end.")
        if fix is None and delete is None:
            return self.report()
        try:
            with transaction.atomic():
                if fix is not None:
                    start_time, end_time = _instant(start), _instant(end)
                    services.time_entry_correct_range(
                        entry_id=fix, start_time=start_time, end_time=end_time
                    )
                    done = (
                        f"{'Would set' if dry_run else 'Set'} time entry {fix} to "
                        f"{start_time.isoformat()} – {end_time.isoformat()}."
                    )
                else:
                    services.time_entry_delete_out_of_range(entry_id=delete)
                    done = f"{'Would delete' if dry_run else 'Deleted'} time entry {delete}."
                if dry_run:
                    transaction.set_rollback(True)
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        self.stdout.write(self.style.SUCCESS(done))

    def report(self) -> None:
        entries = services.time_entry_find_out_of_range()
        if not entries:
            self.stdout.write(self.style.SUCCESS("No time entry is outside the date range."))
            return
        self.stdout.write("id\tuser\tproject\tstart (UTC, as stored)\tend\tseconds\tinvoiced")
        for e in entries:
            self.stdout.write(
                f"{e.id}\t{e.user_id}\t{e.project_id}\t{e.start_time}\t{e.end_time or '-'}"
                f"\t{'-' if e.duration_seconds is None else e.duration_seconds}"
                f"\t{'yes' if e.invoiced else 'no'}"
            )
        raise CommandError(
            f"{len(entries)} time entries are outside the date range. Correct each one "
            "(--fix ID --start ... --end ...) or delete it (--delete ID; not if invoiced)."
        )
