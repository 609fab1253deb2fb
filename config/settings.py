"""Redline settings. Everything that differs between machines comes from the environment.

With no DATABASE_URL / CELERY_BROKER_URL, Redline runs on an embedded default (SQLite and
kombu's filesystem transport) so that `make demo` needs nothing installed.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.env import env_bool, env_choice, env_float, env_int, env_list, env_str

django_stubs_ext.monkeypatch()  # lets admin.ModelAdmin[Model] etc. be subscripted at run time

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("REDLINE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET = "redline-insecure-development-key-do-not-use-in-production"  # noqa: S105 - DEBUG only
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY (a long random string) or run with DEBUG=1.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "annotation",
    "assist",
]

MIDDLEWARE = [
    "log_request_id.middleware.RequestIDMiddleware",
    "annotation.ops.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.headers.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# The browser runs only Redline's own scripts (htmx gets the request's nonce), evaluates no
# strings, and embeds Redline in no frame; model output shown to people can never become code.
# Inline styles stay allowed: progress bars set their width in a style attribute.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.csp",
                "annotation.web.context_processors.roles",
            ],
        },
    },
]

# Database: Postgres in production and tests, SQLite only as the demo's embedded default.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'redline.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's web server and worker threads write at once: wait for the lock, take it up front.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "annotation.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"

# Repeated failed logins lock the account and the address out for a while (django-axes), and
# the login page says so; a success resets the count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("REDLINE_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_float("REDLINE_LOGIN_LOCKOUT_MINUTES", 15.0, minimum=1.0) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False
REDLINE_TOKEN_FAILURE_LIMIT = env_int("REDLINE_TOKEN_FAILURE_LIMIT", 20, minimum=1)
REDLINE_TOKEN_FAILURE_WINDOW_S = env_int("REDLINE_TOKEN_FAILURE_WINDOW_S", 600, minimum=1)
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("REDLINE_STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
_MANIFEST = env_bool("REDLINE_STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if _MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not _MANIFEST
MEDIA_ROOT = VAR_DIR / "media"

# HTTPS hardening is on whenever DEBUG is off, unless REDLINE_HTTPS=0 says a plain-HTTP
# deployment (or a test server) is intended.
_HTTPS = env_bool("REDLINE_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = _HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]  # probes and scrapers inside the network speak HTTP
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if _HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = _HTTPS
REDLINE_BEHIND_PROXY = env_bool("REDLINE_BEHIND_PROXY", False)
if REDLINE_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Uploads: files above FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to disk, never held in memory.
REDLINE_IMPORT_MAX_BYTES = env_int("REDLINE_IMPORT_MAX_BYTES", 512 * 1024 * 1024, minimum=1)
REDLINE_IMPORT_MAX_ERRORS = env_int("REDLINE_IMPORT_MAX_ERRORS", 50, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Celery: Redis in production and tests; kombu's filesystem transport as the embedded default.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery"
    for _sub in ("queue", "processed"):
        (_queue_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "redline")

# Periodic upkeep, sent by `celery beat` (compose's `beat` service; `make demo` runs it inside its
# worker). Celery's own scheduler: django-celery-beat 2.9 requires Django < 6.1.
REDLINE_UPKEEP_INTERVAL_S = env_float("REDLINE_UPKEEP_INTERVAL_S", 60.0, minimum=0.5)
REDLINE_EXPORT_RETENTION_DAYS = env_int("REDLINE_EXPORT_RETENTION_DAYS", 30, minimum=1)
REDLINE_EXPORT_SWEEP_S = env_float("REDLINE_EXPORT_SWEEP_S", 3600.0, minimum=0.5)
CELERY_BEAT_SCHEDULE = {
    name: {"task": task, "schedule": every, "options": {"expires": max(30.0, every)}}
    for name, task, every in (
        (
            "release-abandoned-tasks",
            "annotation.labeling.celery_jobs.release_abandoned_tasks",
            REDLINE_UPKEEP_INTERVAL_S,
        ),
        ("expire-overdue-tasks", "annotation.labeling.celery_jobs.expire_overdue_tasks", REDLINE_UPKEEP_INTERVAL_S),
        ("requeue-stale-runs", "assist.tasks.requeue_stale", 2 * REDLINE_UPKEEP_INTERVAL_S),
        ("expire-exports", "annotation.results.celery_jobs.expire_exports", REDLINE_EXPORT_SWEEP_S),
        ("resend-webhooks", "annotation.hooks.celery_jobs.resend_overdue_deliveries", REDLINE_UPKEEP_INTERVAL_S),
    )
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Webhooks: HMAC-signed POSTs, retried by the worker with exponential backoff. Private and loopback
# addresses are refused unless allowed (a receiver on the same host in development and tests).
REDLINE_WEBHOOK_TIMEOUT_S = env_float("REDLINE_WEBHOOK_TIMEOUT_S", 10.0, minimum=0.1)
REDLINE_WEBHOOK_MAX_ATTEMPTS = env_int("REDLINE_WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
REDLINE_WEBHOOK_BACKOFF_S = env_float("REDLINE_WEBHOOK_BACKOFF_S", 30.0, minimum=0.0)
REDLINE_WEBHOOK_ALLOW_PRIVATE = env_bool("REDLINE_WEBHOOK_ALLOW_PRIVATE", DEBUG)

# Crowd platforms: where a participant goes back to when they finish.
REDLINE_PROLIFIC_COMPLETE_URL = env_str(
    "REDLINE_PROLIFIC_COMPLETE_URL", "https://app.prolific.com/submissions/complete?cc={code}"
)

# The critic: any OpenAI-compatible server, vLLM in production.
REDLINE_CRITIC_BASE_URL = env_str("REDLINE_CRITIC_BASE_URL", "http://127.0.0.1:8001/v1")
REDLINE_CRITIC_MODEL = env_str("REDLINE_CRITIC_MODEL", "critic")
REDLINE_CRITIC_API_KEY = env_str("REDLINE_CRITIC_API_KEY", "EMPTY")
REDLINE_CRITIC_TIMEOUT_S = env_float("REDLINE_CRITIC_TIMEOUT_S", 120.0, minimum=0.1)
REDLINE_CRITIC_MAX_IN_FLIGHT = env_int("REDLINE_CRITIC_MAX_IN_FLIGHT", 64, minimum=1)
REDLINE_CRITIC_LENGTH_MODIFIER = env_float("REDLINE_CRITIC_LENGTH_MODIFIER", 0.5)

# Untrusted code (tests of code items, demo mutants) runs in a sandbox: bubblewrap when
# available ("auto"), required ("bwrap"), or resource limits only ("rlimit").
REDLINE_SANDBOX = env_choice("REDLINE_SANDBOX", "auto", ("auto", "bwrap", "rlimit"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "config.authentication.GuardedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Anonymous callers (token guessing) are slowed hard; people and scripts with a session or token
    # get room for a busy labeling session, and a 429 with Retry-After past it.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("REDLINE_API_ANON_RATE", "30/minute"),
        "user": env_str("REDLINE_API_USER_RATE", "1200/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Redline API",
    "DESCRIPTION": "Critique-assisted human review of model outputs.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "annotation.web.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ItemKindEnum": "annotation.choices.Kind",
        "ArmKindEnum": "annotation.studies.models.ArmKind",
        "StudyStatusEnum": "annotation.studies.models.StudyStatus",
        "AssignmentStatusEnum": "annotation.studies.models.AssignmentStatus",
        "ReviewStatusEnum": "annotation.labeling.models.ReviewStatus",
        "RunStatusEnum": "assist.models.RunStatus",
        "JobStatusEnum": "annotation.results.models.ExportStatus",  # export and import jobs share it
    },
}

# Logs: one JSON object per line (python-json-logger) with the request's id (django-log-request-id;
# taken from the proxy's X-Request-ID behind one, else made here, and sent back in X-Request-ID);
# REDLINE_LOG_FORMAT=text for people reading a terminal (the default with DEBUG).
REDLINE_LOG_FORMAT = env_choice("REDLINE_LOG_FORMAT", "text" if DEBUG else "json", ("json", "text"))
GENERATE_REQUEST_ID_IF_NOT_IN_HEADER = True
REQUEST_ID_RESPONSE_HEADER = "X-Request-ID"
LOG_REQUESTS = env_bool("REDLINE_LOG_REQUESTS", not DEBUG)
if REDLINE_BEHIND_PROXY:
    LOG_REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "log_request_id.filters.RequestIDFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": REDLINE_LOG_FORMAT, "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# Prometheus scrapes /metrics with this bearer token (blank: only admins, logged in, can read it).
REDLINE_METRICS_TOKEN = env_str("REDLINE_METRICS_TOKEN", "")

# Critique runs: a running run's worker writes a heartbeat; a run silent for this long is
# taken over by another worker (or by the next worker to start).
REDLINE_RUN_STALE_S = env_float("REDLINE_RUN_STALE_S", 60.0, minimum=1.0)
REDLINE_RUN_ATTEMPTS = env_int("REDLINE_RUN_ATTEMPTS", 4, minimum=1)
REDLINE_EXECUTION_WORKERS = env_int("REDLINE_EXECUTION_WORKERS", 2, minimum=1)

# Study analyses are stored and served until the study changes; one over this many submitted
# reviews is computed by the worker (the page shows progress) instead of inside the request.
REDLINE_ANALYSIS_INLINE_MAX_REVIEWS = env_int("REDLINE_ANALYSIS_INLINE_MAX_REVIEWS", 3000, minimum=0)

# One text field of an imported item (context, question, response, tests, a critique) may hold at
# most this many characters, and one JSON Lines line at most this many bytes; larger is refused
# with its line and field, so no page or API answer ever carries a 50 MB passage.
REDLINE_IMPORT_MAX_TEXT_CHARS = env_int("REDLINE_IMPORT_MAX_TEXT_CHARS", 200_000, minimum=1_000)
REDLINE_IMPORT_MAX_LINE_BYTES = env_int("REDLINE_IMPORT_MAX_LINE_BYTES", 4_000_000, minimum=10_000)
# An upload larger than this is imported by the worker, with a progress page, not in the request.
REDLINE_IMPORT_BACKGROUND_BYTES = env_int("REDLINE_IMPORT_BACKGROUND_BYTES", 5_000_000, minimum=0)
