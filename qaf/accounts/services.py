"""Writes for accounts: lockout bookkeeping, session tracking, disabling, API tokens."""

import datetime as dt
import secrets
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from qaf.common import clock
from qaf.common.errors import DomainError

from .models import APIToken, LoginFailure, Role, User, UserSession


def normalise_username(username: str) -> str:
    """Lockout key for a typed username: case and surrounding spaces do not dodge the count."""
    return (username or "").strip().lower()[:150]


def login_is_locked(*, username: str) -> bool:
    """Locked after N failures in the window, keyed on the username (never the address)."""
    since = clock.now() - dt.timedelta(seconds=settings.QAF_LOCKOUT_SECONDS)
    failures = LoginFailure.objects.filter(username=normalise_username(username), at__gte=since)
    return failures.count() >= settings.QAF_LOCKOUT_FAILURES


def login_failure_record(*, username: str) -> None:
    LoginFailure.objects.create(username=normalise_username(username), at=clock.now())


def login_failures_clear(*, username: str) -> None:
    LoginFailure.objects.filter(username=normalise_username(username)).delete()


def user_session_track(*, user: User, session_key: str) -> None:
    UserSession.objects.update_or_create(
        session_key=session_key, defaults={"user": user, "created_at": clock.now()}
    )


def user_session_forget(*, session_key: str) -> None:
    UserSession.objects.filter(session_key=session_key).delete()


def _session_store() -> Any:
    # Through the configured engine, so disabling works whether sessions live in the database
    # or a cache. (Signed-cookie sessions cannot be ended from the server: never use them.)
    return import_module(settings.SESSION_ENGINE).SessionStore


@transaction.atomic
def user_disable(*, user: User) -> User:
    """Disable an account and end every session it has, at once; its API tokens are revoked."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    store = _session_store()
    for key in user.tracked_sessions.values_list("session_key", flat=True):
        store(session_key=key).delete()
    user.tracked_sessions.all().delete()
    user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=clock.now())
    return user


@transaction.atomic
def user_create_admin(*, username: str, email: str, password: str) -> User:
    """The first QA-unit administrator: a local account that must enrol TOTP at first sign-in."""
    username = (username or "").strip()
    email = (email or "").strip()
    if not username:
        raise DomainError("Enter a username")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(f"An account with the username '{username}' already exists")
    candidate = User(username=username, email=email, role=Role.QA_OFFICER)
    validate_password(password, user=candidate)  # raises ValidationError with every reason
    return User.objects.create_superuser(
        username=username, email=email, password=password, role=Role.QA_OFFICER
    )


def api_token_create(*, user: User, name: str) -> tuple[APIToken, str]:
    """Create a token; the plain key is returned once and never stored."""
    key = "qaf_" + secrets.token_urlsafe(32)
    token = APIToken.objects.create(
        user=user,
        name=name,
        key_hash=APIToken.hash_key(key),
        prefix=key[4:12],
        created_at=clock.now(),
    )
    return token, key


def api_token_revoke(*, token: APIToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])


def api_token_authenticate(*, key: str) -> Any:
    """The active user behind a bearer token, or None."""
    token = (
        APIToken.objects.select_related("user")
        .filter(key_hash=APIToken.hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    APIToken.objects.filter(pk=token.pk).update(last_used_at=clock.now())
    return token.user
