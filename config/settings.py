"""Touyan settings: one env-driven module with safe embedded defaults.

No environment → SQLite file in the project folder, Celery tasks executed eagerly, DEBUG on.
Production is configured only by environment variables (see README: DATABASE_URL, REDIS_URL,
SECRET_KEY, ALLOWED_HOSTS, DEBUG=0 …). Required secrets fail loudly when DEBUG is off.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.local import demo_secret_key
from config.sqlite import sqlite_database

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# DEMO=1 (make demo): production behaviour on plain http://127.0.0.1 with a local secret (config/local.py).
DEMO = env_bool("DEMO", False)
DEBUG = env_bool("DEBUG", not DEMO)

SECRET_KEY = os.environ.get("SECRET_KEY", "") or (demo_secret_key(BASE_DIR / "var" / "secret_key") if DEMO else "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "touyan-insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "simple_history",
    "core.axes_app.AxesConfig",
    "core",
    "cadres",
    "reserves",
    "training",
    "assessments",
    "subsidies",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.PasswordChangeRequiredMiddleware",  # after an administrator's password reset
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.middleware.JobQueueUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
CSRF_FAILURE_VIEW = "core.error_views.csrf_failure"  # Chinese page (403_csrf.html), JSON under /api/

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
                "core.context_processors.navigation",
            ],
        },
    },
]

# Select widgets written in Python (core.forms.FormRenderer); everything else as Django renders it.
FORM_RENDERER = "core.forms.FormRenderer"

WSGI_APPLICATION = "config.wsgi.application"

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    PG_RANDOM_PAGE_COST = os.environ.get("PG_RANDOM_PAGE_COST", "1.1").strip()
    if DATABASES["default"]["ENGINE"].endswith("postgresql") and PG_RANDOM_PAGE_COST:
        # The planner's cost of a random read: PostgreSQL's default (4) assumes spinning disks
        # and makes it scan a whole table rather than look up a township's few hundred rows by
        # index (a clerk's person list at prefecture scale: 34 ms → 1 ms). 1.1 suits SSDs and
        # databases held in memory. Set per connection (added to any ``options`` of the URL);
        # PG_RANDOM_PAGE_COST= (empty) leaves it to the server, e.g. behind a connection pooler
        # that refuses startup options (then ALTER DATABASE … SET random_page_cost = 1.1).
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c random_page_cost={float(PG_RANDOM_PAGE_COST)}".strip()
else:
    DATABASES = {"default": sqlite_database(os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery --------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Redis down must not take the pages down: the cache answers "miss" on connection errors (and
# skips Redis for a few seconds, logged once, core/cache.py); queueing a job answers
# core.jobs.JobQueueUnavailable ("后台任务服务暂不可用，请稍后再试") within about a second.
REDIS_CONNECT_TIMEOUT = float(os.environ.get("REDIS_CONNECT_TIMEOUT", "0.5"))
REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "3"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT, "socket_timeout": REDIS_SOCKET_TIMEOUT},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://localhost/"
    CELERY_RESULT_BACKEND = "cache+memory://"
# Eager unless a broker is configured; CELERY_EAGER=1/0 overrides.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# The pay run township by township over the workers, in one piece when tasks run eagerly
# (core.jobs.split_by_township); JOBS_SPLIT_BY_TOWNSHIP=1/0 overrides.
JOBS_SPLIT_BY_TOWNSHIP = env_bool("JOBS_SPLIT_BY_TOWNSHIP", True) if os.environ.get("JOBS_SPLIT_BY_TOWNSHIP") else None
# Home page: when its data changed, show the previous figures ("正在更新") and recompute them on
# the worker instead of inside the request (cadres.dashboard.build_dashboard). Off when tasks
# run eagerly (there is no worker to hand them to).
DASHBOARD_BACKGROUND_REFRESH = env_bool("DASHBOARD_BACKGROUND_REFRESH", not CELERY_TASK_ALWAYS_EAGER)
# A starting worker warms every scope's home page (production; off in development and CI, where
# the worker serves a test database).
DASHBOARD_WARM_ON_WORKER_START = env_bool("DASHBOARD_WARM_ON_WORKER_START", not DEBUG and not CELERY_TASK_ALWAYS_EAGER)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_TIME_LIMIT = 30 * 60
# The rollup and the pay run are split into one task per township (a chord): a worker takes one
# task at a time, so that a second worker shares the townships instead of finding them reserved.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker keeps its database connection from task to task (Celery would open a new one for each
# of a run's hundreds of township tasks); config.celery drops a connection that broke or outlived
# CONN_MAX_AGE before each task, as Django does before each request.
CELERY_DB_REUSE_MAX = 500
# Publishing a job when the broker is down fails fast (the page says so) instead of hanging.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# Sending a task subscribes to its result on the result backend (the same Redis): retried 20 times,
# a second apart, by default — a 20-second hang before the page could answer.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": CELERY_TASK_PUBLISH_RETRY_POLICY}
CELERY_BEAT_SCHEDULE = {
    "first-secretary-terms-daily": {
        "task": "cadres.tasks.first_secretary_terms_expire_task",
        "schedule": 24 * 60 * 60,
    },
    # The home page of every scope, computed before staff arrive (the cache key holds the date).
    "dashboard-warm-morning": {
        "task": "cadres.tasks.dashboard_warm_task",
        "schedule": crontab(hour=6, minute=30),
    },
    # Import batches: resume an interrupted preview, mark an interrupted apply/undo 已中断, and
    # queue the previews of files kept while the queue was down (core.imports.batches.import_batches_watch).
    # Twice a minute: a job silent for IMPORT_STUCK_SECONDS (30) is found within a minute of its
    # last heartbeat even when nobody has its page open. One indexed query when nothing runs.
    "import-batches-watch": {
        "task": "core.imports.tasks.import_batches_watch_task",
        "schedule": 30,
        "options": {"expires": 25},  # a worker back from an outage runs one, not a backlog
    },
    # Runs the 双述双评 rollup once the date configured in the year's policy has come.
    "assessments-rollup-scheduled-daily": {
        "task": "assessments.tasks.review_rollup_scheduled_task",
        "schedule": 24 * 60 * 60,
    },
}

# --- Auth, login audit and lockout (django-axes) ---------------------------------------------
AUTH_USER_MODEL = "cadres.User"
# The models the frame (core) works with, kept in the register app (see core.conf).
TOUYAN_MODELS = {
    "township": "cadres.Township",
    "village": "cadres.Village",
    "person": "cadres.Person",
    "policy_profile": "cadres.PolicyProfile",
    "import_batch": "cadres.ImportBatch",
    "export_log": "cadres.ExportLog",
}
TOUYAN_PERSONAL_DATA_PERMISSION = "cadres.view_personal_data"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "core.password_validation.MinimumLengthValidator"},  # Chinese message (zh-hans lacks it)
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
# Failures count per account *and* client address: a stranger elsewhere cannot lock the real user
# out, and one person's typos behind a township's shared NAT address lock no colleague.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
SESSION_COOKIE_AGE = 8 * 60 * 60

# --- I18N -------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False
# Chinese for what Django, django-simple-history and django-axes ship untranslated (django.mo is committed).
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files: front-end packages come from the npm registry (node_modules), never a CDN ---
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# npm packages (package.json; installed by `make setup`) served under static/vendor/<name>/.
NODE_MODULES = BASE_DIR / "node_modules"
VENDOR_PACKAGES = {
    "bootstrap": "bootstrap/dist",
    "bootstrap-icons": "bootstrap-icons/font",
    "htmx": "htmx.org/dist",
    "echarts": "echarts/dist",
}
STATICFILES_DIRS += [
    (f"vendor/{name}", NODE_MODULES / rel) for name, rel in VENDOR_PACKAGES.items() if (NODE_MODULES / rel).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media")))
# Uploaded spreadsheets: outside the web root, never served by URL.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")))
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_MB", "20")) * 1024 * 1024
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "200000"))
# The used range of a sheet is measured before it is read (the reader builds it as a dense grid):
# columns per sheet, rows × columns of all sheets together, characters per cell (Excel's own limit).
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", "200"))
IMPORT_MAX_CELLS = int(os.environ.get("IMPORT_MAX_CELLS", "3000000"))
IMPORT_MAX_CELL_CHARS = int(os.environ.get("IMPORT_MAX_CELL_CHARS", "32767"))
IMPORT_MAX_UNZIPPED_BYTES = 400 * 1024 * 1024
# Files larger than this are previewed/applied on the Celery worker (live progress bar).
IMPORT_ASYNC_BYTES = int(os.environ.get("IMPORT_ASYNC_KB", "256")) * 1024
# A running batch (校验中/导入中/撤销中) whose job has started beats every IMPORT_HEARTBEAT_SECONDS;
# silent for IMPORT_STUCK_SECONDS it is taken as interrupted (worker died): a preview is resumed,
# an apply or undo is marked 已中断 with 重试 offered at once (checked every minute by Celery beat
# and whenever the batch page is open). A job queued but not started within IMPORT_QUEUE_SECONDS
# (the queue is busy or its worker died) is treated the same way.
IMPORT_HEARTBEAT_SECONDS = int(os.environ.get("IMPORT_HEARTBEAT_SECONDS", "10"))
IMPORT_STUCK_SECONDS = int(os.environ.get("IMPORT_STUCK_SECONDS", "30"))
IMPORT_QUEUE_SECONDS = int(os.environ.get("IMPORT_QUEUE_SECONDS", "120"))
# A preview older than this is stale: it must be validated again before it can be applied.
IMPORT_PREVIEW_MAX_HOURS = int(os.environ.get("IMPORT_PREVIEW_MAX_HOURS", "24"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security (production values come from env; check --deploy is clean with DEBUG=0) ---------
HTTPS_ONLY = not DEBUG and not DEMO
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS_ONLY)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS_ONLY)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS_ONLY)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS_ONLY else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS_ONLY)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS_ONLY)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- DRF / OpenAPI ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "头雁 Touyan API",
    "DESCRIPTION": "村干部队伍建设管理系统接口。所有列表按登录用户的数据范围过滤。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets are served from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {
        "FilingStatusEnum": "cadres.choices.FilingStatus",
        "FirstSecretaryStatusEnum": "cadres.choices.FirstSecretaryStatus",
        "VettingResultEnum": "cadres.choices.VettingResult",
        "EducationEnum": "cadres.choices.Education",
    },
    # 400/401/403/404 of every operation (the shared error answers), see core/openapi.py.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.openapi.document_error_responses"],
}

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "touyan-demo")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
