"""Settings read from the environment; the defaults give a working SQLite site for development."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    return os.environ.get(name, str(int(default))).strip().lower() in {"1", "true", "yes", "on"}


def dev_secret_key(path):
    """A random key for a development machine, made once and kept in var/ (git-ignored): none is committed."""
    import secrets

    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # written whole under a private name, then linked into place: a process starting at the same moment
        # reads either no file or the whole key, and the first link wins
        draft = path.with_name(f"{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


# Production unless told otherwise: `make run` sets DEBUG=1, and the test runner marks itself
# (pytest sets PYTEST_VERSION in the environment).
DEBUG = env_bool("DEBUG", "PYTEST_VERSION" in os.environ)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG=0")
    SECRET_KEY = dev_secret_key(BASE_DIR / "var" / "secret-key")

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "simple_history",
    "axes",
    "indicators",
    "targets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "zjindustry.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zjindustry.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # The data version is read at most once per request and sent back as X-Data-Version.
    "indicators.versioning.DataVersionMiddleware",
    # Anonymous visitors see only the login page, /healthz and static files (see DASHBOARD_PUBLIC).
    "indicators.access.DashboardLoginRequiredMiddleware",
    # Must stay last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first, so a locked-out account is refused before its password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "zjindustry.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "targets.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "zjindustry.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60"))
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploaded statistics files are kept outside the web root under generated names.
UPLOAD_ROOT = Path(os.environ.get("UPLOAD_ROOT", BASE_DIR / "var" / "uploads"))
# The gap tables each data version's writer builds for every worker to load (indicators.versioning.store_tables):
# a directory all app servers share, like UPLOAD_ROOT; a server that cannot see it computes the tables itself.
TABLES_ROOT = Path(os.environ.get("TABLES_ROOT", BASE_DIR / "var" / "tables"))
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", 20 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Mail: printed to the console unless an SMTP host is configured. Password reset by mail is offered only
# when mail can actually be sent.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "zjindustry@localhost")
PASSWORD_RESET_ENABLED = bool(EMAIL_HOST)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"

# Status bands of the growth-ratio method (docs/methodology.md); the bureau may tune them.
GAP_STATUS_THRESHOLDS = {"on_track": 0.95, "needs_acceleration": 0.60}

# A year is the pages' default only when at least this share of the counties reported the base indicators of
# the current plan's targets (targets/coverage.py); a year below it is partial: reachable, never the default.
AS_OF_COVERAGE = float(os.environ.get("AS_OF_COVERAGE", "0.8"))

# Whether anonymous visitors may see the dashboard; the bureau decides, off by default.
# Uploads, drafts and the submission queue need a login either way.
DASHBOARD_PUBLIC = env_bool("DASHBOARD_PUBLIC", False)

# Review by the city (设区市) first: a county's upload is checked by its city's staff, then approved by the
# province. Off by default (county → province).
CITY_REVIEW = env_bool("CITY_REVIEW", False)

# Links in notification mails: the site's address as users reach it (empty: the mail gives the path only).
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

# Upload preview: a value moving more than this share against the value on file is highlighted; a rate (unit %)
# is compared in percentage points instead, and a count (家, 台, 个…) whose old and new values both stay below the
# floor is never highlighted (2 → 5 companies is +150 % and nothing to check).
UPLOAD_CHANGE_HIGHLIGHT = 0.30
UPLOAD_CHANGE_POINTS = 5.0
UPLOAD_CHANGE_COUNT_FLOOR = 10

# Login throttling (django-axes): 5 failures lock that username from that address for an hour.
# Keyed on username+IP, not IP alone: a county bureau's staff often share one NAT address.
# Behind a reverse proxy set TRUSTED_PROXY_COUNT (how many proxies append to X-Forwarded-For), or every
# visitor would share the proxy's address; see zjindustry.security.client_ip.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "zjindustry.security.client_ip"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

DJANGO_TABLES2_TEMPLATE = "tables/compact.html"

# Bootstrap calls the error colour "danger".
MESSAGE_TAGS = {40: "danger"}

# ---------------------------------------------------------------------------
# Production (DEBUG=0): HTTPS-only cookies, HSTS, static files collected for whitenoise.
# ---------------------------------------------------------------------------
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))

# Cached page bodies are keyed on the data version, which lives in the database (indicators.versioning),
# so every process agrees on it whatever the cache. By default they are files under CACHE_DIR, which the
# workers of one server share (after an approval each page is rendered once, not once per worker); Redis
# (CACHE_URL=redis://host:6379/0) shares them between servers. Either is speed only: correctness never
# depends on the cache.
if os.environ.get("CACHE_URL", "").startswith("redis"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["CACHE_URL"]}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("CACHE_DIR", str(BASE_DIR / "var" / "cache")),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
