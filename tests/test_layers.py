"""The layers of docs/ARCHITECTURE.md, checked by import-linter (the contracts in pyproject.toml).

`make lint` runs the same check; this test makes `make test` fail too when an app imports
one above it (function-level imports included) or a migration imports another app.
"""

from pathlib import Path

from importlinter import cli

ROOT = Path(__file__).resolve().parent.parent


def test_apps_import_one_way_only(monkeypatch):
    monkeypatch.chdir(ROOT)
    status = cli.lint_imports(
        config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True
    )
    assert status == cli.EXIT_STATUS_SUCCESS, "an import goes the wrong way: run lint-imports"
