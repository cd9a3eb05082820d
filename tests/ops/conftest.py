"""``@pytest.mark.redis`` tests need the shared cache: they run when CACHE_URL is redis://
(the Redis step of .ci/run) and are skipped otherwise."""

import os

import pytest


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CACHE_URL", "").startswith("redis"):
        return
    skip = pytest.mark.skip(reason="needs CACHE_URL=redis://... (the Redis step of .ci/run)")
    for item in items:
        if "redis" in item.keywords:
            item.add_marker(skip)
