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


def test_proxy_ssl_header_is_trusted_only_behind_a_declared_proxy(tmp_path):
    names = ["SECURE_PROXY_SSL_HEADER", "TRUSTED_PROXY"]
    direct = settings_values(tmp_path, names, DEBUG="False", SECRET_KEY=PRODUCTION_SECRET)
    assert direct == {"SECURE_PROXY_SSL_HEADER": None, "TRUSTED_PROXY": False}
    proxied = settings_values(
        tmp_path, names, DEBUG="False", SECRET_KEY=PRODUCTION_SECRET, TRUSTED_PROXY="true"
    )
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_forged_forwarded_proto_is_not_https_without_a_proxy(tmp_path):
    code = (
        "import django; django.setup(); from django.test import RequestFactory; "
        "r = RequestFactory().get('/', HTTP_X_FORWARDED_PROTO='https'); print(r.is_secure())"
    )
    env = {"DEBUG": "False", "SECRET_KEY": PRODUCTION_SECRET}
    direct = run(["-c", code], tmp_path, **env)
    assert direct.stdout.split()[-1] == "False", direct.stderr
    proxied = run(["-c", code], tmp_path, **env, TRUSTED_PROXY="true")
    assert proxied.stdout.split()[-1] == "True", proxied.stderr


def test_hsts_preload_is_opt_in(tmp_path):
    names = ["SECURE_HSTS_PRELOAD", "SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    default = settings_values(tmp_path, names, DEBUG="False", SECRET_KEY=PRODUCTION_SECRET)
    assert default == {"SECURE_HSTS_PRELOAD": False, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True}
    opted_in = settings_values(
        tmp_path, names, DEBUG="False", SECRET_KEY=PRODUCTION_SECRET, SECURE_HSTS_PRELOAD="True"
    )
    assert opted_in["SECURE_HSTS_PRELOAD"] is True


def documented_production_env(tmp_path) -> dict[str, str]:
    """The ``KEY=VALUE`` block under "Production environment" in docs/SECURITY.md, with the
    placeholders filled in (a real secret, a local SQLite file instead of PostgreSQL)."""
    text = (BASE_DIR / "docs" / "SECURITY.md").read_text()
    section = text.split("## Production environment", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    values = dict(line.split("=", 1) for line in block.strip().splitlines())
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "TRUSTED_PROXY"} <= values.keys()
    values["SECRET_KEY"] = PRODUCTION_SECRET
    values["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    return values


@pytest.mark.parametrize("preload", [None, "True"])
def test_check_deploy_is_clean_with_the_documented_production_env(tmp_path, preload):
    env = documented_production_env(tmp_path)
    if preload:
        env["SECURE_HSTS_PRELOAD"] = preload
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_favicon_ico_redirects_to_the_svg_icon():
    from django.test import Client

    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
