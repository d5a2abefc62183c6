"""Email notifications, sent by the worker only after the surrounding transaction commits.

``notification_send`` is the one way QAF sends email. It writes the message to the outbox
(``OutgoingEmail``) sealed (encrypted, with a short life: QAF_EMAIL_MAX_AGE_SECONDS), and once
the transaction commits enqueues a task carrying only the outbox row's id: no address, subject,
body or single-use link is ever a task argument (issue 17). If the transaction rolls back, the
outbox row goes with it and nothing is sent. The worker opens the seal, sends, and deletes the
row.

Two services, chosen by QAF_EMAIL_SERVICE (docs/admin-guide.md, "Email"):

- ``smtp`` (default): Django's EMAIL_BACKEND (the council's SMTP relay);
- ``notify``: GOV.UK Notify through notifications-python-client. Each notification names its
  template (``template="escalation_raised"``); QAF_NOTIFY_TEMPLATES maps those names to Notify
  template IDs, and ``message`` is the template used for any name not mapped. Each Notify
  template has the personalisation fields ``((subject))`` and ``((body))``. Notify sends to one
  address at a time, so ``cc`` addresses get their own copy.

``qaf sweep_outbox`` (cron, every few minutes) sends again what failed or was left behind by a
stopped worker, marks failed what has expired, and prunes successful task rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django_tasks import task

from qaf.common import clock
from qaf.common.models import OutgoingEmail, OutgoingEmailStatus
from qaf.common.sealing import SealExpired, seal, unseal

MAX_SUBJECT = 200
DEFAULT_TEMPLATE = "message"
MAX_ATTEMPTS = 5


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


def _send_smtp(message: dict[str, Any], *, template: str, reference: str) -> None:
    EmailMessage(
        subject=message["subject"],
        body=message["body"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=message["to"],
        cc=message["cc"],
    ).send(fail_silently=False)


def _send_notify(message: dict[str, Any], *, template: str, reference: str) -> None:
    from notifications_python_client.notifications import NotificationsAPIClient

    templates = settings.QAF_NOTIFY_TEMPLATES
    template_id = templates.get(template) or templates[DEFAULT_TEMPLATE]
    client = NotificationsAPIClient(
        settings.QAF_NOTIFY_API_KEY, base_url=settings.QAF_NOTIFY_BASE_URL, timeout=20
    )
    extra = {}
    if settings.QAF_NOTIFY_REPLY_TO_ID:
        extra["email_reply_to_id"] = settings.QAF_NOTIFY_REPLY_TO_ID
    for address in [*message["to"], *message["cc"]]:
        client.send_email_notification(
            email_address=address,
            template_id=template_id,
            personalisation={"subject": message["subject"], "body": message["body"]},
            reference=reference,
            **extra,
        )


SERVICES = {"smtp": _send_smtp, "notify": _send_notify}


@task()
def notification_deliver(*, email_id: int) -> str:
    """The background task: open one outbox row's seal, send it, delete it."""
    email = OutgoingEmail.objects.filter(pk=email_id).first()
    if email is None:
        return "already sent"
    try:
        message = unseal(email.sealed, max_age_seconds=settings.QAF_EMAIL_MAX_AGE_SECONDS)
    except SealExpired:
        _fail(email, "expired before it could be sent", wipe=True)
        return "expired"
    email.attempts += 1
    email.save(update_fields=["attempts"])
    try:
        SERVICES[settings.QAF_EMAIL_SERVICE](
            message, template=email.template, reference=f"qaf-email-{email.pk}"
        )
    except Exception as error:
        # The reason by type only: a service's error text may quote the address.
        _fail(email, f"sending failed ({type(error).__name__})", wipe=False)
        raise
    email.delete()
    return "sent"


def _fail(email: OutgoingEmail, problem: str, *, wipe: bool) -> None:
    email.status = OutgoingEmailStatus.FAILED
    email.problem = problem[:200]
    if wipe:
        email.sealed = ""
    email.save(update_fields=["status", "problem", "sealed"])


def notification_send(
    *,
    to: list[str],
    subject: str,
    body: str,
    cc: list[str] | None = None,
    template: str = DEFAULT_TEMPLATE,
) -> bool:
    """Queue an email to go out once the current transaction commits.

    Blank addresses are dropped (staff records without an email address), and an
    address in both ``to`` and ``cc`` is sent once, in ``to``. Returns False, and
    queues nothing, when no recipient is left. Invalid addresses, an empty subject
    or body, or a subject with a line break raise ``ValueError``. ``template`` names the
    notification (its GOV.UK Notify template when Notify sends).
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
    email = OutgoingEmail.objects.create(
        template=template[:60],
        sealed=seal({"to": to_clean, "cc": cc_clean, "subject": subject, "body": body}),
        created_at=clock.now(),
    )
    email_id = email.pk
    transaction.on_commit(lambda: notification_deliver.enqueue(email_id=email_id))
    return True


def outbox_sweep(
    *, task_results_older_than: dt.timedelta = dt.timedelta(hours=1)
) -> dict[str, int]:
    """Send again what failed or what a stopped worker left (pending for longer than
    QAF_OUTBOX_RETRY_AFTER_SECONDS, 10 minutes by default),
    up to MAX_ATTEMPTS; mark failed and wipe what has expired; delete successful task rows."""
    now = clock.now()
    counts = {"resent": 0, "expired": 0, "task_results_pruned": 0}
    oldest_alive = now - dt.timedelta(seconds=settings.QAF_EMAIL_MAX_AGE_SECONDS)
    stale = OutgoingEmail.objects.exclude(sealed="")
    for email in stale.filter(created_at__lt=oldest_alive):
        _fail(email, "expired before it could be sent", wipe=True)
        counts["expired"] += 1
    retry = stale.filter(created_at__gte=oldest_alive, attempts__lt=MAX_ATTEMPTS).filter(
        status=OutgoingEmailStatus.FAILED
    ) | stale.filter(
        created_at__gte=oldest_alive,
        attempts__lt=MAX_ATTEMPTS,
        status=OutgoingEmailStatus.PENDING,
        created_at__lt=now - dt.timedelta(seconds=settings.QAF_OUTBOX_RETRY_AFTER_SECONDS),
    )
    for email_id in retry.values_list("pk", flat=True):
        notification_deliver.enqueue(email_id=email_id)
        counts["resent"] += 1
    counts["task_results_pruned"] = _prune_successful_task_results(now - task_results_older_than)
    return counts


def _prune_successful_task_results(before: dt.datetime) -> int:
    if "django_tasks_db" not in settings.INSTALLED_APPS:
        return 0
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    deleted, _ = DBTaskResult.objects.filter(
        status=TaskResultStatus.SUCCESSFUL, finished_at__lt=before
    ).delete()
    return deleted
