"""Settings for `make bench-load`: the demo council's settings with DEBUG off, the second factor
skipped (the simulated people sign in with a password only) and one extra bare view."""

from config.settings.local import *  # noqa: F403

DEBUG = False
QAF_DEMO_MODE = True
QAF_DEMO_SKIP_SECOND_FACTOR = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench_urls"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}

# The killed-worker phase delivers through files it can count.
EMAIL_FILE_PATH = env("BENCH_EMAIL_FILE_PATH", "")  # noqa: F405
