"""Production: everything from the environment; refuses to start when unsafe.

Each refusal names the variable to fix (docs/security.md, "Production settings refuse to start
when unsafe"). The checks are plain functions in config/settings/safety.py so the tests can state
each rule as a table.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import MIDDLEWARE, env, env_bool
from .safety import production_problems

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in env("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()]
QAF_SITE_URL = env("QAF_SITE_URL")
# Production sends real email: SMTP unless GOV.UK Notify is chosen (QAF_EMAIL_SERVICE=notify).
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
SESSION_ENGINE = env("DJANGO_SESSION_ENGINE", "django.contrib.sessions.backends.db")

_problems = production_problems(
    env=dict(os.environ),
    debug=DEBUG,
    secret_key=SECRET_KEY,
    allowed_hosts=ALLOWED_HOSTS,
    site_url=QAF_SITE_URL,
    email_backend=EMAIL_BACKEND,
    session_engine=SESSION_ENGINE,
)
if _problems:
    raise ImproperlyConfigured(
        "QAF refuses to start with unsafe production settings:\n- " + "\n- ".join(_problems)
    )

QAF_DEMO_MODE = False
QAF_DEMO_SKIP_SECOND_FACTOR = False

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

# Static files: WhiteNoise serves the collected, hashed and compressed files from the app
# server itself (far-future caching), so no separate web server is needed for them.
MIDDLEWARE = [
    MIDDLEWARE[0],  # SecurityMiddleware first, as Django and WhiteNoise ask
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[1:],
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
