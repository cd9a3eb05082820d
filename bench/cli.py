"""``python -m bench``: seed or reuse a dataset, serve it with gunicorn, measure the portal.

Exit status: 0 when the run completed (slow pages, errors and budget misses are in the
report), 1 when the harness itself failed (database unreachable, server did not start).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from bench import dataset, load, report, soak
from bench.pages import Page, api_pages, dashboard_load_pages, load_pages, portal_pages
from bench.server import GunicornServer, ServerError
from bench.webclient import Sample, WebClient

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark every Client Portal page against a seeded dataset.",
    )
    parser.add_argument("--size", choices=["S", "M", "L", "XL"], default="S")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seed", type=int, default=42, help="seed_demo seed (default 42)")
    parser.add_argument("--iterations", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first")
    parser.add_argument("--load-seconds", type=float, default=10.0, help="concurrent run length")
    parser.add_argument("--load-threads", type=int, default=4)
    parser.add_argument(
        "--load-max-requests", type=int, default=5000, help="stop the load run after this many"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--reseed", action="store_true", help="seed again even if reusable")
    parser.add_argument(
        "--pg-server", default=dataset.PG_SERVER, help="PostgreSQL server URL without a db name"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="CI check of the harness: 3 requests per page, 1 warm-up, 2 s of load",
    )
    parser.add_argument(
        "--soak",
        type=float,
        metavar="MINUTES",
        help="instead of the page table: MINUTES of mixed portal and API traffic from "
        f"{soak.SESSIONS} sessions; errors, latency and worker RSS over time (bench/soak.py)",
    )
    parser.add_argument("--output", type=Path, default=report.RESULTS_DIR)
    args = parser.parse_args(argv)
    if args.soak is not None and not 0 < args.soak <= 240:
        parser.error("--soak takes 0 < MINUTES ≤ 240")
    if args.smoke:
        args.iterations, args.warmup = min(args.iterations, 3), min(args.warmup, 1)
        args.load_seconds, args.load_max_requests = min(args.load_seconds, 2.0), 200
    if args.iterations < 1 or args.warmup < 0 or args.load_threads < 1:
        parser.error("--iterations must be ≥ 1, --warmup ≥ 0, --load-threads ≥ 1")
    return args


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except OSError:
        return ""
    commit = out.stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    ).stdout.strip()
    # Uncommitted changes make the commit alone a misleading label.
    return f"{commit}-dirty" if commit and dirty else commit


def _setup_django(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def _forge_session(username: str) -> str:
    """A logged-in session created server-side, as Django's test client does."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User

    user = User.objects.get(username=username)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def measure_pages(
    client: WebClient, pages: list[Page], *, iterations: int, warmup: int
) -> dict[str, list[Sample]]:
    """Warm every page up, then request them round-robin ``iterations`` times."""
    for _ in range(warmup):
        for page in pages:
            client.get(page.path, headers=dict(page.headers))
    samples: dict[str, list[Sample]] = {page.name: [] for page in pages}
    for _ in range(iterations):
        for page in pages:
            samples[page.name].append(client.get(page.path, headers=dict(page.headers)))
    return samples


def run_load(
    client: WebClient, pages: list[Page], *, seconds: float, threads: int, max_requests: int
) -> tuple[list[Sample], float]:
    """Hammer ``pages`` from ``threads`` threads until the time or request budget runs out."""
    run = load.run_load(
        client.base_url,
        [page.path for page in pages],
        seconds=seconds,
        threads=threads,
        max_requests=max_requests,
        headers={"Cookie": load.cookie_header(client.cookies)},
    )
    return run.samples, run.seconds


