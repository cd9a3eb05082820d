"""The benchmark dataset: where it lives, and that the bench client holds its 10 %."""

import datetime as dt

import pytest

from bench.dataset import dataset_proportions, target_for
from bench.pages import dashboard_load_pages, load_pages, portal_pages, previous_month
from demo import plan as demo
from demo.writer import demo_seed

pytestmark = pytest.mark.django_db

TINY = demo.DemoSize("T", clients=6, projects=20, time_entries=400, invoices=30, bench_share=0.1)


def test_the_bench_client_holds_its_share_at_a_tiny_scale():
    demo_seed(size=TINY, seed=5, analyze=False)

    assert dataset_proportions() == {"projects": 0.1, "time_entries": 0.1, "invoices": 0.1}


def test_proportions_are_none_without_a_bench_client():
    demo_seed(size=demo.DemoSize("T", 3, 6, 60, 6), seed=5, analyze=False)

    assert dataset_proportions() is None


def test_pages_cover_every_portal_view_with_ids_from_the_data():
    demo_seed(size=TINY, seed=5, analyze=False)

    pages = {page.name: page.path for page in portal_pages(username=demo.BENCH_USERNAME)}

    assert pages["dashboard"] == "/client-portal/"
    assert pages["invoices: overdue"] == "/client-portal/invoices/?status=overdue"
    assert pages["invoice detail"].startswith("/client-portal/invoices/")
    assert pages["project detail"].startswith("/client-portal/projects/")
    assert "?project_id=" in pages["time entries: project"]
    assert pages["time entries: first page"].endswith("?page=1")
    # 40 bench entries fit on one page of 50.
    assert pages["time entries: last page"].endswith("?page=1")
    # The bench client's few invoices fit on one page of 25.
    assert pages["invoices: last page"] == "/client-portal/invoices/?page=1"
    assert len(pages) == 15
    assert [p.name for p in load_pages(portal_pages(username="bench"))] == [
        "dashboard",
        "time entries",
    ]
    assert [p.path for p in dashboard_load_pages(portal_pages(username="bench"))] == [
        "/client-portal/"
    ]


def test_previous_month_spans_the_whole_month():
    assert previous_month(dt.date(2026, 3, 15)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert previous_month(dt.date(2026, 1, 1)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))


def test_targets_name_a_sqlite_file_or_a_postgres_database():
    sqlite = target_for(db="sqlite", size="S")
    postgres = target_for(db="postgres", size="M", pg_server="postgres://u@127.0.0.1:5432/")

    assert sqlite.url.endswith("bench/.data/bench_s.sqlite3")
    assert postgres.url == "postgres://u@127.0.0.1:5432/bench_m"
    with pytest.raises(ValueError):
        target_for(db="mysql", size="S")
