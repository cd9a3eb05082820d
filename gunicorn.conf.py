"""gunicorn settings: `gunicorn timetracker.wsgi` reads this file from the working directory.

Environment: WEB_CONCURRENCY (workers; default 2 × cores + 1), GUNICORN_BIND (default
127.0.0.1:8000, behind the reverse proxy), GUNICORN_TIMEOUT (seconds, default 30),
GUNICORN_MAX_REQUESTS (recycle a worker after this many requests, default 1000; 0 = never),
FORWARDED_ALLOW_IPS (the proxy's address, default 127.0.0.1), LOG_FORMAT=json (access and
error lines as JSON, like the app's). See docs/DEPLOYMENT.md.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (bounded memory growth); the jitter keeps them from all
# restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10
# The proxy (docs/DEPLOYMENT.md) is the only client; Django decides what to trust from
# X-Forwarded-* (TRUSTED_PROXY).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def _freeze_long_lived_objects() -> None:
    """Move every object alive now into the garbage collector's permanent generation.

    The app's modules, models, URL patterns, compiled templates and translation catalogues
    live as long as the worker, yet each full collection walked them all again: about a
    tenth of a dashboard request's CPU went to the cyclic garbage collector. Frozen, they
    are never scanned; request garbage is collected as before.
    """
    gc.collect()
    gc.freeze()


def post_worker_init(worker):
    # The app is imported: freeze what start-up allocated.
    _freeze_long_lived_objects()


def post_request(worker, req, environ, resp):
    # After the first request the URL resolver, templates and catalogues are loaded too.
    if worker.nr == 1:
        _freeze_long_lived_objects()


accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The request id is the response's X-Request-ID (timetracker.middleware); %(M)s = ms.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s "%(a)s"'

if os.environ.get("LOG_FORMAT", "text") == "json":
    _json = {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        "rename_fields": {"levelname": "level", "asctime": "time", "name": "logger"},
    }
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": _json},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": loglevel, "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "info", "propagate": False},
        },
    }
