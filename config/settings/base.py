"""Settings shared by every environment. Everything that varies comes from DJANGO_/QAF_ variables."""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = env("DJANGO_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [h for h in env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mozilla_django_oidc",
    "csp",
    "rules",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "qaf.common",
    "qaf.accounts",
    "qaf.organisation",
    "qaf.cases",
    "qaf.access_log",
    "qaf.escalations",
    "qaf.actions",
    "qaf.performance",
    "qaf.tools",
    "qaf.audits",
    "qaf.feedback",
    "qaf.text",
    "qaf.api",
    "qaf.web",
    "qaf.demo",
    "qaf.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "qaf.accounts.middleware.SessionLifetimeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "qaf.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "qaf.common.middleware.NoStoreForPersonalDataMiddleware",
    "qaf.api.middleware.RefuseUnstorableInputMiddleware",
    "qaf.web.middleware.DomainErrorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

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
                "csp.context_processors.nonce",
                "qaf.web.context_processors.site",
            ],
        },
    }
]
FORM_RENDERER = "qaf.common.forms.GovukFormRenderer"

# SQLite under var/ is the embedded default; DATABASE_URL selects PostgreSQL.
SQLITE_PATH = BASE_DIR / "var" / "qaf.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and immediate transactions: concurrent readers, writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: the scorecard's aggregates are short, and compiling them cost more than it saved
    # (about 0.2 s a query at national scale; benchmarks/README.md).
    DATABASES["default"]["OPTIONS"] = {"options": "-c jit=off"}
    # A kept connection is checked before each request reuses it, so a database restart costs
    # only the requests in flight: the next ones reconnect (make bench-load measures this).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "qaf.accounts.backends.LockoutModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    # Django's bundled list of 20,000 passwords common in breaches, also with the digits and
    # symbols people add to the end taken off ("Password2024!").
    {"NAME": "qaf.accounts.passwords.BreachedPasswordValidator"},
    {"NAME": "qaf.accounts.passwords.RepetitivePasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: idle timeout 30 minutes (warning 5 minutes before), absolute lifetime 12 hours.
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
QAF_IDLE_TIMEOUT_SECONDS = 30 * 60
QAF_IDLE_WARNING_SECONDS = 5 * 60
QAF_ABSOLUTE_SESSION_SECONDS = 12 * 60 * 60

# Lockout (docs/security.md): 5 failures for a username from one address lock that username
# there for 15 minutes; a council's staff share one public address, so never the address alone.
# Failures from many addresses lock the username everywhere it has not signed in from before
# (in the last QAF_KNOWN_ADDRESS_DAYS), so strangers elsewhere cannot lock a person out at work.
QAF_LOCKOUT_FAILURES = int(env("QAF_LOCKOUT_FAILURES", "5"))
QAF_LOCKOUT_USERNAME_FAILURES = int(env("QAF_LOCKOUT_USERNAME_FAILURES", "20"))
QAF_LOCKOUT_SECONDS = int(env("QAF_LOCKOUT_SECONDS", str(15 * 60)))
QAF_KNOWN_ADDRESS_DAYS = int(env("QAF_KNOWN_ADDRESS_DAYS", "90"))
# Load balancers in front of QAF whose X-Forwarded-For is believed (0: none, use the socket).
QAF_TRUSTED_PROXIES = int(env("QAF_TRUSTED_PROXIES", "0"))

# Demo mode: the fictional council's accounts exist and may skip the second factor.
QAF_DEMO_MODE = env_bool("QAF_DEMO_MODE", False)
QAF_DEMO_SKIP_SECOND_FACTOR = env_bool("QAF_DEMO_SKIP_SECOND_FACTOR", False)
QAF_COUNCIL_NAME = env("QAF_COUNCIL_NAME", "Northmoor County Council")
# The address people use to reach QAF: links in emails are built on it.
QAF_SITE_URL = env("QAF_SITE_URL", "http://127.0.0.1:8000")
# Children aged 0-17 in the council's area (ONS mid-year estimate): CP and CiC rates per 10,000.
QAF_CHILD_POPULATION = int(env("QAF_CHILD_POPULATION", "0") or 0)
# KPI targets for red/amber/green, e.g. '{"re_referrals": {"green": 20, "amber": 25}}' (JSON).
QAF_KPI_TARGETS: dict[str, dict[str, float]] = json.loads(env("QAF_KPI_TARGETS", "{}") or "{}")
# Database connections the scorecard computes KPIs on at once (1: one after another).
QAF_KPI_WORKERS = int(env("QAF_KPI_WORKERS", "4"))

# Feedback (docs/feedback.md): where safety-trigger alerts go at once, the number a child or
# family is given on screen, and the council's stage 1 complaint timescale in working days.
QAF_DUTY_INBOX_EMAIL = env("QAF_DUTY_INBOX_EMAIL", "qa-duty@example.invalid")
QAF_CHILDRENS_FRONT_DOOR_PHONE = env("QAF_CHILDRENS_FRONT_DOOR_PHONE", "01234 567 890")
QAF_COMPLAINT_STAGE1_WORKING_DAYS = int(env("QAF_COMPLAINT_STAGE1_WORKING_DAYS", "10"))

# Council single sign-on (Microsoft Entra ID or any OpenID Connect provider).
QAF_OIDC_ENABLED = bool(env("OIDC_RP_CLIENT_ID"))
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT")
OIDC_OP_ISSUER = env("OIDC_OP_ISSUER")  # checked against the ID token's "iss" when set
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_CREATE_USER = True
OIDC_TIMEOUT = 10
LOGIN_REDIRECT_URL_FAILURE = "/accounts/sign-in/?sso_failed=1"
# Group claim values (Entra group object IDs or names) mapped to QAF roles, "group=role,group=role".
QAF_OIDC_GROUP_ROLES = env("QAF_OIDC_GROUP_ROLES")
QAF_OIDC_GROUPS_CLAIM = env("QAF_OIDC_GROUPS_CLAIM", "groups")
if QAF_OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("qaf.accounts.oidc.CouncilOIDCBackend")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT") or BASE_DIR / "var" / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "qaf@example.invalid")
# The council's SMTP relay (QAF_EMAIL_SERVICE=smtp with Django's SMTP backend).
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "30")) or None
# How email leaves (docs/admin-guide.md, "Email"): "smtp" (EMAIL_BACKEND) or "notify" (GOV.UK
# Notify: an API key, and template IDs by notification name, "message" for all the others).
QAF_EMAIL_SERVICE = env("QAF_EMAIL_SERVICE", "smtp")
QAF_NOTIFY_API_KEY = env("QAF_NOTIFY_API_KEY")
QAF_NOTIFY_BASE_URL = env("QAF_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
try:
    QAF_NOTIFY_TEMPLATES: dict[str, str] = json.loads(env("QAF_NOTIFY_TEMPLATES") or "{}")
except ValueError as _error:
    raise ImproperlyConfigured(
        'QAF_NOTIFY_TEMPLATES must be JSON, e.g. {"message": "<Notify template id>"}'
    ) from _error
QAF_NOTIFY_REPLY_TO_ID = env("QAF_NOTIFY_REPLY_TO_ID")
# An email not sent within this long (worker stopped, service down) is dropped, unread: its
# sealed recipients and body (which may hold a single-use link) do not outlive it.
QAF_EMAIL_MAX_AGE_SECONDS = int(env("QAF_EMAIL_MAX_AGE_SECONDS", str(24 * 60 * 60)))
# An email still waiting this long was left by a stopped worker: `qaf sweep_outbox` resends it.
QAF_OUTBOX_RETRY_AFTER_SECONDS = int(env("QAF_OUTBOX_RETRY_AFTER_SECONDS", "600"))

# Content Security Policy (django-csp 4): nonces for our own scripts, nothing from elsewhere.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "qaf.web.middleware.csrf_failure"  # the generic 403 page
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500  # a larger ?limit= is refused with 422 (docs/api.md)
# Bounded offset too: a huge ?offset= is a 422, never a database overflow.
NINJA_PAGINATION_CLASS = "qaf.api.pagination.BoundedLimitOffsetPagination"
