"""The rules production settings enforce before QAF starts (config/settings/production.py).

Plain functions of the environment, so each rule is tested as a table of cases
(qaf/accounts/tests/test_production_settings.py) without importing the settings.
"""

import json
from collections.abc import Mapping
from urllib.parse import urlsplit

# Secrets that ship in this repository or in Django's own templates: never valid in production.
KNOWN_SECRETS = frozenset(
    {
        "insecure-development-key-change-me",
        "test-secret-key-not-for-production-0123456789abcdef",
    }
)
MIN_SECRET_LENGTH = 50
MIN_SECRET_DISTINCT_CHARACTERS = 10

# Email backends that do not deliver: a production QAF must reach people.
UNDELIVERED_EMAIL_BACKENDS = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
    }
)
# ID tokens must be signed; "none" would accept a token anyone can write.
SIGNED_OIDC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
OIDC_REQUIRED = (
    "OIDC_RP_CLIENT_SECRET",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
    "QAF_OIDC_GROUP_ROLES",
)
OIDC_ENDPOINTS = (
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_ISSUER",
)


def _on(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def secret_key_problem(secret: str) -> str | None:
    if (
        not secret
        or len(secret) < MIN_SECRET_LENGTH
        or len(set(secret)) < MIN_SECRET_DISTINCT_CHARACTERS
        or secret.startswith(("django-insecure-", "insecure"))
        or secret in KNOWN_SECRETS
    ):
        return (
            "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters "
            "(not a default, not starting with 'insecure' or 'django-insecure-'): "
            "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
        )
    return None


def production_problems(
    *,
    env: Mapping[str, str],
    debug: bool,
    secret_key: str,
    allowed_hosts: list[str],
    site_url: str,
    email_backend: str,
    session_engine: str,
) -> list[str]:
    """Every reason these settings are unsafe for production, in the person's words."""
    problems: list[str] = []
    if debug:
        problems.append("DJANGO_DEBUG must be off in production.")
    secret = secret_key_problem(secret_key)
    if secret:
        problems.append(secret)
    if not allowed_hosts:
        problems.append("DJANGO_ALLOWED_HOSTS must name the host names QAF answers to.")
    elif any(host == "*" or host.startswith("*") for host in allowed_hosts):
        problems.append(
            "DJANGO_ALLOWED_HOSTS must not be a wildcard ('*'): name the host names QAF answers to."
        )
    if not site_url:
        problems.append(
            "QAF_SITE_URL must be set to the address staff use (https://...): every link in "
            "emails, QR codes and calendar feeds is built on it."
        )
    elif urlsplit(site_url).scheme != "https" or not urlsplit(site_url).netloc:
        problems.append("QAF_SITE_URL must be an https:// address.")
    if _on(env.get("QAF_DEMO_MODE")) or _on(env.get("QAF_DEMO_SKIP_SECOND_FACTOR")):
        problems.append("Demo mode and skipping the second factor are refused in production.")
    if session_engine == "django.contrib.sessions.backends.signed_cookies":
        problems.append(
            "Signed-cookie sessions cannot be ended from the server (disabling an account must "
            "end its sessions): use the database or cache session engine."
        )
    problems += email_problems(env)
    if (
        env.get("QAF_EMAIL_SERVICE", "smtp") == "smtp"
        and email_backend in UNDELIVERED_EMAIL_BACKENDS
    ):
        problems.append(
            f"DJANGO_EMAIL_BACKEND {email_backend} does not deliver email: use SMTP "
            "(the default) or GOV.UK Notify (QAF_EMAIL_SERVICE=notify)."
        )
    problems += oidc_problems(env)
    return problems


def email_problems(env: Mapping[str, str]) -> list[str]:
    service = env.get("QAF_EMAIL_SERVICE", "smtp")
    if service not in ("smtp", "notify"):
        return [f"QAF_EMAIL_SERVICE must be 'smtp' or 'notify', not {service!r}."]
    if service == "smtp":
        return []
    problems: list[str] = []
    key = env.get("QAF_NOTIFY_API_KEY", "")
    # A Notify key is "<name>-<service id, 36 characters>-<secret, 36 characters>".
    if len(key) < 74 or key.count("-") < 9:
        problems.append("QAF_NOTIFY_API_KEY must be a GOV.UK Notify API key (a live key).")
    try:
        templates = json.loads(env.get("QAF_NOTIFY_TEMPLATES") or "{}")
    except ValueError:
        templates = None
    if not isinstance(templates, dict) or not templates.get("message"):
        problems.append(
            'QAF_NOTIFY_TEMPLATES must be JSON naming at least the "message" template\'s ID, '
            'e.g. {"message": "<template id>", "escalation_raised": "<template id>"}.'
        )
    base = env.get("QAF_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
    if urlsplit(base).scheme != "https":
        problems.append("QAF_NOTIFY_BASE_URL must be an https:// address.")
    return problems


def oidc_problems(env: Mapping[str, str]) -> list[str]:
    if not env.get("OIDC_RP_CLIENT_ID"):
        return []
    problems: list[str] = []
    missing = [name for name in OIDC_REQUIRED if not env.get(name)]
    if missing:
        problems.append(
            "Council single sign-on is on (OIDC_RP_CLIENT_ID is set) but these are missing: "
            + ", ".join(missing)
        )
    algorithm = env.get("OIDC_RP_SIGN_ALGO", "RS256")
    if algorithm not in SIGNED_OIDC_ALGORITHMS:
        problems.append(
            f"OIDC_RP_SIGN_ALGO {algorithm!r} is refused: ID tokens must be signed with a "
            f"public-key algorithm ({', '.join(sorted(SIGNED_OIDC_ALGORITHMS))})."
        )
    insecure = [
        name
        for name in OIDC_ENDPOINTS
        if env.get(name) and urlsplit(env.get(name, "")).scheme != "https"
    ]
    if insecure:
        problems.append("The identity provider must be reached over https: " + ", ".join(insecure))
    return problems
