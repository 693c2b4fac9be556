"""The one settings module: every value comes from the environment, with safe defaults."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from guide import csp

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env file is read if there is one; real environment variables win over it.
# ENV_FILE names another file, or none when empty (the tests' settings read none).
ENV_FILE = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if ENV_FILE:
    env.read_env(ENV_FILE)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set the SECRET_KEY environment variable (or DEBUG=true for local development)."
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Before staticfiles: `runserver` leaves static files to WhiteNoise, as production does.
    "whitenoise.runserver_nostatic",
    "places.admin_site.GuideAdminConfig",  # django.contrib.admin with the review queue counted
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "axes",
    # Every change to a place, its sections, photos and other names kept as a version
    # (places/history.py).
    "reversion",
    "places",
]

MIDDLEWARE = [
    # Outermost, so that their headers go on every response: static files (WhiteNoise
    # answers before the layers below), errors and redirects too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "guide.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the switcher's cookie, else the browser's Accept-Language, else English.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A page whose database cannot answer is a 503 "try again shortly" (the API's is JSON).
    "guide.middleware.DatabaseUnavailableMiddleware",
    # Answers to signed-in users and the admin are `private, no-store` (places/cache.py).
    "places.cache.private_unless_public",
    # Last, as django-axes asks: it turns a refused login into the "locked" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "guide.urls"
WSGI_APPLICATION = "guide.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                # LANGUAGES for the switcher, each named in its own language.
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Reusing connections roughly doubles throughput compared with one connection per request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"].get("ENGINE") == "django.db.backends.postgresql":
    # Lets psycopg keep prepared statements (Django turns them off). Only the nearby lookup
    # asks for them (places/nearby.py): planning its statement costs more than running it.
    # Behind PgBouncer in transaction mode, give it max_prepared_statements (1.21+).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
if DATABASES["default"].get("ENGINE") == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # Write-ahead logging: readers never wait for a writer (an import), nor it for them.
        init_command="PRAGMA journal_mode=WAL",
        # Transactions take the write lock when they begin, so a writer queues for it
        # (waiting up to `timeout` seconds) instead of failing when a read turns into a write.
        transaction_mode="IMMEDIATE",
        timeout=env.float("SQLITE_TIMEOUT", default=30.0),
    )

# Whole pages, in each process's own memory (up to 5,000 pages, about 100 MB). Edits show in
# every process at once either way (places/cache.py); several worker processes share the work
# and the memory through a cache such as redis://127.0.0.1:6379/0 (`check --deploy`: W001).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://?max_entries=5000")}
# django-environ hands a URL's ?key_prefix= on lower-cased, where Django does not read it.
if "key_prefix" in CACHES["default"]:
    CACHES["default"]["KEY_PREFIX"] = CACHES["default"].pop("key_prefix")
# Public pages are cached until a change to what they show, and at most this long; 0 turns
# it off.
PLACES_PAGE_CACHE_SECONDS = env.int("PLACES_PAGE_CACHE_SECONDS", default=600)
# How long a shared cache in front of the site (a proxy, a CDN) may answer with its copy of a
# public page before asking again (Cache-Control s-maxage; browsers always ask again).
PLACES_SHARED_CACHE_SECONDS = env.int("PLACES_SHARED_CACHE_SECONDS", default=60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Logins: django-axes refuses a locked-out account before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sessions in the database, not the cache: a cache outage logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Password guessing (README "Settings"): after LOGIN_FAILURE_LIMIT failed logins as one
# username from one address, that username is locked from that address for
# LOGIN_LOCKOUT_MINUTES, counted again from each attempt made while locked. Failures are
# counted in the database, so the lock holds in every worker process and through a cache outage.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "places.logins.locked_out"
# The client's address: REMOTE_ADDR, unless a reverse proxy passes it in a header it sets
# itself (README "Settings": behind nginx, HTTP_X_REAL_IP,REMOTE_ADDR). Read by django-ipware.
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list("LOGIN_CLIENT_IP_HEADERS", default=["REMOTE_ADDR"])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The interface's languages (README "Languages"); place names and texts are not translated.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("kk", "Қазақша")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Number formats Django has no file for (Kazakh's decimal comma).
FORMAT_MODULE_PATH = ["guide.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploaded photos: refused above this many bytes, or pixels (read from the file's header,
# before decoding; decoding takes about 4 bytes a pixel, several times over). See places/images.py.
PLACES_PHOTO_MAX_BYTES = env.int("PLACES_PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
PLACES_PHOTO_MAX_PIXELS = env.int("PLACES_PHOTO_MAX_PIXELS", default=40_000_000)
STORAGES = {
    # Photos (README "Photos and media storage": S3-compatible storage with django-storages).
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed file names need `collectstatic`; development serves the sources.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Email: the review's decisions go to their contributors (places/workflow.py). EMAIL_URL as
# django-environ reads it: smtp+tls://user:password@host:587, smtps://…:465, consolemail://
# (printed, the default with DEBUG) or smtp://localhost:25 (the default without).
vars().update(
    env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="webmaster@localhost")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# Production behind TLS: opt in, since the development server speaks plain HTTP.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_SSL_REDIRECT else None
# HSTS: browsers that saw it refuse plain HTTP to the site for this long. Turn it on only once
# every page is served over TLS (start small: 3600, then 31536000); 0 sends no header.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# The "Nearby" list on a place page: at most this many places within this radius.
PLACES_NEARBY_LIMIT = env.int("PLACES_NEARBY_LIMIT", default=30)
PLACES_NEARBY_RADIUS_KM = env.float("PLACES_NEARBY_RADIUS_KM", default=50.0)
# The "all places near <town>" page shows at most this many, within the same radius.
PLACES_NEARBY_PAGE_LIMIT = env.int("PLACES_NEARBY_PAGE_LIMIT", default=200)
# The JSON API (places/api.py): the largest `limit` and `radius_km` a request may ask for.
PLACES_API_MAX_LIMIT = env.int("PLACES_API_MAX_LIMIT", default=100)
PLACES_API_MAX_RADIUS_KM = env.float("PLACES_API_MAX_RADIUS_KM", default=500.0)
# The maps' background: a {z}/{x}/{y} tile server and the attribution its licence asks for
# (HTML, shown in the map's corner). OpenStreetMap's standard tiles by default; heavy use
# needs a server of one's own or a provider (see OpenStreetMap's tile usage policy).
PLACES_MAP_TILE_URL = env.str(
    "PLACES_MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
PLACES_MAP_TILE_ATTRIBUTION = env.str(
    "PLACES_MAP_TILE_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
    " contributors",
)

# What a page may load and run (guide/middleware.py; README "Security"): scripts and styles
# only from the site's files (no inline code, no style attributes), images from the site, the
# tile server and data: URLs (Leaflet blanks a tile it drops with one), requests only to the
# site, forms posted only to it, no plugins, no <base>, never inside another site's frame.
# Photos are served with a stricter policy of their own (places/media.py).
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", *csp.tile_sources(PLACES_MAP_TILE_URL)],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
}
