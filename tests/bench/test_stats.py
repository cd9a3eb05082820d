"""Median and p95 as the report computes them (NumPy's linear definition)."""

import pytest

from bench.stats import median, percentile, summarize


def test_median_of_odd_and_even_samples():
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 3, 2]) == 2.5


def test_p95_interpolates_between_ranks():
    values = list(range(1, 101))  # 1..100

    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 0) == 1
    assert percentile(values, 100) == 100


def test_a_single_sample_is_every_percentile():
    assert percentile([7.5], 95) == 7.5
    assert median([7.5]) == 7.5


def test_no_samples_give_none():
    assert median([]) is None
    assert summarize([]) == {"n": 0, "median": None, "p95": None, "min": None, "max": None}


def test_order_of_samples_does_not_matter():
    assert percentile([5, 1, 4, 2, 3], 95) == percentile([1, 2, 3, 4, 5], 95) == 4.8


def test_percentile_outside_0_100_is_refused():
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


def test_summarize_reports_count_median_p95_min_max():
    assert summarize([10, 20, 30, 40]) == {
        "n": 4,
        "median": 25,
        "p95": pytest.approx(38.5),
        "min": 10,
        "max": 40,
    }
