"""Production settings (timetracker.settings.base), each case in a fresh interpreter.

Settings are read once at import, so every case runs in a subprocess with a clean environment.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION_SECRET = "k3$Vq9!pZ" * 6  # 54 characters, many distinct: passes security.W009


def run(args, tmp_path, **env_vars):
    """Run ``python <args>`` in the project folder with only the given environment."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "timetracker.settings.base",
        # Explicit values win over a developer's local .env (read with overwrite=False).
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env_vars,
    }
    return subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def settings_values(tmp_path, names, **env_vars):
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}, default=str))"
    )
    result = run(["-c", "import django; django.setup(); " + code], tmp_path, **env_vars)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_missing_secret_key_without_debug_refuses_to_start(tmp_path):
    result = run(["-c", "import timetracker.settings.base"], tmp_path, DEBUG="False", SECRET_KEY="")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_debug_without_secret_key_uses_a_throwaway_key(tmp_path):
    values = settings_values(tmp_path, ["SECRET_KEY", "DEBUG"], DEBUG="True", SECRET_KEY="")
    assert values["DEBUG"] is True
    assert len(values["SECRET_KEY"]) >= 50


def test_production_defaults_are_hardened(tmp_path):
    values = settings_values(
        tmp_path,
        [
            "DEBUG",
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SECURE_HSTS_SECONDS",
            "USE_TZ",
        ],
        DEBUG="False",
        SECRET_KEY=PRODUCTION_SECRET,
    )
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["USE_TZ"] is True


def test_settings_come_from_the_environment(tmp_path):
    values = settings_values(
        tmp_path,
        ["ALLOWED_HOSTS", "TIME_ZONE", "DEFAULT_CURRENCY", "DATABASES"],
        DEBUG="False",
        SECRET_KEY=PRODUCTION_SECRET,
        ALLOWED_HOSTS="time.example.com,api.example.com",
        TIME_ZONE="Europe/Berlin",
        DEFAULT_CURRENCY="CHF",
        DATABASE_URL="postgres://app:secret@db.internal:5432/timetracker",
    )
    assert values["ALLOWED_HOSTS"] == ["time.example.com", "api.example.com"]
    assert values["TIME_ZONE"] == "Europe/Berlin"
    assert values["DEFAULT_CURRENCY"] == "CHF"
    db = values["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["HOST"], db["PORT"], db["USER"]) == (
        "timetracker",
        "db.internal",
        5432,
        "app",
    )


def test_database_defaults_to_sqlite_in_the_project_folder(tmp_path):
    env = {"DEBUG": "False", "SECRET_KEY": PRODUCTION_SECRET}
    code = (
        "import os; os.environ.pop('DATABASE_URL'); import django; django.setup(); "
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['ENGINE'], d['NAME'])"
    )
    if (BASE_DIR / ".env").is_file():
        pytest.skip("a local .env may set DATABASE_URL")
    result = run(["-c", code], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    engine, name = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert Path(name) == BASE_DIR / "db.sqlite3"


def test_check_deploy_is_clean_with_production_values(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        DEBUG="False",
        SECRET_KEY=PRODUCTION_SECRET,
        ALLOWED_HOSTS="example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr
