"""The test suite: fast hashing, in-memory email, tasks run immediately."""

from .base import *  # noqa: F403
from .base import DATABASES

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
QAF_DEMO_MODE = False
QAF_DEMO_SKIP_SECOND_FACTOR = False
ALLOWED_HOSTS = ["*"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in-memory per test run
# The test runner empties tables between transactional tests; on SQLite the access log's
# delete trigger lets only that through (qaf/access_log/triggers.py). Never set elsewhere.
QAF_ACCESS_LOG_FLUSH_ALLOWED = True
