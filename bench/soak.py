"""``python -m bench --soak MINUTES``: sustained mixed traffic; errors, latency and RSS over time.

Twenty logged-in sessions (one thread each, loopback only) cycle through the portal pages and
the API lists against the gunicorn workers for a bounded time, while the main thread samples
every worker's resident memory. The result answers two questions a short benchmark cannot:
does anything fail under sustained load (goal: 0 errors), and does a worker's memory keep
growing (goal: flat, at most 10 % above its level after the warm-up)?
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.stats import percentile
from bench.webclient import Sample, WebClient

SESSIONS = 20
RSS_GROWTH_LIMIT_PCT = 10.0


@dataclass(frozen=True)
class Timed:
    """A sample and when it finished, in seconds since the soak started."""

    at: float
    sample: Sample


def run_soak(
    sessions: Sequence[WebClient],
    pages,
    *,
    seconds: float,
    memory: Callable[[], dict],
    memory_every: float = 5.0,
) -> tuple[list[Timed], list[dict]]:
    """Every session requests ``pages`` round-robin until ``seconds`` have passed.

    Returns the timed samples and the memory samples (``{"at", "workers_kb", "total_kb"}``).
    """
    records: list[Timed] = []
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + seconds

    def session_loop(index: int, client: WebClient) -> None:
        n = index  # sessions start at different pages, so the mix is even from the start
        # At least one request each, however late the thread is scheduled.
        while True:
            page = pages[n % len(pages)]
            sample = client.get(page.path, headers=dict(page.headers))
            n += 1
            with lock:
                records.append(Timed(time.monotonic() - started, sample))
            if time.monotonic() >= deadline:
                break

    threads = [
        threading.Thread(target=session_loop, args=(i, client), daemon=True)
        for i, client in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    memory_samples = []
    # A first sample however late this thread gets to run, and the last one after the join:
    # the growth over the run always has both ends.
    while True:
        snapshot = memory()
        memory_samples.append(
            {
                "at": round(time.monotonic() - started, 1),
                "workers_kb": [w.get("rss", 0) for w in snapshot.get("workers", [])],
                "total_kb": snapshot.get("total_rss_kb", 0),
            }
        )
        if time.monotonic() >= deadline:
            break
        time.sleep(min(memory_every, max(0.0, deadline - time.monotonic())))
    for thread in threads:
        thread.join(timeout=60)
    snapshot = memory()
    memory_samples.append(
        {
            "at": round(time.monotonic() - started, 1),
            "workers_kb": [w.get("rss", 0) for w in snapshot.get("workers", [])],
            "total_kb": snapshot.get("total_rss_kb", 0),
        }
    )
    return records, memory_samples


def soak_result(
    records: Sequence[Timed],
    memory_samples: Sequence[dict],
    *,
    seconds: float,
    bucket_seconds: float,
    warmup_seconds: float,
) -> dict:
    """Per-interval request counts, errors and latency percentiles; RSS growth after warm-up."""
    buckets = []
    count = max(1, int(-(-seconds // bucket_seconds)))
    for index in range(count):
        start, end = index * bucket_seconds, (index + 1) * bucket_seconds
        inside = [
            r.sample for r in records if start <= r.at < end or (index == count - 1 and r.at >= end)
        ]
        latencies = [s.seconds * 1000 for s in inside]
        buckets.append(
            {
                "from_s": round(start, 1),
                "requests": len(inside),
                "errors": sum(1 for s in inside if not s.ok),
                "rps": round(len(inside) / bucket_seconds, 1),
                "p50_ms": _round(percentile(latencies, 50)),
                "p95_ms": _round(percentile(latencies, 95)),
                "p99_ms": _round(percentile(latencies, 99)),
            }
        )
    warm = next((m for m in memory_samples if m["at"] >= warmup_seconds), None)
    last = memory_samples[-1] if memory_samples else None
    growth = None
    if warm and last and warm["total_kb"]:
        growth = round((last["total_kb"] - warm["total_kb"]) / warm["total_kb"] * 100, 1)
    errors = sum(1 for r in records if not r.sample.ok)
    statuses: dict[str, int] = {}
    for r in records:
        statuses[str(r.sample.status)] = statuses.get(str(r.sample.status), 0) + 1
    latencies = [r.sample.seconds * 1000 for r in records]
    return {
        "requests": len(records),
        "errors": errors,
        "statuses": dict(sorted(statuses.items())),
        "rps": round(len(records) / seconds, 2) if seconds else None,
        "latency_ms": {
            "p50": _round(percentile(latencies, 50)),
            "p95": _round(percentile(latencies, 95)),
            "p99": _round(percentile(latencies, 99)),
        },
        "buckets": buckets,
        "memory": list(memory_samples),
        "rss_after_warmup_kb": warm["total_kb"] if warm else None,
        "rss_end_kb": last["total_kb"] if last else None,
        "rss_growth_pct": growth,
        "ok": errors == 0 and growth is not None and growth <= RSS_GROWTH_LIMIT_PCT,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def render_markdown(result: dict) -> str:
    meta, soak = result["meta"], result["soak"]
    lines = [
        f"# Soak: {meta['minutes']:g} min, size {meta['size']} on {meta['db']}",
        "",
        f"{meta['sessions']} sessions, {meta['workers']} gunicorn sync workers, "
        f"commit {meta['commit'] or '?'}, {meta['timestamp']}; load average at the start "
        f"{meta['loadavg']}.",
        "",
        f"- Requests: {soak['requests']} ({soak['rps']} req/s), errors: **{soak['errors']}** "
        f"(statuses {soak['statuses']})",
        f"- Latency p50 / p95 / p99: {soak['latency_ms']['p50']} / {soak['latency_ms']['p95']}"
        f" / {soak['latency_ms']['p99']} ms",
        f"- Worker RSS after warm-up {_mib(soak['rss_after_warmup_kb'])}, at the end "
        f"{_mib(soak['rss_end_kb'])}: growth **{soak['rss_growth_pct']} %** "
        f"(goal ≤ {RSS_GROWTH_LIMIT_PCT:g} %) — {'ok' if soak['ok'] else 'NOT ok'}",
        "",
        "| from (s) | requests | errors | req/s | p50 ms | p95 ms | p99 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for b in soak["buckets"]:
        lines.append(
            f"| {b['from_s']:g} | {b['requests']} | {b['errors']} | {b['rps']} | "
            f"{b['p50_ms']} | {b['p95_ms']} | {b['p99_ms']} |"
        )
    return "\n".join(lines) + "\n"


def _mib(kb: int | None) -> str:
    return "?" if kb is None else f"{kb / 1024:.0f} MiB"


def plot(result: dict, path: Path) -> Path:
    """Latency percentiles and worker RSS against time, one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    soak = result["soak"]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    xs = [b["from_s"] for b in soak["buckets"]]
    for key, label in (("p50_ms", "p50"), ("p95_ms", "p95"), ("p99_ms", "p99")):
        top.plot(xs, [b[key] for b in soak["buckets"]], marker="o", label=label)
    top.set_ylabel("latency (ms)")
    top.set_ylim(bottom=0)
    top.legend()
    top.set_title(
        f"Soak {result['meta']['minutes']:g} min, {result['meta']['size']} on "
        f"{result['meta']['db']}: {soak['errors']} errors"
    )
    memory = soak["memory"]
    workers = max((len(m["workers_kb"]) for m in memory), default=0)
    for n in range(workers):
        bottom.plot(
            [m["at"] for m in memory],
            [m["workers_kb"][n] / 1024 if n < len(m["workers_kb"]) else None for m in memory],
            label=f"worker {n + 1}",
        )
    bottom.set_ylabel("RSS (MiB)")
    bottom.set_xlabel("seconds since start")
    bottom.set_ylim(bottom=0)
    bottom.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def write(result: dict, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    meta = result["meta"]
    stem = f"soak-{meta['size']}-{meta['db']}-{meta['stamp']}"
    json_path = directory / f"{stem}.json"
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    md_path = directory / f"{stem}.md"
    md_path.write_text(render_markdown(result))
    paths = [json_path, md_path]
    # matplotlib is a dev dependency; the numbers stand without the picture.
    with contextlib.suppress(ImportError):
        paths.append(plot(result, directory / f"{stem}.png"))
    return paths
