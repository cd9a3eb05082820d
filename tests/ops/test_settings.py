"""Settings built from the environment: cache, sessions, task backend (a fresh process each)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRINT_SETTINGS = """
import json
from timetracker.settings import test as s
print(json.dumps({
    "CACHES": s.CACHES,
    "SESSION_ENGINE": s.SESSION_ENGINE,
    "TASKS": s.TASKS,
    "RQ_QUEUES": getattr(s, "RQ_QUEUES", None),
    "apps": s.INSTALLED_APPS,
    "exempt": s.SECURE_REDIRECT_EXEMPT,
    "json_logs": "json" in s.LOGGING["formatters"],
}))
"""


def build_settings(**env):
    environment = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "TASKS_BACKEND"}}
    environment.update(env)
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(result.stderr)
    return json.loads(result.stdout)


def test_defaults_need_nothing_running():
    built = build_settings()
    assert built["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert built["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert built["TASKS"] == {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert "django_rq" not in built["apps"]
    assert built["exempt"] == [r"^healthz$"]
    assert not built["json_logs"]


def test_a_redis_cache_url_uses_djangos_redis_backend():
    built = build_settings(CACHE_URL="redis://10.0.0.5:6379/3")
    assert built["CACHES"]["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://10.0.0.5:6379/3",
    }


def test_tasks_backend_rq_queues_in_redis():
    built = build_settings(TASKS_BACKEND="rq", TASKS_REDIS_URL="redis://10.0.0.5:6379/2")
    assert built["TASKS"] == {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
    }
    assert built["RQ_QUEUES"] == {"default": {"URL": "redis://10.0.0.5:6379/2"}}
    assert {"django_rq", "django_tasks_rq", "django_tasks_db"} <= set(built["apps"])


def test_an_unknown_tasks_backend_is_refused():
    with pytest.raises(RuntimeError, match="TASKS_BACKEND must be database or rq"):
        build_settings(TASKS_BACKEND="celery")


def test_log_format_json():
    assert build_settings(LOG_FORMAT="json")["json_logs"]


def test_the_rq_configuration_passes_djangos_checks():
    environment = {**os.environ, "TASKS_BACKEND": "rq", "DEBUG": "True"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
