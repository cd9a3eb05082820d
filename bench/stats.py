"""Small, dependency-free statistics for latency samples."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0-100) by linear interpolation between closest ranks.

    The same definition as NumPy's default (``method="linear"``); ``None`` for no values.
    """
    if not values:
        return None
    if not 0 <= p <= 100:
        raise ValueError("p must be between 0 and 100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float | None:
    """The 50th percentile; ``None`` for no values."""
    return percentile(values, 50)


def summarize(values: Sequence[float]) -> dict[str, float | int | None]:
    """``n``, ``median``, ``p95``, ``min`` and ``max`` of the samples."""
    return {
        "n": len(values),
        "median": median(values),
        "p95": percentile(values, 95),
        "min": min(values) if values else None,
        "max": max(values) if values else None,
    }
