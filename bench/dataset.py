"""The benchmark database: create it, migrate, seed it once per size and seed, reuse it after.

A marker file in ``bench/.data/`` records what was seeded (size, seed, row counts, seed
time); a later run reuses the database when the marker and the live counts agree.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / ".data"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


@dataclass(frozen=True)
class Target:
    """Where a benchmark dataset lives."""

    db: str  # "sqlite" or "postgres"
    size: str
    url: str
    name: str

    @property
    def marker(self) -> Path:
        return DATA_DIR / f"{self.db}-{self.name}.json"


def target_for(*, db: str, size: str, pg_server: str = PG_SERVER) -> Target:
    """The SQLite file ``bench/.data/bench_<size>.sqlite3`` or PostgreSQL db ``bench_<size>``.

    ``BENCH_DB_PREFIX`` (default ``bench``) replaces the ``bench`` prefix, so several
    checkouts sharing one PostgreSQL server keep their datasets apart.
    """
    prefix = os.environ.get("BENCH_DB_PREFIX", "bench")
    name = f"{prefix}_{size.lower()}"
    if db == "sqlite":
        return Target(db, size, f"sqlite:///{DATA_DIR / (name + '.sqlite3')}", name)
    if db == "postgres":
        return Target(db, size, f"{pg_server.rstrip('/')}/{name}", name)
    raise ValueError(f"unknown database kind {db!r}")


def create_database(target: Target, *, pg_server: str = PG_SERVER) -> bool:
    """Create the database if it is missing; True when it was created."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if target.db == "sqlite":
        return not (DATA_DIR / f"{target.name}.sqlite3").exists()
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{pg_server.rstrip('/')}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [target.name]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target.name)))
        return not exists


def dataset_proportions(*, using: str = "default") -> dict[str, float] | None:
    """The benchmark client's share of projects, time entries and invoices (None if absent)."""
    from clients.models import Client, Project
    from demo.plan import BENCH_CLIENT_NAME
    from invoicing.models import Invoice
    from tracking.models import TimeEntry

    bench = Client.objects.using(using).filter(name=BENCH_CLIENT_NAME).first()
    if bench is None:
        return None
    shares = {}
    for key, model in (("projects", Project), ("time_entries", TimeEntry), ("invoices", Invoice)):
        total = model.objects.using(using).count()
        mine = model.objects.using(using).for_client(bench).count()
        shares[key] = mine / total if total else 0.0
    return shares


def _read_marker(target: Target) -> dict | None:
    try:
        return json.loads(target.marker.read_text())
    except (OSError, ValueError):
        return None


def ensure_dataset(target: Target, *, seed: int, reseed: bool = False, log=print) -> dict:
    """Migrate, then seed ``target.size`` unless the same size and seed are already there.

    Django must already be set up against ``target.url``. Returns the dataset facts for the
    report: size, seed, counts, whether it was seeded now and how long seeding took.
    """
    from django.core.management import call_command
    from django.db import connection

    from demo import plan as demo
    from demo.reset import demo_existing_counts

    call_command("migrate", interactive=False, verbosity=0)
    marker = _read_marker(target)
    counts = demo_existing_counts()
    size = demo.SIZES[target.size]
    reusable = (
        not reseed
        and marker is not None
        and marker.get("size") == target.size
        and marker.get("seed") == seed
        and marker.get("counts") == counts
    )
    if reusable:
        log(f"Reusing {target.db} database {target.name} (size {target.size}, seed {seed}).")
        return {**marker, "seeded_now": False}

    log(f"Seeding size {target.size} (seed {seed}) into {target.db} database {target.name}…")
    started = time.perf_counter()
    call_command("seed_demo", size=target.size, seed=seed, reset=True, yes=True, verbosity=1)
    seed_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        # What autovacuum would have done on a live database: visibility map and statistics.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    facts = {
        "size": target.size,
        "seed": seed,
        "counts": demo_existing_counts(),
        "promised": {
            "clients": size.clients,
            "projects": size.projects,
            "time_entries": size.time_entries,
            "invoices": size.invoices,
        },
        "seed_seconds": round(seed_seconds, 1),
        "bench_share": dataset_proportions(),
        "seeded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    target.marker.write_text(json.dumps(facts, indent=2))
    return {**facts, "seeded_now": True}
