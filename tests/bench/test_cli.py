"""Argument handling and the measuring loops of ``python -m bench``."""

import pytest

from bench.cli import measure_pages, parse_args, run_load
from bench.pages import Page
from bench.webclient import WebClient


def test_defaults_measure_30_requests_per_page_after_3_warmups():
    args = parse_args([])

    assert (args.size, args.db, args.iterations, args.warmup) == ("S", "sqlite", 30, 3)
    assert args.load_seconds == 10


def test_smoke_makes_the_run_short():
    args = parse_args(["--size", "S", "--db", "sqlite", "--smoke"])

    assert (args.iterations, args.warmup, args.load_seconds) == (3, 1, 2.0)
    assert args.load_max_requests == 200


def test_nonsense_options_are_refused():
    with pytest.raises(SystemExit):
        parse_args(["--iterations", "0"])
    with pytest.raises(SystemExit):
        parse_args(["--size", "XXL"])


def test_every_seed_size_can_be_benchmarked():
    from demo.plan import SIZES

    for size in SIZES:
        assert parse_args(["--size", size, "--db", "postgres"]).size == size


@pytest.mark.django_db(transaction=True)
def test_pages_are_measured_round_robin_after_warmup(live_server):
    pages = [Page("login", "/accounts/login/"), Page("missing", "/nope/")]

    samples = measure_pages(WebClient(live_server.url), pages, iterations=2, warmup=1)

    assert [s.status for s in samples["login"]] == [200, 200]
    assert [s.status for s in samples["missing"]] == [404, 404]


@pytest.mark.django_db(transaction=True)
def test_the_load_run_stops_at_the_request_budget(live_server):
    pages = [Page("login", "/accounts/login/")]

    samples, seconds = run_load(
        WebClient(live_server.url), pages, seconds=30, threads=2, max_requests=6
    )

    assert 6 <= len(samples) <= 8  # each thread may finish the request it started
    assert seconds < 30
