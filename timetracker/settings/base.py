"""Settings read once from the environment (django-environ); see .env.example for every variable."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from timetracker.logging import build_logging

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env is a convenience for developers; real deployments set the environment.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (see .env.example), "
            "or set DEBUG=True for a throwaway development key."
        )
    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # django-axes, under a "Security" heading in the admin index.
    "accounts.axes_app.SecurityAxesConfig",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "clients",
    "tracking",
    "invoicing",
    "portal",
    "reports",
    "api",
    "demo",
    "audit",
]

MIDDLEWARE = [
    # First, so every log line of the request (redirects and errors too) carries the id.
    "timetracker.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A logged-in user's saved language (User.language) wins over the browser's.
    "accounts.middleware.UserLanguageMiddleware",
    # request.user.is_verified(): whether this session passed the two-factor step.
    "django_otp.middleware.OTPMiddleware",
    # no-store on every authenticated response and everything under /client-portal/, /api/.
    "timetracker.middleware.PrivateCacheMiddleware",
    # Content-Security-Policy header (CONTENT_SECURITY_POLICY below), with a nonce.
    "timetracker.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout renewed once a minute; sessions end SESSION_MAX_AGE after login.
    "accounts.middleware.SessionLifetimeMiddleware",
    # Sessions that owe a two-factor code reach only the code page (accounts.two_factor).
    "accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns lockouts into a clear response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "timetracker.urls"
WSGI_APPLICATION = "timetracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                # {{ CSP_NONCE }} for an inline script or style that cannot move to static/.
                "csp.context_processors.nonce",
                # The running timer in the admin header (lazy; one query, staff only).
                "tracking.context_processors.running_timer",
            ],
            # {% load formatting %}: money, durations, dates, times (timetracker/formatting.py).
            "libraries": {
                "formatting": "timetracker.templatetags.formatting",
                "admin_bigtables": "timetracker.templatetags.admin_bigtables",
            },
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite gets the plain index.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes' check must come first so locked-out credentials never reach the DB check.
    "accounts.backends.LoginThrottleBackend",
    # Django's ModelBackend that also loads user.client: one query per request, not two.
    "accounts.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
# Password reset and portal invitation links (Django's token generator) expire after this.
PASSWORD_RESET_TIMEOUT = env.int(
    "PASSWORD_RESET_TIMEOUT", default=int(timedelta(days=3).total_seconds())
)

# Sessions: idle timeout (renewed on each request) and an absolute cap, enforced by middleware.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
# The idle timeout is renewed by accounts.middleware at most this often (not every request).
SESSION_REFRESH_INTERVAL = env.int("SESSION_REFRESH_INTERVAL", default=60)
SESSION_MAX_AGE = env.int("SESSION_MAX_AGE", default=12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes: throttle failed logins by username + IP (AXES_FAILURE_LIMIT), and by IP alone
# across usernames (AXES_IP_FAILURE_LIMIT, against password spraying); both over the cool-off.
# The per-IP limit is high enough for an office behind one address. accounts.lockout.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=50)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]  # limits: accounts.lockout
AXES_HANDLER = "accounts.lockout.LoginThrottleHandler"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# Two-factor login (django-otp, accounts/two_factor.py). Superusers must pass it to reach the
# admin when ADMIN_REQUIRE_2FA is on (the default whenever DEBUG is off).
ADMIN_REQUIRE_2FA = env.bool("ADMIN_REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Timetracker")
# django-otp's own throttling: after each wrong code a device waits 1, 2, 4, … seconds.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# The audit trail (audit app) keeps events this long; prune_audit_events deletes older ones.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=400)

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en-us")
# Each language in its own name, as the portal's switcher lists them (docs/ARCHITECTURE.md
# "Languages": how to add one). Our catalogues live in locale/, compiled .mo files committed.
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("nl", "Nederlands")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our date and time formats per language (timetracker/formats/<lang>/formats.py) before
# Django's: one date style (DATE_FORMAT) and 24-hour times except in English.
FORMAT_MODULE_PATH = ["timetracker.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="EUR")

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (client logos, §10), through Django's storage API. Never served from
# MEDIA_URL by us or the web server: the portal hands each client its own logo
# (portal:branding_logo). See docs/DEPLOYMENT.md, "Uploaded files".
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# REST API v1 (PRODUCT.md §8, docs/API.md): bearer tokens or the session, JSON only.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasApiAccess"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.TokenOrUserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_THROTTLE_USER", default="1000/hour"),
        "anon": env.str("API_THROTTLE_ANON", default="100/hour"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.views.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Timetracker API",
    "DESCRIPTION": "REST API v1: clients, projects, time entries, the timer, invoices and "
    "reports, scoped exactly like the admin and the Client Portal. See docs/API.md.",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.nullable_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "clients.models.Project.Status",
        "InvoiceStatusEnum": "invoicing.models.Invoice.Status",
    },
    # Swagger UI and Redoc from drf-spectacular-sidecar: served by us, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
globals().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="timetracker@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Shown on "no portal access" pages so client users know whom to ask.
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default=DEFAULT_FROM_EMAIL)

# Absolute links in emails (the portal invoice page): scheme and host, no trailing slash.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Invoice PDFs and the print view: "A4" or "letter" (US Letter).
INVOICE_PAPER_SIZE = env.str("INVOICE_PAPER_SIZE", default="A4")
if INVOICE_PAPER_SIZE.lower() not in {"a4", "letter"}:
    raise ImproperlyConfigured("INVOICE_PAPER_SIZE must be A4 or letter.")
# How long a rendered invoice PDF stays in the cache (invoicing.pdf; 0: render every time).
INVOICE_PDF_CACHE_SECONDS = env.int("INVOICE_PDF_CACHE_SECONDS", default=86400)
if INVOICE_PDF_CACHE_SECONDS < 0:
    raise ImproperlyConfigured("INVOICE_PDF_CACHE_SECONDS must be 0 or more.")

# Background tasks (django-tasks). TASKS_BACKEND=database (default): queued in the database,
# run by `manage.py db_worker`; without a worker nothing is lost, the tasks wait in the table.
# TASKS_BACKEND=rq: queued in Redis (TASKS_REDIS_URL), run by
# `manage.py rqworker --job-class django_tasks_rq.Job default`. Either way an invoice email
# goes out once: the delivery record, not the queue, says whether it was sent.
TASKS_BACKEND = env.str("TASKS_BACKEND", default="database")
if TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
elif TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": env.str("TASKS_REDIS_URL", default="redis://127.0.0.1:6379/1")}}
else:
    raise ImproperlyConfigured("TASKS_BACKEND must be database or rq.")

# Cache: local memory by default (one process, nothing to run); redis://HOST:6379/N for
# several app servers, so sessions, the API's throttles and anything else cached are shared.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Rendered invoice PDFs (invoicing.pdf): the default cache's server, but as the per-process
# memory cache its own store of at most 64, so PDFs never push sessions or throttle counters
# out (Redis bounds itself with maxmemory).
CACHES["documents"] = dict(CACHES["default"])
if CACHES["default"]["BACKEND"].endswith(".LocMemCache"):
    CACHES["documents"].update(LOCATION="invoice-documents", OPTIONS={"MAX_ENTRIES": 64})
# Sessions are read from the cache and written through to the database: a cache flush or a
# Redis restart logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Production hardening: on by default whenever DEBUG is off.
# Only behind a proxy that sets X-Forwarded-Proto (and X-Forwarded-For) itself: without one, a
# client could forge the header and pass for https.
TRUSTED_PROXY = env.bool("TRUSTED_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# A load balancer probes over plain http inside the private network (docs/DEPLOYMENT.md).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
# Preloading is a commitment browsers keep for months: an operator opts in.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # check --deploy suggests preloading (security.W021); it is the operator's decision.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): nothing inline, nothing from elsewhere. Our pages and
# the admin load scripts and styles from static/ only; an inline <script> or <style> that must
# stay carries nonce="{{ CSP_NONCE }}" (a fresh one per response, timetracker.middleware).
# data: images: the admin's and Swagger UI's CSS embed small SVG icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Logs go to stderr, one line per record, each with the request id (timetracker.logging);
# LOG_FORMAT=json for one JSON object per line. Errors are logged once, with the traceback.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = build_logging(log_format=LOG_FORMAT, level=env.str("LOG_LEVEL", default="INFO"))
