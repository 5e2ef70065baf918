"""Difang settings: one module, read from the environment with safe defaults.

Environment variables (all optional):

- ``DEBUG``: "1", "true" or "yes" turns debug mode on; off by default.
- ``SECRET_KEY``: required unless DEBUG is on or the test suite is running.
- ``ALLOWED_HOSTS``: comma-separated host names; default "127.0.0.1,localhost".
- ``DATABASE_URL``: any URL dj-database-url understands, e.g.
  ``postgres://postgres@127.0.0.1:5432/difang``; default is a SQLite file.
- ``DIFANG_SQLITE_PATH``: where that SQLite file lives; default ``BASE_DIR/difang.sqlite3``.
- ``DIFANG_PUBLISH_ON_IMPORT``: whether imported articles go public at once; default on.
- ``DIFANG_PAGE_CACHE_SECONDS``: how long a public page stays cached; default 60, 0 = off.
- HTTPS hardening, on by default when DEBUG is off and the tests are not running:
  ``DIFANG_SECURE_SSL_REDIRECT``, ``DIFANG_SECURE_COOKIES``, ``DIFANG_HSTS_SECONDS``
  (default one year), ``DIFANG_HSTS_INCLUDE_SUBDOMAINS``, ``DIFANG_HSTS_PRELOAD``;
  ``DIFANG_PROXY_SSL_HEADER`` (e.g. ``HTTP_X_FORWARDED_PROTO``) when a proxy ends TLS;
  ``CSRF_TRUSTED_ORIGINS`` (comma-separated origins, e.g. ``https://difang.example.org``).
"""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

TRUE_WORDS = ("1", "true", "yes")


def env_flag(name, default=False):
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in TRUE_WORDS


DEBUG = env_flag("DEBUG")

# pytest imports itself before it loads settings; the suite must run without secrets.
TESTING = "pytest" in sys.modules

SECRET_KEY = os.environ.get("SECRET_KEY", "")
SECRET_KEY_FROM_ENV = bool(SECRET_KEY)
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "django-insecure-difang-development-key-never-use-in-production"
    else:
        # Command-line tools (import_raw, load_regions) sign nothing and must run anywhere;
        # serving the site without SECRET_KEY is refused in archive/wsgi.py.
        SECRET_KEY = secrets.token_urlsafe(50)

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if host.strip()
]
if "testserver" not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append("testserver")

# HTTPS hardening. Production (DEBUG off, not under pytest) gets safe defaults that
# `manage.py check --deploy` accepts; the test client and DEBUG runs keep plain http.
# Each switch can be set explicitly, e.g. DIFANG_SECURE_SSL_REDIRECT=0 behind a TLS proxy
# that redirects by itself, or for the loopback load test (tests/bench/load_site.py).
PRODUCTION = not (DEBUG or TESTING)
SECURE_SSL_REDIRECT = env_flag("DIFANG_SECURE_SSL_REDIRECT", default=PRODUCTION)
SESSION_COOKIE_SECURE = env_flag("DIFANG_SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = int(
    os.environ.get("DIFANG_HSTS_SECONDS", "").strip() or (31_536_000 if PRODUCTION else 0)
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DIFANG_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env_flag("DIFANG_HSTS_PRELOAD", default=PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if os.environ.get("DIFANG_PROXY_SSL_HEADER", "").strip():
    # Only behind a proxy that sets this header itself and strips it from clients.
    SECURE_PROXY_SSL_HEADER = (os.environ["DIFANG_PROXY_SSL_HEADER"].strip(), "https")
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "import_export",
    "simple_history",
    "axes",
    "archive",
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
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # records which user made each change in the history tables
    "simple_history.middleware.HistoryRequestMiddleware",
    # Content-Security-Policy on every response (public site and admin); below
    "csp.middleware.CSPMiddleware",
    # login throttling: refuses a login after too many failures (below); last, as it asks
    "axes.middleware.AxesMiddleware",
]

# Login throttling (django-axes): after DIFANG_LOGIN_FAILURE_LIMIT failed logins (default
# 5) for one user name from one address, that pair is locked out for
# DIFANG_LOGIN_COOLOFF_HOURS (default 1): the login answers 429. Each failure and each
# lockout is logged (logger "axes") and kept in the admin (Axes: access attempts).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("DIFANG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("DIFANG_LOGIN_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# Content-Security-Policy (django-csp): scripts, styles, fonts and images from this site
# only; no inline scripts or styles anywhere (templates load archive/static/ files), no
# plugins, no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"axes": {"handlers": ["console"], "level": "WARNING", "propagate": True}},
}

ROOT_URLCONF = "archive.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "archive.wsgi.application"

SQLITE_PATH = Path(os.environ.get("DIFANG_SQLITE_PATH", BASE_DIR / "difang.sqlite3"))
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}",
        conn_max_age=600,
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Concurrent importers (and the site reading meanwhile): take the write lock when a
    # transaction starts and wait for it, instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=30)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LOCALE_PATHS = [BASE_DIR / "archive" / "locale"]
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed but not manifest-hashed, so templates render without collectstatic.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Development and tests serve static files straight from the apps (no collectstatic).
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
WHITENOISE_USE_FINDERS = DEBUG or TESTING

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Whether the importer marks new articles as published (public) or leaves them for review.
DIFANG_PUBLISH_ON_IMPORT = env_flag("DIFANG_PUBLISH_ON_IMPORT", default=True)
# Cluster reprints at import (MinHash + LSH, archive/reprints/); off only to measure its cost.
DIFANG_CLUSTER_REPRINTS = env_flag("DIFANG_CLUSTER_REPRINTS", default=True)
# Seconds a whole public page stays cached; its key moves with every data change, so a
# page is never stale (see archive/web.py). 0 turns the page cache off.
DIFANG_PAGE_CACHE_SECONDS = int(os.environ.get("DIFANG_PAGE_CACHE_SECONDS", "60"))

# Largest raw file a curator may upload in the admin (bytes); bigger files go through
# manage.py import_raw.
DIFANG_MAX_UPLOAD_BYTES = int(os.environ.get("DIFANG_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))

# The import queue (import_raw --enqueue, celery -A archive worker): a Redis (or RabbitMQ,
# amqp://) broker shared by every machine. Tasks are acknowledged after they finish, so a
# killed worker's file is redone; on Redis an unacknowledged task goes back to the queue
# after the visibility timeout (seconds), which must exceed the longest file's import.
CELERY_BROKER_URL = os.environ.get("DIFANG_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("DIFANG_QUEUE", "difang-import")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("DIFANG_QUEUE_VISIBILITY_TIMEOUT", "1800"))
}
