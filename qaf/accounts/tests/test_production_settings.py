"""Production settings refuse to start when unsafe, and `check --deploy` is clean under them."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
GOOD_SECRET = secrets.token_urlsafe(64)


def run(code_or_args: list[str], **env_overrides: str | None) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "QAF_", "OIDC_")) and k != "DATABASE_URL"
    }
    env.update(
        {
            "DJANGO_SECRET_KEY": GOOD_SECRET,
            "DJANGO_ALLOWED_HOSTS": "qaf.example.invalid",
            "QAF_SITE_URL": "https://qaf.example.invalid",
        }
    )
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, *code_or_args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# A complete, safe single sign-on configuration; the cases above break one thing in it.
SSO = {
    "OIDC_RP_CLIENT_ID": "client",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://login.example.invalid/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://login.example.invalid/token",
    "OIDC_OP_JWKS_ENDPOINT": "https://login.example.invalid/keys",
    "QAF_OIDC_GROUP_ROLES": "1111-aaaa=qa_officer",
}

NOTIFY = {
    "QAF_EMAIL_SERVICE": "notify",
    "QAF_NOTIFY_API_KEY": "qaf_live-"
    + "1" * 8
    + "-1111-1111-1111-"
    + "1" * 12
    + "-"
    + "2" * 8
    + "-2222-2222-2222-"
    + "2" * 12,
    "QAF_NOTIFY_TEMPLATES": '{"message": "3f8c1a52-0000-4000-8000-000000000001"}',
}


def import_production(**env_overrides: str | None) -> subprocess.CompletedProcess:
    return run(["-c", "import config.settings.production"], **env_overrides)


def test_good_settings_import():
    result = import_production()
    assert result.returncode == 0, result.stderr
    result = import_production(**SSO)
    assert result.returncode == 0, result.stderr
    # Notify needs no SMTP backend; a console backend left over is then irrelevant.
    result = import_production(
        **NOTIFY, DJANGO_EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"
    )
    assert result.returncode == 0, result.stderr


def test_every_problem_is_listed_at_once():
    result = import_production(DJANGO_DEBUG="1", QAF_SITE_URL=None, DJANGO_ALLOWED_HOSTS="*")
    assert result.returncode != 0
    for message in ("DJANGO_DEBUG must be off", "QAF_SITE_URL must be set", "wildcard"):
        assert message in result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DJANGO_DEBUG": "1"}, "DJANGO_DEBUG must be off in production"),
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "too-short-a-secret"}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "insecure-" + "x" * 60}, "DJANGO_SECRET_KEY must be set"),
        ({"QAF_DEMO_MODE": "1"}, "Demo mode and skipping the second factor are refused"),
        ({"QAF_DEMO_SKIP_SECOND_FACTOR": "true"}, "Demo mode and skipping the second factor"),
        (
            {"DJANGO_SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies"},
            "Signed-cookie sessions cannot be ended",
        ),
        (
            {"OIDC_RP_CLIENT_ID": "abc"},
            "these are missing: OIDC_RP_CLIENT_SECRET, OIDC_OP_AUTHORIZATION_ENDPOINT",
        ),
        # Django's own generated default, a short alphabet repeated, this repository's defaults.
        ({"DJANGO_SECRET_KEY": "django-insecure-" + GOOD_SECRET}, "DJANGO_SECRET_KEY must be"),
        ({"DJANGO_SECRET_KEY": "ab" * 40}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "insecure-development-key-change-me"}, "DJANGO_SECRET_KEY must"),
        ({"DJANGO_ALLOWED_HOSTS": "*"}, "DJANGO_ALLOWED_HOSTS must not be a wildcard"),
        ({"DJANGO_ALLOWED_HOSTS": "qaf.example.invalid,*"}, "must not be a wildcard"),
        ({"DJANGO_ALLOWED_HOSTS": None}, "DJANGO_ALLOWED_HOSTS must name the host names"),
        ({"QAF_SITE_URL": None}, "QAF_SITE_URL must be set"),
        ({"QAF_SITE_URL": "http://qaf.example.invalid"}, "QAF_SITE_URL must be an https://"),
        (
            {"DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
            "does not deliver email",
        ),
        (
            {"DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
            "does not deliver email",
        ),
        ({"QAF_EMAIL_SERVICE": "pigeon"}, "QAF_EMAIL_SERVICE must be 'smtp' or 'notify'"),
        ({**NOTIFY, "QAF_NOTIFY_API_KEY": ""}, "QAF_NOTIFY_API_KEY must be a GOV.UK Notify"),
        ({**NOTIFY, "QAF_NOTIFY_TEMPLATES": "{}"}, "QAF_NOTIFY_TEMPLATES must be JSON naming"),
        ({**NOTIFY, "QAF_NOTIFY_TEMPLATES": "not json"}, "QAF_NOTIFY_TEMPLATES must be JSON"),
        (
            {**NOTIFY, "QAF_NOTIFY_BASE_URL": "http://notify.example.invalid"},
            "QAF_NOTIFY_BASE_URL must be an https://",
        ),
        ({**SSO, "OIDC_RP_SIGN_ALGO": "none"}, "OIDC_RP_SIGN_ALGO 'none' is refused"),
        ({**SSO, "OIDC_RP_SIGN_ALGO": "HS256"}, "OIDC_RP_SIGN_ALGO 'HS256' is refused"),
        (
            {**SSO, "OIDC_OP_TOKEN_ENDPOINT": "http://login.example.invalid/token"},
            "must be reached over https: OIDC_OP_TOKEN_ENDPOINT",
        ),
        (
            {**SSO, "OIDC_OP_ISSUER": "http://login.example.invalid/v2.0"},
            "must be reached over https: OIDC_OP_ISSUER",
        ),
    ],
)
def test_unsafe_settings_refuse_to_start(overrides, message):
    result = import_production(**overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_check_deploy_is_clean():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        DJANGO_SETTINGS_MODULE="config.settings.production",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_reports_a_bad_group_role_map():
    sso = {k: v for k, v in SSO.items() if k != "QAF_OIDC_GROUP_ROLES"}
    good = run(
        ["manage.py", "check", "--deploy"],
        DJANGO_SETTINGS_MODULE="config.settings.production",
        QAF_OIDC_GROUP_ROLES="1111-aaaa=qa_officer,2222-bbbb=practitioner",
        **sso,
    )
    assert good.returncode == 0, good.stdout + good.stderr
    bad = run(
        ["manage.py", "check", "--deploy"],
        DJANGO_SETTINGS_MODULE="config.settings.production",
        QAF_OIDC_GROUP_ROLES="1111-aaaa=boss",
        **sso,
    )
    assert bad.returncode != 0
    assert "accounts.E001" in bad.stderr
    assert "'boss' is not a role" in bad.stderr


def test_collectstatic_and_whitenoise_serve_the_stylesheet(tmp_path):
    """The production install: collectstatic under production settings builds the hashed,
    compressed files (every asset the GOV.UK CSS refers to must exist), and WhiteNoise serves
    them from the app itself."""
    static_root = tmp_path / "static"
    collected = run(
        ["manage.py", "collectstatic", "--no-input", "-v", "0"],
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_STATIC_ROOT=str(static_root),
    )
    assert collected.returncode == 0, collected.stdout + collected.stderr
    manifest = (static_root / "staticfiles.json").read_text()
    assert "govuk/assets/images/govuk-crest.svg" in manifest
    served = run(
        [
            "-c",
            "import django, json, pathlib, os\n"
            "django.setup()\n"
            "from django.conf import settings\n"
            "from django.test import Client\n"
            "from django.templatetags.static import static\n"
            "css = static('css/qaf.css')\n"
            "assert css != '/static/css/qaf.css', css\n"
            "r = Client().get(css, HTTP_X_FORWARDED_PROTO='https', HTTP_HOST='qaf.example.invalid')\n"
            "body = b''.join(r.streaming_content) if r.streaming else r.content\n"
            "print(r.status_code, len(body), r['Content-Type'].split(';')[0], r['Cache-Control'])\n",
        ],
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_STATIC_ROOT=str(static_root),
    )
    assert served.returncode == 0, served.stderr
    status, length, content_type, cache = served.stdout.split(maxsplit=3)
    assert (status, content_type) == ("200", "text/css")
    assert int(length) > 10_000
    assert "immutable" in cache


def test_the_demo_derives_its_site_url_from_its_port():
    """`make run PORT=8123` links to http://127.0.0.1:8123/, not to the default port."""
    result = subprocess.run(
        ["make", "-n", "run", "PORT=8123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "QAF_SITE_URL"},
    )
    assert result.returncode == 0, result.stderr
    serving = [line for line in result.stdout.splitlines() if "runserver" in line]
    assert serving, result.stdout
    assert "QAF_SITE_URL=http://127.0.0.1:8123" in serving[0]
