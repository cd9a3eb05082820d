"""Per-page results, budget checks and the Markdown table."""

import json

from bench.report import load_result, page_result, render_markdown, write_results
from bench.webclient import Sample


def sample(ms, *, status=200, queries=7, server_ms=None, size=2048, session_queries=0):
    return Sample(
        status=status,
        seconds=ms / 1000,
        size=size,
        queries=queries,
        server_ms=server_ms if server_ms is not None else ms - 1,
        db_ms=1.0,
        session_queries=session_queries,
    )


def result_with(pages):
    return {
        "meta": {
            "size": "S",
            "db": "sqlite",
            "timestamp": "2026-01-02 03:04:05 UTC",
            "stamp": "20260102T030405Z",
            "commit": "abc1234",
            "seed": 42,
            "iterations": 3,
            "warmup": 1,
            "workers": 2,
            "smoke": False,
        },
        "dataset": {
            "counts": {"clients": 5, "time_entries": 5000},
            "seeded_now": True,
            "seed_seconds": 1.9,
        },  # fmt: skip
        "login": {"username": "client_a", "method": "form", "error": ""},
        "pages": pages,
        "load": {**load_result([sample(10)] * 20, seconds=2.0, threads=4), "paths": ["/x/"]},
        "memory": {
            "workers": [{"peak": 51200, "rss": 40960}],
            "peak_worker_kb": 51200,
            "total_rss_kb": 40960,
        },  # fmt: skip
        "summary": {"over_budget": [p["name"] for p in pages if not p["budget"]["ok"]]},
    }


def test_a_fast_page_within_budget_is_ok():
    page = page_result("dashboard", "/client-portal/", [sample(10), sample(20), sample(30)])

    assert page["latency_ms"]["median"] == 20
    assert page["queries"] == {"min": 7, "max": 7}
    assert page["size_bytes"] == 2048
    assert page["budget"] == {"ok": True, "problems": []}


def test_too_many_queries_a_slow_median_and_errors_miss_the_budget():
    page = page_result(
        "entries",
        "/e/",
        [sample(150, queries=12), sample(160, queries=12), sample(5, status=404, queries=12)],
    )

    assert page["errors"] == 1
    assert page["statuses"] == {"200": 2, "404": 1}
    problems = " ".join(page["budget"]["problems"])
    assert "1 non-200" in problems
    assert "12 queries > 10" in problems
    assert "median 149 ms > 30 ms" in problems


def test_a_varying_query_count_is_flagged():
    page = page_result("p", "/p/", [sample(5, queries=6), sample(5, queries=7)])

    assert page["queries"] == {"min": 6, "max": 7}
    assert "query count varies" in page["budget"]["problems"]


def test_a_session_renewal_is_no_varying_count_but_counts_against_the_budget():
    renewed = sample(5, queries=7, session_queries=1)
    page = page_result("p", "/p/", [sample(5, queries=6), renewed, sample(5, queries=6)])

    assert page["queries"] == {"min": 6, "max": 7}
    assert page["page_queries"] == {"min": 6, "max": 6}
    assert page["budget"] == {"ok": True, "problems": []}
    markdown = render_markdown(result_with([page]))
    assert "| 6–7† |" in markdown
    assert "idle-timeout renewal" in markdown

    renewed = sample(5, queries=11, session_queries=1)
    over = page_result("p", "/p/", [sample(5, queries=10), renewed])
    assert "11 queries > 10" in over["budget"]["problems"]
    assert "query count varies" not in over["budget"]["problems"]


def test_a_page_whose_own_count_varies_is_flagged_beside_a_renewal():
    page = page_result("p", "/p/", [sample(5, queries=6), sample(5, queries=8, session_queries=1)])

    assert page["page_queries"] == {"min": 6, "max": 7}
    assert "query count varies" in page["budget"]["problems"]
    assert "†" not in render_markdown(result_with([page]))


def test_load_result_computes_requests_per_second_and_errors():
    load = load_result([sample(10)] * 9 + [sample(10, status=500)], seconds=2.0, threads=4)

    assert load["requests"] == 10
    assert load["errors"] == 1
    assert load["requests_per_second"] == 5.0
    assert load["worker_restarts"] == 0
    assert "server_cpu_ms_per_request" not in load


def test_load_result_reports_the_cpu_each_side_used_per_request():
    load = load_result(
        [sample(10)] * 10,
        seconds=2.0,
        threads=4,
        client_cpu_seconds=0.05,
        server_cpu_seconds=0.16,
        worker_restarts=1,
    )

    assert load["server_cpu_ms_per_request"] == 16.0
    assert load["client_cpu_ms_per_request"] == 5.0
    assert load["client_cpu_pct"] == 2.5
    assert load["worker_restarts"] == 1


def test_markdown_shows_the_dashboard_and_the_mixed_load_runs():
    result = result_with([page_result("dashboard", "/client-portal/", [sample(10)])])
    result["load"].update(server_cpu_ms_per_request=12.3, client_cpu_pct=4.0, loadavg="1.00")
    result["load_mixed"] = {
        **load_result([sample(10)] * 30, seconds=2.0, threads=4, worker_restarts=1),
        "paths": ["/x/", "/y/"],
    }

    text = render_markdown(result)

    assert "the load generator (`bench/load.py`) shares the same cores" in text
    assert "on `/x/`: 20 requests, **10.0 requests/s**" in text
    assert "workers' CPU 12.3 ms per request; the generator used 4 % of one core" in text
    assert "(load average 1.00)" in text
    assert "on `/x/`, `/y/`: 30 requests, **15.0 requests/s**" in text
    assert "1 worker(s) recycled during the run" in text


def test_markdown_has_one_row_per_page_with_the_numbers():
    pages = [
        page_result("dashboard", "/client-portal/", [sample(10), sample(12)]),
        page_result("time entries", "/client-portal/time-entries/", [sample(5, status=404)]),
    ]

    text = render_markdown(result_with(pages))

    assert text.startswith("# Portal benchmark: size S on sqlite")
    assert "| dashboard (`/client-portal/`) | 200 | 11.0 |" in text
    assert "**1 non-200**" in text
    assert "5 clients, 5,000 time entries (seeded now in 1.9 s)" in text
    assert "**10.0 requests/s**" in text
    assert "peak RSS 50.0 MiB" in text
    assert text.count("\n| ") == 3  # header + two pages


def test_write_results_writes_json_and_latest_markdown(tmp_path):
    pages = [page_result("dashboard", "/client-portal/", [sample(10)])]

    json_path, md_path = write_results(result_with(pages), tmp_path)

    assert json_path.name == "20260102T030405Z-S-sqlite.json"
    assert md_path.name == "latest-S-sqlite.md"
    assert json.loads(json_path.read_text())["pages"][0]["name"] == "dashboard"
    assert "dashboard" in md_path.read_text()


def test_smoke_runs_never_replace_the_real_results(tmp_path):
    result = result_with([page_result("dashboard", "/client-portal/", [sample(10)])])
    result["meta"]["smoke"] = True

    json_path, md_path = write_results(result, tmp_path)

    assert json_path.name == "20260102T030405Z-S-sqlite-smoke.json"
    assert md_path.name == "latest-S-sqlite-smoke.md"
