"""Settings for benchmark runs: production settings, plain HTTP on loopback, query counting.

Everything else (``DEBUG=False``, WhiteNoise with the manifest storage, persistent
connections, sessions, django-axes) stays as in production, so the numbers mean something.
"""

import os

os.environ.setdefault("DEBUG", "False")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-in-production-0123456789")
# The harness sends thousands of API requests with one token: keep the rate limit out of it.
os.environ.setdefault("API_THROTTLE_USER", "1000000/hour")

from timetracker.settings.base import *  # noqa: E402,F403
from timetracker.settings.base import BASE_DIR, LOGGING, MIDDLEWARE  # noqa: E402

# Outermost, so the count covers every query of the request (session, user, view, template).
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]

# The server listens on 127.0.0.1 over plain HTTP: no HTTPS redirect, no secure-only cookies.
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

# collectstatic output of bench runs stays out of the project's own staticfiles/.
STATIC_ROOT = BASE_DIR / "bench" / ".data" / "staticfiles"

LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "WARNING"}}
