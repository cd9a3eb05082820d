"""Write cost of the hour-rollup triggers (issue 12, item 6).

``python -m bench.writecost --database-url postgres://…/bench_perf_l`` measures, each with
the rollup triggers and without them, inside transactions that are rolled back (the dataset
is left as it was):

* **service**: 1,000 time entries created through ``tracking.services`` — ``timer_start``
  then ``timer_stop`` (an INSERT of a running entry, then the UPDATE that finishes it, each
  in its own savepoint as in a request), by one staff user over the active projects in turn;
* **ORM**: 1,000 ``TimeEntry.save()`` calls (one INSERT each, as the admin and the API write),
  spread over the projects and two years of days as real entries are, and the same
  1,000 on one project 7 minutes apart (the pattern of the first measurement: the same
  rollup row updated ~200 times in one transaction);
* **bulk**: 100,000 entries by ``bulk_create`` (batches of 5,000), spread as above.

Single-entry work alternates with and without for ``--rounds`` rounds (after ``--warmup``)
and reports the best
and the median (a shared machine's noise only slows runs down), plus the CPU time the
database backend spent (``/proc/<pid>/schedstat``, when the server runs on this machine:
far less sensitive to the machine's load than wall time). "Without" disables the triggers
with ``ALTER TABLE … DISABLE TRIGGER`` inside the transaction: it blocks other writers of
the table until the rollback, never its readers. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from pathlib import Path


class _Rollback(Exception):
    pass


TRIGGERS = ("tracking_rollup_insert", "tracking_rollup_update", "tracking_rollup_delete")


def _backend_cpu(pid) -> float | None:
    """Seconds on CPU of the database backend ``pid``, if it runs on this machine."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--single", type=int, default=1000)
    parser.add_argument("--bulk", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="alternating single-entry runs")
    parser.add_argument(
        "--warmup", type=int, default=1, help="rounds run first and not counted (cold caches)"
    )
    parser.add_argument("--no-bulk", action="store_true")
    parser.add_argument(
        "--variants",
        default="installed,off",
        help="comma-separated, compared with 'off' (no triggers): 'installed' (the triggers"
        " as the database has them), 'day' / 'three' / 'all' (this code's trigger function"
        " for the two day rollups / those and the person-month one (tracking.0007) / all"
        " four (tracking.0009), swapped in inside the transaction)",
    )
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DEBUG", "True")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timetracker.settings.base")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from clients.models import Project
    from tracking import rollups, services
    from tracking.models import TimeEntry

    projects = list(Project.objects.order_by("pk"))
    active = [p for p in projects if p.status == Project.Status.ACTIVE]
    user_id = TimeEntry.objects.values_list("user_id", flat=True).first()
    base = dt.datetime(2025, 1, 1, 8, tzinfo=dt.UTC)

    def spread(n):
        # Pseudo-random project and day (of ~700), as the seeded entries are spread.
        project = projects[(n * 7919) % len(projects)]
        start = base + dt.timedelta(days=(n * 104729) % 700, hours=n % 9)
        return project, start

    def entry(project, start, minutes=30):
        return TimeEntry(
            project=project,
            client_id=project.client_id,
            user_id=user_id,
            start_time=start,
            end_time=start + dt.timedelta(minutes=minutes),
            notes="writecost",
        )

    def orm_spread():
        for n in range(args.single):
            entry(*spread(n)).save()

    def orm_one_project():
        for n in range(args.single):
            entry(projects[0], base + dt.timedelta(minutes=7 * n)).save()

    def service():
        user = get_user_model().objects.create_user(
            username="writecost", password=None, is_staff=True, is_superuser=True
        )
        for n in range(args.single):
            services.timer_start(user=user, project=active[n % len(active)], notes="writecost")
            services.timer_stop(user=user)

    def bulk():
        objs = []
        for n in range(args.bulk):
            obj = entry(*spread(n))
            obj.sync_duration()
            objs.append(obj)
        TimeEntry.objects.bulk_create(objs, batch_size=5000)

    pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
    variants = args.variants.split(",")
    if "off" not in variants:
        variants.append("off")
    functions = {"day": rollups.DAY_ROLLUPS, "three": rollups.ROLLUPS_0007, "all": rollups.ROLLUPS}

    def measure(work, variant: str) -> tuple[float, float | None]:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                if variant == "off":
                    for name in TRIGGERS:
                        cursor.execute(f"ALTER TABLE tracking_timeentry DISABLE TRIGGER {name}")
                elif variant in functions:
                    # Only the function: no trigger is dropped, so readers never wait.
                    cursor.execute(rollups.pg_function_sql(settings.TIME_ZONE, functions[variant]))
                cpu = _backend_cpu(pid)
                began = time.perf_counter()
                work()
                elapsed = time.perf_counter() - began
                after = _backend_cpu(pid)
                raise _Rollback((elapsed, None if cpu is None else after - cpu))
        except _Rollback as done:
            return done.args[0]

    singles = [
        ("service", f"{args.single:,} entries through the service (timer start + stop)", service),
        ("orm", f"{args.single:,} ORM inserts, spread over projects and days", orm_spread),
        ("orm1", f"{args.single:,} ORM inserts, one project 7 min apart", orm_one_project),
    ]
    results: dict[tuple[str, str], list] = {}
    for round_ in range(args.warmup + args.rounds):
        for name, _label, work in singles:
            for variant in variants:
                result = measure(work, variant)
                if round_ >= args.warmup:
                    results.setdefault((name, variant), []).append(result)
    rows = [(label, name) for name, label, _work in singles]
    if not args.no_bulk:
        for variant in variants:
            results[("bulk", variant)] = [measure(bulk, variant)]
        rows.append((f"{args.bulk:,} by `bulk_create` (batches of 5,000), spread", "bulk"))

    load = os.getloadavg()
    print(
        f"Write cost on {connection.vendor}, TIME_ZONE {settings.TIME_ZONE}, load average"
        f" {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end; best (median) of"
        f" {args.rounds} alternating rounds, bulk one run; overhead of the best against 'off';"
        " DB CPU: the database backend's CPU time, best:\n"
    )
    print("| work | " + " | ".join(variants) + " | DB CPU " + " / ".join(variants) + " |")
    print("|---|" + "---:|" * (len(variants) + 1))
    for label, name in rows:
        best = {v: min(r[0] for r in results[name, v]) for v in variants}
        median = {v: statistics.median(r[0] for r in results[name, v]) for v in variants}
        count = args.bulk if name == "bulk" else args.single
        cells = []
        for v in variants:
            cell = f"{best[v]:.2f} s ({median[v]:.2f})"
            if v != "off":
                extra = best[v] - best["off"]
                cell += f" {100 * extra / best['off']:+.0f} % ({1000 * extra / count:+.3f} ms each)"
            cells.append(cell)
        cpu = "n/a"
        if results[name, variants[0]][0][1] is not None:
            cpu = " / ".join(f"{min(r[1] for r in results[name, v]):.2f} s" for v in variants)
        print(f"| {label} | " + " | ".join(cells) + f" | {cpu} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
