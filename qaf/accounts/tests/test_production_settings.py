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
    env.update({"DJANGO_SECRET_KEY": GOOD_SECRET, "DJANGO_ALLOWED_HOSTS": "qaf.example.invalid"})
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


def import_production(**env_overrides: str | None) -> subprocess.CompletedProcess:
    return run(["-c", "import config.settings.production"], **env_overrides)


def test_good_settings_import():
    result = import_production()
    assert result.returncode == 0, result.stderr


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
    sso = {
        "OIDC_RP_CLIENT_ID": "client",
        "OIDC_RP_CLIENT_SECRET": "secret",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://login.example.invalid/authorize",
        "OIDC_OP_TOKEN_ENDPOINT": "https://login.example.invalid/token",
        "OIDC_OP_JWKS_ENDPOINT": "https://login.example.invalid/keys",
    }
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
