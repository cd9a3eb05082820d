"""TASKS_BACKEND=rq: tasks queue in Redis and /healthz reads the oldest pending job there.

A fresh process each (django-rq reads RQ_QUEUES once, at import). Redis step of .ci/run only.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.redis

SCRIPT = """
import json, time
import django
django.setup()
import django_rq
from invoicing.tasks import send_invoice_email
from timetracker import health

queue = django_rq.get_queue("default")
queue.empty()
empty = health.check_tasks()
send_invoice_email.enqueue(delivery_id=1)
time.sleep(1.2)
waiting = health.check_tasks()
count = queue.count
queue.empty()
print(json.dumps({"empty": empty, "waiting": waiting, "count": count}))
"""


def run(redis_url):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "timetracker.settings.test",
        "TASKS_BACKEND": "rq",
        "TASKS_REDIS_URL": redis_url,
    }
    return subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_a_task_queues_in_redis_and_its_age_is_reported():
    result = run(os.environ["CACHE_URL"])  # the test Redis database
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["empty"] == {"backend": "RQBackend", "oldest_pending_age_seconds": 0}
    assert report["count"] == 1
    assert report["waiting"]["oldest_pending_age_seconds"] >= 1


def test_a_dead_redis_fails_the_check():
    result = run("redis://127.0.0.1:1/0")
    assert result.returncode != 0
    assert "ConnectionError" in result.stderr


ON_COMMIT_SCRIPT = """
import json
import django
django.setup()
import django_rq
from django.db import transaction
from invoicing.notifications import _enqueue

queue = django_rq.get_queue("default")
queue.empty()
with transaction.atomic():
    _enqueue([1, 2])
    inside = queue.count
committed = queue.count
queue.empty()
try:
    with transaction.atomic():
        _enqueue([3])
        raise RuntimeError
except RuntimeError:
    pass
rolled_back = queue.count
queue.empty()
print(json.dumps({"inside": inside, "committed": committed, "rolled_back": rolled_back}))
"""


def test_deliveries_reach_redis_only_once_their_transaction_commits():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "timetracker.settings.test",
        "TASKS_BACKEND": "rq",
        "TASKS_REDIS_URL": os.environ["CACHE_URL"],
    }
    result = subprocess.run(
        [sys.executable, "-c", ON_COMMIT_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"inside": 0, "committed": 2, "rolled_back": 0}
