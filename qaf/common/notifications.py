"""Email notifications, sent only after the surrounding transaction commits.

``notification_send`` is the one way QAF sends email. It never sends inside a
transaction: it registers an ``on_commit`` hook that enqueues a django-tasks task,
and the task sends through Django's configured email backend (``EMAIL_BACKEND``).
If the transaction rolls back, nothing is sent. A GOV.UK Notify backend is not
part of QAF yet: councils point ``EMAIL_BACKEND`` at their own SMTP relay.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django_tasks import task

MAX_SUBJECT = 200


def _clean_addresses(addresses: Iterable[str], *, field: str) -> list[str]:
    cleaned: list[str] = []
    for address in addresses:
        if not isinstance(address, str):
            raise TypeError(f"{field} must hold strings, got {type(address).__name__}")
        address = address.strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValueError(f"{field} holds an invalid email address: {address!r}") from exc
        if address.lower() not in {a.lower() for a in cleaned}:
            cleaned.append(address)
    return cleaned


@task()
def notification_deliver(*, to: list[str], subject: str, body: str, cc: list[str]) -> int:
    """The background task: send one message through Django's email backend."""
    message = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to, cc=cc
    )
    return message.send(fail_silently=False)


def notification_send(
    *, to: list[str], subject: str, body: str, cc: list[str] | None = None
) -> bool:
    """Queue an email to go out once the current transaction commits.

    Blank addresses are dropped (staff records without an email address), and an
    address in both ``to`` and ``cc`` is sent once, in ``to``. Returns False, and
    queues nothing, when no recipient is left. Invalid addresses, an empty subject
    or body, or a subject with a line break raise ``ValueError``.
    """
    if isinstance(to, str) or isinstance(cc, str):
        raise TypeError("to and cc must be lists of addresses, not a single string")
    subject = subject.strip()
    if not subject:
        raise ValueError("subject must not be empty")
    if "\n" in subject or "\r" in subject:
        raise ValueError("subject must be a single line")
    if len(subject) > MAX_SUBJECT:
        raise ValueError(f"subject must be {MAX_SUBJECT} characters or fewer")
    if not body.strip():
        raise ValueError("body must not be empty")
    to_clean = _clean_addresses(to, field="to")
    cc_clean = [
        a
        for a in _clean_addresses(cc or [], field="cc")
        if a.lower() not in {t.lower() for t in to_clean}
    ]
    if not to_clean and cc_clean:
        to_clean, cc_clean = cc_clean, []
    if not to_clean:
        return False
    transaction.on_commit(
        lambda: notification_deliver.enqueue(to=to_clean, subject=subject, body=body, cc=cc_clean)
    )
    return True
