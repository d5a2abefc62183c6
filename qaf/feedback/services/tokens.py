"""Survey link tokens. 32 random bytes from ``secrets`` (256 bits), URL-safe; only their
SHA-256 is stored. Every lookup hashes the token, queries by hash and compares in constant time,
whether or not anything was found, so an invalid, expired or used link costs the same and answers
the same."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from qaf.common.links import absolute_url

from ..models import FeedbackRequest, OpenLink
from ..workflows import REQUEST_WORKFLOW

TOKEN_BYTES = 32
_DUMMY_HASH = "0" * 64


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_new() -> tuple[str, str]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def link_find(*, token: str) -> FeedbackRequest | OpenLink | None:
    """The request or open link this token opens, or None when it is unknown, expired, used or
    closed. The same work is done in every case: one hash, one query per table, one
    constant-time compare, and no early return."""
    wanted = token_hash(token) if len(token) <= 100 else _DUMMY_HASH
    request = FeedbackRequest.objects.filter(token_hash=wanted).first()
    link = OpenLink.objects.filter(token_hash=wanted).first()
    found: FeedbackRequest | OpenLink | None = request or link
    stored = found.token_hash if found is not None else _DUMMY_HASH
    matches = hmac.compare_digest(stored, wanted)
    usable = False
    if isinstance(found, FeedbackRequest):
        usable = REQUEST_WORKFLOW.can(found, "answer", by=None)
    elif isinstance(found, OpenLink):
        usable = found.is_open
    return found if (matches and usable) else None


def public_url(token: str) -> str:
    return absolute_url("feedback_public:survey", token)
