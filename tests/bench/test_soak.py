"""The soak mode's arithmetic: errors, latency per interval, RSS growth after the warm-up."""

import json

from bench.soak import Timed, run_soak, soak_result, write
from bench.webclient import Sample


def sample(ms, status=200):
    return Sample(status=status, seconds=ms / 1000, size=10, queries=5, server_ms=ms, db_ms=1)


def memory(at, *workers):
    return {"at": at, "workers_kb": list(workers), "total_kb": sum(workers)}


def test_buckets_errors_and_percentiles():
    records = [Timed(1, sample(10)), Timed(2, sample(30)), Timed(12, sample(50, status=500))]
    result = soak_result(
        records,
        [memory(0, 100, 100), memory(10, 200, 200), memory(20, 210, 210)],
        seconds=20,
        bucket_seconds=10,
        warmup_seconds=10,
    )
    first, second = result["buckets"]
    assert (first["requests"], first["errors"], second["requests"], second["errors"]) == (
        2,
        0,
        1,
        1,
    )
    assert first["p50_ms"] == 20.0 and second["p95_ms"] == 50.0
    assert result["errors"] == 1 and result["statuses"] == {"200": 2, "500": 1}
    assert result["rps"] == 0.15
    # Growth is measured from the first sample after the warm-up (400 KiB), not from start-up.
    assert result["rss_after_warmup_kb"] == 400 and result["rss_growth_pct"] == 5.0
    assert result["ok"] is False  # one error is one too many


def test_memory_that_keeps_growing_fails_the_goal():
    records = [Timed(1, sample(10))]
    result = soak_result(
        records, [memory(0, 100), memory(5, 100), memory(10, 120)], seconds=10,
        bucket_seconds=5, warmup_seconds=5,
    )  # fmt: skip
    assert result["rss_growth_pct"] == 20.0 and result["ok"] is False


def test_late_samples_count_in_the_last_bucket():
    result = soak_result(
        [Timed(10.4, sample(10))], [memory(0, 1)], seconds=10, bucket_seconds=5, warmup_seconds=0
    )
    assert [b["requests"] for b in result["buckets"]] == [0, 1]


class FakeClient:
    def __init__(self):
        self.paths = []

    def get(self, path, headers=None):
        self.paths.append((path, headers))
        return sample(1)


class Page:
    def __init__(self, path, headers=()):
        self.path, self.headers = path, headers


def test_every_session_runs_the_mix_and_memory_is_sampled():
    clients = [FakeClient(), FakeClient()]
    pages = [Page("/a/"), Page("/b/", (("Authorization", "Bearer x"),))]
    records, samples = run_soak(
        clients, pages, seconds=0.3, memory=lambda: {"workers": [{"rss": 5}], "total_rss_kb": 5},
        memory_every=0.1,
    )  # fmt: skip
    assert records and all(c.paths for c in clients)
    assert {p for c in clients for p, _ in c.paths} == {"/a/", "/b/"}
    assert ("/b/", {"Authorization": "Bearer x"}) in clients[0].paths + clients[1].paths
    assert len(samples) >= 2 and samples[-1]["total_kb"] == 5


def test_a_run_that_ends_at_once_still_has_a_request_per_session_and_both_memory_ends():
    # As on a loaded machine, where the threads start after the deadline has passed.
    clients = [FakeClient(), FakeClient()]
    records, samples = run_soak(
        clients, [Page("/a/")], seconds=0, memory=lambda: {"workers": [], "total_rss_kb": 7}
    )
    assert len(records) == 2 and all(len(c.paths) == 1 for c in clients)
    assert [s["total_kb"] for s in samples] == [7, 7]


def test_write_produces_json_markdown_and_a_plot(tmp_path):
    soak = soak_result(
        [Timed(1, sample(10))], [memory(0, 100), memory(5, 100)], seconds=10,
        bucket_seconds=5, warmup_seconds=0,
    )  # fmt: skip
    result = {
        "meta": {
            "size": "S", "db": "sqlite", "minutes": 1 / 6, "sessions": 20, "workers": 2,
            "timestamp": "2026-12-02 10:00:00 UTC", "stamp": "20261202T100000Z",
            "commit": "abc", "loadavg": "0.1 0.2 0.3", "pages": ["/a/"],
        },
        "soak": soak,
    }  # fmt: skip
    paths = write(result, tmp_path)
    assert sorted(p.suffix for p in paths) == [".json", ".md", ".png"]
    assert json.loads(paths[0].read_text())["soak"]["ok"] is True
    assert "growth **0.0 %**" in paths[1].read_text()
    assert paths[2].read_bytes().startswith(b"\x89PNG")
