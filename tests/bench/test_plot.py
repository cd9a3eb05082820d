"""bench.plot: the newest run per size, one line per page, a PNG."""

import json

from bench import plot


def _run(directory, stamp, size, pages, smoke=False):
    data = {
        "meta": {"stamp": stamp, "commit": "abc", "size": size, "smoke": smoke},
        "pages": [{"name": name, "server_ms": {"median": ms}} for name, ms in pages.items()],
    }
    (directory / f"{stamp}-{size}-postgres.json").write_text(json.dumps(data))


def test_newest_full_run_per_size_and_one_series_per_page(tmp_path):
    _run(tmp_path, "20260101T000000Z", "S", {"dashboard": 50.0})
    _run(tmp_path, "20260102T000000Z", "S", {"dashboard": 10.0, "projects": 12.0})
    _run(tmp_path, "20260103T000000Z", "S", {"dashboard": 99.0}, smoke=True)
    _run(tmp_path, "20260102T000000Z", "L", {"dashboard": 11.0})
    results = plot.newest_results("postgres", directory=tmp_path)
    sizes, lines = plot.series(results)
    assert sizes == ["S", "L"]
    assert lines == {"dashboard": [10.0, 11.0], "projects": [12.0, None]}
    out = plot.plot(results, tmp_path / "out.png", db="postgres")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
