"""The admin report at a data size (issue 16, item 6): ``/admin/reports/`` per grouping.

``python -m bench.reports_by_person --database-url postgres://…/bench_perf_l`` requests
the report page (Django test client, a superuser, warm: one request first, then the median
of ``--runs``) for one calendar year and for the 365 days up to the newest entry, grouped
by client, project, day and person, and prints total and database time (the sum of every
query's duration) and the query count as Markdown. Read-only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--groups", default="client,project,day,user")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DEBUG", "True")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timetracker.settings.base")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Max
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from tracking.models import TimeEntry

    setup_test_environment()
    admin = get_user_model().objects.filter(is_superuser=True, is_active=True).first()
    browser = Client()
    browser.force_login(admin)
    newest = timezone.localdate(TimeEntry.objects.aggregate(last=Max("start_time"))["last"])
    year = newest.year - (0 if newest.month == 12 and newest.day == 31 else 1)
    ranges = {
        f"{year}-01-01..{year}-12-31": (dt.date(year, 1, 1), dt.date(year, 12, 31)),
        f"365 days to {newest}": (newest - dt.timedelta(days=364), newest),
    }
    durations: list[float] = []

    def timed(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            durations.append(time.perf_counter() - began)

    print("| range | group by | total | database | queries |")
    print("|---|---|---:|---:|---:|")
    for label, (first, last) in ranges.items():
        for group in args.groups.split(","):
            query = {"date_from": f"{first}", "date_to": f"{last}", "group_by": group}
            browser.get("/admin/reports/", query)  # warm
            totals, databases, counts = [], [], []
            for _run in range(args.runs):
                durations.clear()
                began = time.perf_counter()
                with connection.execute_wrapper(timed):
                    response = browser.get("/admin/reports/", query)
                totals.append(time.perf_counter() - began)
                if response.status_code != 200:
                    raise SystemExit(f"{query}: HTTP {response.status_code}")
                databases.append(sum(durations))
                counts.append(len(durations))
            print(
                f"| {label} | {group} | {1000 * statistics.median(totals):,.0f} ms"
                f" | {1000 * statistics.median(databases):,.0f} ms | {max(counts)} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
