"""Production: everything from the environment; refuses to start when unsafe."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
if DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
if not SECRET_KEY or SECRET_KEY.startswith("insecure") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters."
    )
if env_bool("QAF_DEMO_MODE") or env_bool("QAF_DEMO_SKIP_SECOND_FACTOR"):
    raise ImproperlyConfigured(
        "Demo mode and skipping the second factor are refused in production."
    )
QAF_DEMO_MODE = False
QAF_DEMO_SKIP_SECOND_FACTOR = False
SESSION_ENGINE = env("DJANGO_SESSION_ENGINE", "django.contrib.sessions.backends.db")
if SESSION_ENGINE == "django.contrib.sessions.backends.signed_cookies":
    raise ImproperlyConfigured(
        "Signed-cookie sessions cannot be ended from the server (disabling an account must "
        "end its sessions): use the database or cache session engine."
    )

# The group-to-role map itself is checked by the accounts.E001 system check (check, migrate).
if QAF_OIDC_ENABLED:  # noqa: F405
    _missing = [
        name
        for name in (
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
            "QAF_OIDC_GROUP_ROLES",
        )
        if not env(name)
    ]
    if _missing:
        raise ImproperlyConfigured(
            "Council single sign-on is on (OIDC_RP_CLIENT_ID is set) but these are missing: "
            + ", ".join(_missing)
        )

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 63072000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-qaf-session"
CSRF_COOKIE_NAME = "__Host-qaf-csrf"
CSRF_TRUSTED_ORIGINS = [o for o in env("DJANGO_CSRF_TRUSTED_ORIGINS").split(",") if o]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
