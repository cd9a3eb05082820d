"""Logging: the request id on every record, plain or JSON lines (``LOG_FORMAT``).

``RequestIdMiddleware`` (timetracker.middleware) sets the id for the request being served;
``RequestIdFilter`` copies it onto every log record, so app, Django and library lines all
carry it. Outside a request (the worker, management commands) the id is ``-``.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (the current request's id, or ``-``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def build_logging(*, log_format: str = "text", level: str = "INFO") -> dict:
    """The ``LOGGING`` dict: one stderr handler on the root logger that every logger,
    Django's included, propagates to, so each record (an error's traceback too) is written
    once. ``log_format`` is ``text`` or ``json`` (python-json-logger)."""
    if log_format not in {"text", "json"}:
        raise ValueError("LOG_FORMAT must be text or json.")
    formatters = {
        "text": {"format": TEXT_FORMAT},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": JSON_FIELDS,
            "rename_fields": {"levelname": "level", "asctime": "time", "name": "logger"},
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "timetracker.logging.RequestIdFilter"}},
        "formatters": {log_format: formatters[log_format]},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's default config gives "django" its own console and mail_admins
            # handlers; without them its records reach the root handler alone: once.
            "django": {"handlers": [], "level": level, "propagate": True},
            # runserver's request lines: keep them, through the same handler.
            "django.server": {"handlers": [], "level": level, "propagate": True},
            "axes": {"level": "WARNING"},
        },
    }
