"""gunicorn.conf.py, loaded by gunicorn itself, and a real gunicorn serving /healthz."""

import gc
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.app.base import Application

ROOT = Path(__file__).resolve().parents[2]


class ConfigOnly(Application):
    def init(self, parser, opts, args):
        return {}

    def load(self):  # pragma: no cover - never served
        raise NotImplementedError


def load_config(monkeypatch, **env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "argv", ["gunicorn", "-c", str(ROOT / "gunicorn.conf.py")])
    return ConfigOnly().cfg


def test_workers_and_recycling_come_from_the_environment(monkeypatch):
    cfg = load_config(monkeypatch, WEB_CONCURRENCY="5", GUNICORN_MAX_REQUESTS="2000")
    assert cfg.workers == 5
    assert cfg.max_requests == 2000
    assert cfg.max_requests_jitter == 200
    assert "%({x-request-id}o)s" in cfg.access_log_format
    assert "%(M)s" in cfg.access_log_format


def test_workers_freeze_their_start_up_objects_for_the_garbage_collector(monkeypatch):
    cfg = load_config(monkeypatch)
    gc.unfreeze()
    try:
        cfg.post_worker_init(SimpleNamespace(nr=0))
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    assert frozen > 0

    freezes = []
    monkeypatch.setattr(gc, "freeze", lambda: freezes.append("freeze"))
    for served in (1, 2, 3):
        cfg.post_request(SimpleNamespace(nr=served), None, {}, None)

    assert freezes == ["freeze"]  # after the first request only


def test_json_logs_configure_gunicorns_loggers(monkeypatch):
    cfg = load_config(monkeypatch, LOG_FORMAT="json")
    formatter = cfg.logconfig_dict["formatters"]["json"]
    assert formatter["()"] == "pythonjsonlogger.json.JsonFormatter"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_healthz_and_logs_the_request_id(tmp_path):
    port = free_port()
    database = tmp_path / "gunicorn.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "timetracker.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    env.pop("CACHE_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "timetracker.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": "gunicorn-test-1"}
        )
        for _ in range(100):
            try:
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    assert response.status == 200
                    assert response.headers["X-Request-ID"] == "gunicorn-test-1"
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(log.read_text())
    finally:
        server.terminate()
        server.wait(timeout=30)
    access_lines = [line for line in log.read_text().splitlines() if "/healthz" in line]
    assert access_lines, log.read_text()
    assert "request_id=gunicorn-test-1" in access_lines[0]
    assert '" 200 ' in access_lines[0]
