"""Write cost of the hour-rollup triggers (issue 12, item 6).

``python -m bench.writecost --database-url postgres://…/wt_perf_l`` creates 1,000 time
entries one by one through the ORM (``save()``, one INSERT each, as the services and the
admin do) and bulk-inserts 100,000 (``bulk_create``, batches of 5,000), each with the
rollup triggers installed and without them (single inserts: the best of --rounds
alternating runs), inside transactions that are rolled back: the
dataset is left as it was. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time


class _Rollback(Exception):
    pass


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--single", type=int, default=1000)
    parser.add_argument("--bulk", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating single-insert runs")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DEBUG", "True")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timetracker.settings.base")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction

    from clients.models import Project
    from tracking import rollups
    from tracking.models import TimeEntry

    project = Project.objects.order_by("pk").first()
    user = TimeEntry.objects.filter(project=project).values_list("user_id", flat=True).first()
    base = dt.datetime(2020, 1, 1, 8, tzinfo=dt.UTC)

    def entry(n):
        start = base + dt.timedelta(minutes=7 * n)
        return TimeEntry(
            project=project,
            client_id=project.client_id,
            user_id=user,
            start_time=start,
            end_time=start + dt.timedelta(minutes=30),
            notes="writecost",
        )

    def single():
        for n in range(args.single):
            entry(n).save()

    def bulk():
        objs = [entry(n) for n in range(args.bulk)]
        for obj in objs:
            obj.sync_duration()
        TimeEntry.objects.bulk_create(objs, batch_size=5000)

    results = {}
    plan = [("single", single)] * args.rounds + [("bulk", bulk)]
    for name, work in plan:
        # Alternating runs, the best of each: a shared machine's noise only slows runs down.
        for triggers in (True, False):
            try:
                with transaction.atomic():
                    if not triggers:
                        rollups.uninstall_triggers(connection)
                    began = time.perf_counter()
                    work()
                    elapsed = time.perf_counter() - began
                    results[name, triggers] = min(elapsed, results.get((name, triggers), elapsed))
                    raise _Rollback
            except _Rollback:
                pass
    print(f"Write cost on {connection.vendor}, TIME_ZONE {settings.TIME_ZONE}:\n")
    print("| work | with triggers | without | overhead |")
    print("|---|---:|---:|---:|")
    for name, label in (
        ("single", f"{args.single:,} single inserts"),
        ("bulk", f"{args.bulk:,} bulk"),
    ):
        on, off = results[name, True], results[name, False]
        print(f"| {label} | {on:.2f} s | {off:.2f} s | {100 * (on - off) / off:+.0f} % |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
