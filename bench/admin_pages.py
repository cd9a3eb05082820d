"""``python -m bench.admin_pages``: server time of every admin change list and of time-entry
searches, in process (Django test client, as the superuser), against a benchmark database.

    DATABASE_URL=postgres://…/bench_l python -m bench.admin_pages [--iterations 5]

Not part of the HTTP run of ``python -m bench``: the admin is for the team, not the clients,
and its budget (issue 12: every change list under 500 ms at L) is checked here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

SEARCHES = {
    # Many matches spread over the whole history: the first page comes from the newest rows.
    "search `design` (many matches)": "design",
    # A term no entry has: the worst case of a walk down the date index.
    "search `zzqqxx` (no match)": "zzqqxx",
    # A few matches, all in the oldest month (see --prepare-rare).
    "search `XQZ-77` (5 old matches)": "XQZ-77",
}
RARE_NOTE = " — dispute XQZ-77"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--username", default="admin")
    parser.add_argument(
        "--prepare-rare",
        action="store_true",
        help=f"append {RARE_NOTE!r} to the notes of the 5 oldest entries (row counts unchanged)",
    )
    parser.add_argument(
        "--rare-rollback",
        action="store_true",
        help="as --prepare-rare, inside a transaction rolled back at the end (for the shared, "
        "read-only benchmark databases)",
    )
    parser.add_argument(
        "--rollback-sql",
        action="append",
        default=[],
        help="with --rare-rollback: SQL run first inside the rolled-back transaction (an index "
        "a migration adds, measured before the benchmark database is migrated)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="measure only the pages whose name contains one of these comma-separated texts",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    # The measurement logs in with force_login: no two-factor step for the superuser here.
    os.environ.setdefault("ADMIN_REQUIRE_2FA", "False")
    import django

    django.setup()
    from django.contrib import admin
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from bench.middleware import QueryCounter
    from tracking.models import TimeEntry

    def prepare_rare():
        oldest = TimeEntry.objects.order_by("start_time", "id").values("pk")[:5]
        rows = TimeEntry.objects.filter(pk__in=oldest).exclude(notes__endswith=RARE_NOTE)
        for entry in rows:
            entry.notes += RARE_NOTE
            entry.save(update_fields=["notes"])

    if args.prepare_rare:
        prepare_rare()
    if args.rare_rollback:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for sql in args.rollback_sql:
                    cursor.execute(sql)
            prepare_rare()
            measure(args, admin, connection, Client, reverse, User, QueryCounter)
            transaction.set_rollback(True)
        return 0
    measure(args, admin, connection, Client, reverse, User, QueryCounter)
    return 0


def measure(args, admin, connection, Client, reverse, User, QueryCounter) -> None:  # noqa: N803
    from django.utils import timezone

    from tracking.models import TimeEntry

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(User.objects.get(username=args.username))
    pages = []
    for model in admin.site._registry:
        opts = model._meta
        pages.append(
            (
                f"{opts.app_label}.{opts.model_name}",
                reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
            )
        )
    entries = reverse("admin:tracking_timeentry_changelist")
    pages.append(("tracking.timeentry page 1000", f"{entries}?p=1000"))
    pages += [(name, f"{entries}?q={term}") for name, term in SEARCHES.items()]
    # The relation filters and the date drill-down (issue 12, item 7).
    entry = TimeEntry.objects.order_by("-start_time", "-id").first()
    if entry is not None:
        year = timezone.localtime(entry.start_time).year
        pages += [
            ("time entries by client", f"{entries}?client__id__exact={entry.client_id}"),
            ("time entries by project", f"{entries}?project__id__exact={entry.project_id}"),
            ("time entries by person", f"{entries}?user__id__exact={entry.user_id}"),
            ("time entries in the newest year", f"{entries}?start_time__year={year}"),
            ("time entries, billable", f"{entries}?billable__exact=1"),
        ]
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| page | median ms | min ms | SQL ms | queries |\n|---|---:|---:|---:|---:|")
    for name, url in pages:
        if not any(part in name for part in args.only.split(",")):
            continue
        client.get(url)
        times, sql = [], []
        for _ in range(args.iterations):
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            sql.append(counter.seconds * 1000)
        status = "" if response.status_code == 200 else f" (HTTP {response.status_code})"
        print(
            f"| {name}{status} | {statistics.median(times):.0f} | {min(times):.0f} | "
            f"{statistics.median(sql):.0f} | {counter.count} |",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