def measure_load(
    server: GunicornServer, client: WebClient, pages: list[Page], args: argparse.Namespace
) -> dict:
    """One load run on ``pages``: throughput, errors, latency and the CPU each side used."""
    before = server.worker_cpu()
    run = load.run_load(
        client.base_url,
        [page.path for page in pages],
        seconds=args.load_seconds,
        threads=args.load_threads,
        max_requests=args.load_max_requests,
        headers={"Cookie": load.cookie_header(client.cookies)},
    )
    after = server.worker_cpu()
    result = report.load_result(
        run.samples,
        seconds=run.seconds,
        threads=args.load_threads,
        client_cpu_seconds=run.client_cpu_seconds,
        # A worker recycled meanwhile (max_requests) takes its CPU time with it: then no
        # CPU figure rather than one that leaves its requests' share out.
        server_cpu_seconds=(
            sum(after[pid] - before[pid] for pid in after)
            if after.keys() == before.keys()
            else None
        ),
        worker_restarts=len(before.keys() - after.keys()),
    )
    result["paths"] = [page.path for page in pages]
    result["loadavg"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    target = dataset.target_for(db=args.db, size=args.size, pg_server=args.pg_server)
    print(f"bench: size {args.size} on {args.db} ({target.name})", flush=True)
    try:
        dataset.create_database(target, pg_server=args.pg_server)
        _setup_django(target.url)
        facts = dataset.ensure_dataset(target, seed=args.seed, reseed=args.reseed)
        from django.core.management import call_command
        from django.db import connections

        from demo.plan import SIZES, benchmark_login

        call_command("collectstatic", interactive=False, verbosity=0)
        login = benchmark_login(SIZES[args.size])
        pages = portal_pages(username=login.username)
        pages += api_pages(client_username=login.username, internal_username="staff")
        connections.close_all()
    except Exception as exc:  # any failure here is a harness failure
        print(f"bench: could not prepare the dataset: {exc!r}", file=sys.stderr)
        return 1

    server = GunicornServer(
        database_url=target.url,
        workers=args.workers,
        log_path=dataset.DATA_DIR / f"gunicorn-{args.db}-{target.name}.log",
    )
    try:
        server.start()
    except ServerError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    try:
        client = WebClient(server.base_url)
        login_error = client.login(login.username, login.password)
        method = "form"
        if login_error:
            print(f"bench: login form failed ({login_error}); using a server-side session")
            client.set_cookie("sessionid", _forge_session(login.username))
            connections.close_all()
            method = "session"
        if args.soak is not None:
            return _soak(args, server, client, login, pages)
        print(f"bench: measuring {len(pages)} pages × {args.iterations}…", flush=True)
        samples = measure_pages(client, pages, iterations=args.iterations, warmup=args.warmup)
        runs = {"load": dashboard_load_pages(pages), "load_mixed": load_pages(pages)}
        loads = {}
        for key, targets in runs.items():
            print(
                f"bench: load, {args.load_threads} threads for {args.load_seconds:g} s on "
                + ", ".join(page.path for page in targets)
                + "…",
                flush=True,
            )
            loads[key] = measure_load(server, client, targets, args)
        memory = server.worker_memory()
    finally:
        server.stop()

    page_results = [report.page_result(p.name, p.path, samples[p.name]) for p in pages]
    now = dt.datetime.now(dt.UTC)
    result = {
        "meta": {
            "size": args.size,
            "db": args.db,
            "timestamp": now.strftime("%Y-%m-%d %H:%M:%S UTC"),
            "stamp": now.strftime("%Y%m%dT%H%M%SZ"),
            "commit": _git_commit(),
            "seed": args.seed,
            "iterations": args.iterations,
            "warmup": args.warmup,
            "workers": args.workers,
            "smoke": args.smoke,
            "python": sys.version.split()[0],
        },
        "dataset": facts,
        "login": {"username": login.username, "method": method, "error": login_error},
        "pages": page_results,
        **loads,
        "memory": memory,
        "summary": {
            "over_budget": [p["name"] for p in page_results if not p["budget"]["ok"]],
            "pages_with_errors": [p["name"] for p in page_results if p["errors"]],
        },
    }
    json_path, md_path = report.write_results(result, args.output)
    print(report.render_markdown(result))
    for path in (json_path, md_path):
        print(f"bench: wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


def _soak(args, server: GunicornServer, first: WebClient, login, pages: list[Page]) -> int:
    """``--soak MINUTES``: the soak run and its report (the server is stopped by the caller)."""
    sessions = [first]
    for _ in range(soak.SESSIONS - 1):
        client = WebClient(server.base_url)
        error = client.login(login.username, login.password)
        if error:
            client.set_cookie("sessionid", _forge_session(login.username))
        sessions.append(client)
    seconds = args.soak * 60
    print(f"bench: soak, {len(sessions)} sessions for {args.soak:g} min…", flush=True)
    records, memory = soak.run_soak(sessions, pages, seconds=seconds, memory=server.worker_memory)
    bucket = max(10.0, seconds / 20)
    now = dt.datetime.now(dt.UTC)
    result = {
        "meta": {
            "size": args.size,
            "db": args.db,
            "minutes": args.soak,
            "sessions": len(sessions),
            "workers": args.workers,
            "timestamp": now.strftime("%Y-%m-%d %H:%M:%S UTC"),
            "stamp": now.strftime("%Y%m%dT%H%M%SZ"),
            "commit": _git_commit(),
            "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "pages": [p.path for p in pages],
        },
        "soak": soak.soak_result(
            records,
            memory,
            seconds=seconds,
            bucket_seconds=bucket,
            warmup_seconds=min(60, seconds / 5),
        ),
    }
    print(soak.render_markdown(result))
    for path in soak.write(result, args.output):
        print(f"bench: wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0
