"""Writes for accounts: lockout bookkeeping, session tracking, disabling, API tokens."""

import datetime as dt
import ipaddress
import logging
import secrets
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import connection, transaction
from django.http import HttpRequest

from qaf.common import clock
from qaf.common.errors import DomainError
from qaf.common.notifications import notification_send

from .models import APIToken, KnownSignInAddress, LoginFailure, Role, User, UserSession
from .permissions import QA_UNIT

logger = logging.getLogger(__name__)


def normalise_username(username: str) -> str:
    """Lockout key for a typed username: case and surrounding spaces do not dodge the count."""
    return (username or "").strip().lower()[:150]


def client_address(request: HttpRequest | None) -> str:
    """The client's address. Behind QAF_TRUSTED_PROXIES load balancers, the address the
    nearest of them saw (X-Forwarded-For, counted from the right: the left part is whatever
    the client wrote); otherwise the connection's own address."""
    if request is None:
        return ""
    candidate = request.META.get("REMOTE_ADDR", "")
    proxies = settings.QAF_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return ""


@dataclass(frozen=True)
class SignInAttempt:
    """One attempt, counted before its password is checked. `locked`: not checked at all."""

    username: str
    address: str
    locked: bool
    failure_id: int | None = None


def _window_start() -> dt.datetime:
    return clock.now() - dt.timedelta(seconds=settings.QAF_LOCKOUT_SECONDS)


def _serialise_username(username: str) -> None:
    """Attempts for one username take turns, so counting and checking is one step.

    PostgreSQL: a transaction-scoped advisory lock on the username (other usernames go on in
    parallel). SQLite: every write transaction begins IMMEDIATE, which already takes turns."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 17))", [username])


def _is_known_address(username: str, address: str) -> bool:
    if not address:
        return False
    since = clock.now() - dt.timedelta(days=settings.QAF_KNOWN_ADDRESS_DAYS)
    return KnownSignInAddress.objects.filter(
        username=username, address=address, last_success_at__gte=since
    ).exists()


def _lock_reason(username: str, address: str) -> str | None:
    """Why this username may not try a password from this address now, or None."""
    failures = LoginFailure.objects.filter(username=username, at__gte=_window_start())
    if failures.filter(address=address).count() >= settings.QAF_LOCKOUT_FAILURES:
        return "address"
    if failures.count() >= settings.QAF_LOCKOUT_USERNAME_FAILURES and not _is_known_address(
        username, address
    ):
        return "username"
    return None


def login_is_locked(*, username: str, address: str = "") -> bool:
    """Is this username locked out from this address now? (docs/security.md, "Lockout")"""
    return _lock_reason(normalise_username(username), address) is not None


@transaction.atomic
def sign_in_attempt_begin(*, username: str, address: str) -> SignInAttempt:
    """Count the attempt and check the lock in one transaction, per username: of any number
    of parallel attempts, at most the limit get their password checked."""
    key = normalise_username(username)
    _serialise_username(key)
    if _lock_reason(key, address) is not None:
        return SignInAttempt(username=key, address=address, locked=True)
    failure = LoginFailure.objects.create(username=key, address=address, at=clock.now())
    return SignInAttempt(username=key, address=address, locked=False, failure_id=failure.pk)


@transaction.atomic
def sign_in_attempt_end(*, attempt: SignInAttempt, succeeded: bool) -> None:
    """A right password clears this address's count (never the strangers' elsewhere) and
    remembers the address; a wrong one stays counted, and the one that locks is reported."""
    if attempt.locked:
        return
    if succeeded:
        LoginFailure.objects.filter(username=attempt.username, address=attempt.address).delete()
        if attempt.address:
            KnownSignInAddress.objects.update_or_create(
                username=attempt.username,
                address=attempt.address,
                defaults={"last_success_at": clock.now()},
            )
        return
    # The attempt whose own failure is the limit-th in the window reports the lock: exactly
    # one, however many ran in parallel.
    failures = LoginFailure.objects.filter(
        username=attempt.username, at__gte=_window_start(), pk__lte=attempt.failure_id
    )
    if failures.filter(address=attempt.address).count() == settings.QAF_LOCKOUT_FAILURES:
        sign_in_lock_report(username=attempt.username, address=attempt.address, reason="address")
    elif failures.count() == settings.QAF_LOCKOUT_USERNAME_FAILURES:
        sign_in_lock_report(username=attempt.username, address=attempt.address, reason="username")


def sign_in_lock_report(*, username: str, address: str, reason: str) -> None:
    """Tell the QA unit's administrators that a username has just been locked out."""
    minutes = settings.QAF_LOCKOUT_SECONDS // 60
    where = (
        f"from the address {address or 'unknown'}"
        if reason == "address"
        else "from every address it has not signed in from before (attempts came from many)"
    )
    logger.warning("Sign-in locked for %s %s (%s)", username, where, reason)
    recipients = list(
        User.objects.filter(role__in=QA_UNIT, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if recipients:
        notification_send(
            to=recipients,
            subject=f"QAF: sign-in locked for {username}",
            body=(
                f"Too many failed sign-in attempts for the username {username} at "
                f"{clock.now():%d %B %Y %H:%M}. It is locked {where} for {minutes} minutes.\n\n"
                "If the person did not make these attempts, someone may be guessing their "
                "password: check the address in your firewall logs, and consider disabling "
                "the account in the account administration until you have spoken to them."
            ),
        )


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
def user_password_change(*, user: User, password: str, keep_session_key: str | None) -> User:
    """Set a new password (already checked against the rules) and end every other session of
    the account: whoever knew the old password is signed out."""
    user.set_password(password)
    user.save(update_fields=["password"])
    store = _session_store()
    others = user.tracked_sessions.exclude(session_key=keep_session_key or "")
    for key in others.values_list("session_key", flat=True):
        store(session_key=key).delete()
    others.delete()
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
