"""Browser tests: Playwright for Python driving Debian's Chromium against ``live_server``.

Select with ``-m e2e``. Outside CI they skip with a clear message when Chromium is absent;
in CI (``CI=true``) a missing browser is an error.
"""

import os
import shutil

import pytest
from playwright.sync_api import expect

# A margin over Playwright's default 5 s for a CI machine running the whole suite on two
# cores; a failing expectation still fails, only later.
expect.set_options(timeout=15_000)

# live_server runs the ORM from Playwright's sync (event-loop) thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_EXECUTABLE") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
HAVE_CHROMIUM = os.path.exists(CHROMIUM)


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.e2e)
            if not HAVE_CHROMIUM:
                if os.environ.get("CI"):
                    raise pytest.UsageError(f"CI needs Chromium for e2e tests ({CHROMIUM}).")
                item.add_marker(
                    pytest.mark.skip(reason="Chromium not installed: apt-get install chromium")
                )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, browser_name):
    if browser_name not in (None, "chromium"):
        return browser_type_launch_args
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _e2e_settings(settings):
    # The live server speaks plain HTTP; secure cookies would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False
