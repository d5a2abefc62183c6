"""The daily sweep (`manage.py sweep_audits`): reminders before the due dates and an overdue
notice, each recorded before it is sent, so running the sweep twice sends nothing more."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from qaf.common import clock
from qaf.common.notifications import notification_send

from ..models import AUDITOR_EDITABLE, AWAITING_MODERATION, Audit, AuditReminder, ReminderKind
from .notifications import audit_link, staff_email

REMINDER_DAYS_BEFORE = 3


def _send_once(
    audit: Audit, kind: str, to: list[str], cc: list[str], subject: str, body: str
) -> bool:
    if not to and not cc:
        return False
    try:
        with transaction.atomic():
            AuditReminder.objects.create(
                audit=audit, kind=kind, sent_at=clock.now(), recipients=", ".join(to + cc)[:500]
            )
    except IntegrityError:
        return False
    return notification_send(to=to, cc=cc, subject=subject, body=body)


@transaction.atomic
def audit_sweep() -> dict[str, int]:
    """Reminders before the due date, and an overdue notice to the auditor's line manager.
    Each is recorded and sent once, so running the sweep twice sends nothing more."""
    today = clock.today()
    soon = today + dt.timedelta(days=REMINDER_DAYS_BEFORE)
    sent = {"due_soon": 0, "overdue": 0, "moderation_due_soon": 0}
    auditing = Audit.objects.filter(
        status__in=AUDITOR_EDITABLE, auditor__isnull=False
    ).select_related("auditor__line_manager")
    for audit in auditing.filter(due_date__gte=today, due_date__lte=soon).exclude(
        reminders__kind=ReminderKind.DUE_SOON
    ):
        if _send_once(
            audit,
            ReminderKind.DUE_SOON,
            staff_email(audit.auditor),
            [],
            f"Case audit {audit.reference} is due on {audit.due_date:%-d %B %Y}",
            f"Please complete and submit the audit by {audit.due_date:%-d %B %Y}: "
            f"{audit_link(audit)}",
        ):
            sent["due_soon"] += 1
    for audit in auditing.filter(due_date__lt=today).exclude(reminders__kind=ReminderKind.OVERDUE):
        manager = audit.auditor.line_manager if audit.auditor else None
        if _send_once(
            audit,
            ReminderKind.OVERDUE,
            staff_email(manager),
            staff_email(audit.auditor),
            f"Case audit {audit.reference} is overdue",
            f"The case audit allocated to {audit.auditor} was due on "
            f"{audit.due_date:%-d %B %Y} and has not been submitted: {audit_link(audit)}",
        ):
            sent["overdue"] += 1
    for audit in (
        Audit.objects.filter(
            status__in=AWAITING_MODERATION,
            moderator__isnull=False,
            moderation_due_date__gte=today,
            moderation_due_date__lte=soon,
        )
        .exclude(reminders__kind=ReminderKind.MODERATION_DUE_SOON)
        .select_related("moderator")
    ):
        if _send_once(
            audit,
            ReminderKind.MODERATION_DUE_SOON,
            staff_email(audit.moderator),
            [],
            f"Moderation of case audit {audit.reference} is due",
            f"Please finalise the moderation by {audit.moderation_due_date:%-d %B %Y}: "
            f"{audit_link(audit)}",
        ):
            sent["moderation_due_soon"] += 1
    return sent
