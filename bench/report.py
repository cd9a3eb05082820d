"""Turn samples into per-page results, check the budgets, write JSON and a Markdown table."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.stats import median, summarize
from bench.webclient import Sample

RESULTS_DIR = Path(__file__).resolve().parent / "results"
# PRODUCT.md §7: per portal page on the L dataset, PostgreSQL, warm.
BUDGET_QUERIES = 10
BUDGET_MEDIAN_SERVER_MS = 30.0  # wave 2 (was 100 ms)


def _ms(samples: Sequence[Sample]) -> list[float]:
    return [s.seconds * 1000 for s in samples]


def page_result(name: str, path: str, samples: Sequence[Sample]) -> dict:
    """Numbers for one page: latency, server time, query count, size, errors, budget."""
    statuses = Counter(s.status for s in samples)
    queries = [s.queries for s in samples if s.queries is not None]
    # The page's own queries: without the session renewal any request may carry.
    own = [s.queries - (s.session_queries or 0) for s in samples if s.queries is not None]
    server = [s.server_ms for s in samples if s.server_ms is not None]
    errors = sum(1 for s in samples if not s.ok)
    result = {
        "name": name,
        "path": path,
        "requests": len(samples),
        "errors": errors,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "latency_ms": summarize(_ms(samples)),
        "server_ms": summarize(server),
        "db_ms": summarize([s.db_ms for s in samples if s.db_ms is not None]),
        "queries": {"min": min(queries), "max": max(queries)} if queries else None,
        "page_queries": {"min": min(own), "max": max(own)} if own else None,
        "size_bytes": int(median([s.size for s in samples]) or 0) if samples else 0,
    }
    result["budget"] = budget_check(result)
    return result


SESSION_MARK = "†"


def _session_renewal_only(page: dict) -> bool:
    """The count varies, and only by the session renewal."""
    queries, own = page["queries"], page.get("page_queries")
    return queries["min"] != queries["max"] and bool(own) and own["min"] == own["max"]


def budget_check(page: dict) -> dict:
    """Whether a page meets the §7 budgets; a page with errors does not."""
    queries = page["queries"]["max"] if page["queries"] else None
    server = page["server_ms"]["median"]
    problems = []
    if page["errors"]:
        problems.append(f"{page['errors']} non-200")
    if queries is not None and queries > BUDGET_QUERIES:
        problems.append(f"{queries} queries > {BUDGET_QUERIES}")
    if server is not None and server > BUDGET_MEDIAN_SERVER_MS:
        problems.append(f"median {server:.0f} ms > {BUDGET_MEDIAN_SERVER_MS:.0f} ms")
    # A count that varies with the data (or the request) is a finding; the session's renewal
    # once a minute is not, but still counts against the budget above.
    own = page.get("page_queries") or page["queries"]
    if own and own["min"] != own["max"]:
        problems.append("query count varies")
    return {"ok": not problems, "problems": problems}


def load_result(
    samples: Sequence[Sample],
    *,
    seconds: float,
    threads: int,
    client_cpu_seconds: float | None = None,
    server_cpu_seconds: float | None = None,
    worker_restarts: int = 0,
) -> dict:
    """Throughput and errors of a concurrent run, and the CPU it cost on each side.

    ``server_cpu_ms_per_request`` (the workers' user + system time over the requests) is
    far less sensitive to other load on the machine than requests/s; the generator's share
    (``client_cpu_pct``, of one core) is what it took from the server it measures.
    """
    n = len(samples)
    result = {
        "threads": threads,
        "seconds": round(seconds, 2),
        "requests": len(samples),
        "errors": sum(1 for s in samples if not s.ok),
        "statuses": {str(k): v for k, v in sorted(Counter(s.status for s in samples).items())},
        "requests_per_second": round(len(samples) / seconds, 1) if seconds > 0 else 0.0,
        "latency_ms": summarize(_ms(samples)),
        "worker_restarts": worker_restarts,
    }
    if client_cpu_seconds is not None and seconds > 0:
        result["client_cpu_pct"] = round(100 * client_cpu_seconds / seconds, 1)
        result["client_cpu_ms_per_request"] = round(1000 * client_cpu_seconds / n, 2) if n else None
    if server_cpu_seconds is not None and n:
        result["server_cpu_ms_per_request"] = round(1000 * server_cpu_seconds / n, 2)
    return result


def _load_line(load: dict) -> str:
    line = (
        f"* {load['threads']} threads for {load['seconds']} s on "
        + ", ".join(f"`{p}`" for p in load.get("paths", []))
        + f": {load['requests']:,} requests, **{load['requests_per_second']} requests/s**, "
        f"{load['errors']} errors, latency median {_fmt(load['latency_ms']['median'])} ms, "
        f"p95 {_fmt(load['latency_ms']['p95'])} ms"
    )
    if load.get("server_cpu_ms_per_request") is not None:
        line += f"; workers' CPU {load['server_cpu_ms_per_request']:.1f} ms per request"
    if load.get("client_cpu_pct") is not None:
        line += f"; the generator used {load['client_cpu_pct']:.0f} % of one core"
    if load.get("worker_restarts"):
        line += f"; {load['worker_restarts']} worker(s) recycled during the run"
    if load.get("loadavg"):
        line += f" (load average {load['loadavg']})"
    return line + "."


def _fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def render_markdown(result: dict) -> str:
    """The results as a Markdown document with one table row per page."""
    meta, dataset = result["meta"], result.get("dataset", {})
    counts = dataset.get("counts", {})
    seeded = (
        f"seeded now in {dataset['seed_seconds']} s"
        if dataset.get("seeded_now")
        else f"reused, seeded earlier in {dataset.get('seed_seconds', '?')} s"
    )
    lines = [
        f"# Portal benchmark: size {meta['size']} on {meta['db']}",
        "",
        f"{meta['timestamp']} · commit `{meta.get('commit') or '?'}` · "
        f"{meta['iterations']} requests per page after {meta['warmup']} warm-up · "
        f"gunicorn {meta['workers']} sync workers · seed {meta['seed']}"
        + (" · **smoke run**" if meta.get("smoke") else ""),
        "",
        "Dataset: "
        + ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in counts.items())
        + f" ({seeded}).",
    ]
    share = dataset.get("bench_share")
    if share:
        lines.append(
            "Benchmark client share: "
            + ", ".join(f"{v:.1%} of {k.replace('_', ' ')}" for k, v in share.items())
            + "."
        )
    login = result.get("login", {})
    lines.append(
        f"Logged in as `{login.get('username')}` "
        + (
            "through the login form."
            if login.get("method") == "form"
            else f"with a server-side session (login form failed: {login.get('error')})."
        )
    )
    lines += [
        "",
        "| page | status | median ms | p95 ms | server median ms | server p95 ms | queries "
        "| size KB | budget |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for page in result["pages"]:
        queries = page["queries"]
        q = "–" if not queries else (
            str(queries["max"]) if queries["min"] == queries["max"]
            else f"{queries['min']}–{queries['max']}"
        )  # fmt: skip
        if queries and _session_renewal_only(page):
            q += SESSION_MARK
        status = ", ".join(f"{k}×{v}" if len(page["statuses"]) > 1 else k
                           for k, v in page["statuses"].items())  # fmt: skip
        budget = (
            "ok" if page["budget"]["ok"] else "**" + "; ".join(page["budget"]["problems"]) + "**"
        )
        lines.append(
            f"| {page['name']} (`{page['path']}`) | {status} "
            f"| {_fmt(page['latency_ms']['median'])} | {_fmt(page['latency_ms']['p95'])} "
            f"| {_fmt(page['server_ms']['median'])} | {_fmt(page['server_ms']['p95'])} "
            f"| {q} | {_fmt(page['size_bytes'] / 1024)} | {budget} |"
        )
    lines += [
        "",
        f"Budgets (PRODUCT.md §7, binding for L on PostgreSQL): at most {BUDGET_QUERIES} SQL "
        f"queries and a median server time of at most {BUDGET_MEDIAN_SERVER_MS:.0f} ms per page. "
        "Latency is measured by the client (request sent to body read, loopback); server time "
        "is Django's own time from the `X-Server-Time-ms` header; queries from `X-DB-Queries`.",
    ]
    if any(page["queries"] and _session_renewal_only(page) for page in result["pages"]):
        lines += [
            "",
            f"{SESSION_MARK} One request carried the session's idle-timeout renewal (a write "
            "once a minute per session, `SessionLifetimeMiddleware`); the page's own count "
            "does not vary.",
        ]
    loads = [result[key] for key in ("load", "load_mixed") if result.get(key)]
    if loads:
        lines += [
            "",
            "## Concurrent load",
            "",
            f"gunicorn {meta['workers']} sync workers; the load generator (`bench/load.py`) "
            "shares the same cores.",
            "",
        ]
        for load in loads:
            lines.append(_load_line(load))
    memory = result.get("memory")
    if memory and memory.get("workers"):
        lines += [
            "",
            "## Memory",
            "",
            f"gunicorn workers: peak RSS {memory['peak_worker_kb'] / 1024:.1f} MiB (highest "
            f"worker), {memory['total_rss_kb'] / 1024:.1f} MiB RSS for all "
            f"{len(memory['workers'])} workers at the end.",
        ]
    summary = result.get("summary", {})
    if summary:
        lines += [
            "",
            f"Pages over budget or failing: {summary['over_budget'] or 'none'}.",
        ]
    return "\n".join(lines) + "\n"


def write_results(result: dict, directory: Path = RESULTS_DIR) -> tuple[Path, Path]:
    """``<timestamp>-<size>-<db>.json`` and ``latest-<size>-<db>.md``; smoke runs add ``-smoke``."""
    directory.mkdir(parents=True, exist_ok=True)
    meta = result["meta"]
    stamp = meta.get("stamp") or "run"
    # Smoke runs (CI) are checks of the harness, not results: they never replace real ones.
    suffix = "-smoke" if meta.get("smoke") else ""
    json_path = directory / f"{stamp}-{meta['size']}-{meta['db']}{suffix}.json"
    md_path = directory / f"latest-{meta['size']}-{meta['db']}{suffix}.md"
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    md_path.write_text(render_markdown(result))
    return json_path, md_path
