"""``GET /healthz``: is this app server fit to serve? For load balancers and monitoring.

No authentication and no data: each check reports ``ok`` or ``fail`` (with the exception's
class name only; the details go to the log). 200 when every check passes, 503 otherwise.
At most two queries: ``SELECT 1`` and the oldest pending task.

The age of the oldest pending task is reported, never a failure: a stalled worker is not a
reason for the load balancer to take web servers out (alert on the number instead).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks import task_backends

logger = logging.getLogger(__name__)


class CheckFailed(Exception):
    pass


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise CheckFailed("unexpected SELECT 1 result")
    return {}


def check_cache() -> dict:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise CheckFailed("cache did not return the value just set")
    cache.delete(key)
    return {}


def check_tasks() -> dict:
    """The task backend answers; ``oldest_pending_age_seconds`` of the tasks ready to run
    (0 when none waits)."""
    backend = task_backends["default"]
    oldest = _oldest_pending_rq() if _is_rq(backend) else _oldest_pending_db()
    age = 0 if oldest is None else max(0, int((timezone.now() - oldest).total_seconds()))
    return {"backend": type(backend).__name__, "oldest_pending_age_seconds": age}


def _is_rq(backend) -> bool:
    return type(backend).__module__.startswith("django_tasks_rq")


def _oldest_pending_db():
    from django_tasks_db.models import DBTaskResult

    return (
        DBTaskResult.objects.ready()
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )


def _oldest_pending_rq():
    import django_rq

    queue = django_rq.get_queue("default")
    job_ids = queue.get_job_ids(0, 1)  # offset, length: the head of the queue
    job = queue.fetch_job(job_ids[0]) if job_ids else None
    if job is None or job.enqueued_at is None:
        queue.connection.ping()
        return None
    enqueued = job.enqueued_at
    return enqueued if timezone.is_aware(enqueued) else enqueued.replace(tzinfo=dt.UTC)


CHECKS = {"database": check_database, "cache": check_cache, "tasks": check_tasks}


@never_cache
@require_safe
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = {"status": "ok", **check()}
        except Exception as exc:  # any failure of a dependency is a failed check, not a 500
            logger.exception("Health check %s failed", name)
            results[name] = {"status": "fail", "error": type(exc).__name__}
    healthy = all(result["status"] == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": results},
        status=200 if healthy else 503,
    )
