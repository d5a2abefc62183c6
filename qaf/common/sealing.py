"""Sealing short-lived secrets at rest (an email's recipients and body, with any single-use
link in it, until the worker sends it): Fernet (AES-128-CBC with HMAC-SHA256), keyed from
SECRET_KEY, with a lifetime checked when opened. Changing SECRET_KEY makes sealed data unreadable,
which for data meant to live hours is the point."""

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SealExpired(Exception):
    """The sealed data is older than its lifetime, or was sealed with another key."""


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"qaf-seal:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(data: dict[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(data).encode()).decode()


def unseal(token: str, *, max_age_seconds: int) -> dict[str, Any]:
    try:
        opened = _fernet().decrypt(token.encode(), ttl=max_age_seconds)
    except InvalidToken as error:
        raise SealExpired("the sealed data has expired or cannot be opened") from error
    data: dict[str, Any] = json.loads(opened)
    return data
