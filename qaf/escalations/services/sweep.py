"""The daily overdue sweep: each reminder recorded before it is sent, so it goes out once."""

import datetime as dt

from django.db import IntegrityError, transaction

from qaf.calendar import add_working_days
from qaf.common import clock

from ..models import BEFORE_SIGN_OFF, Escalation, EscalationReminder, ReminderKind
from ..selectors import closure_days
from .deadlines import end_of_day
from .notify import notify_overdue_to_assistant_director, notify_overdue_to_service_manager


def _record_reminder_once(escalation: Escalation, kind: str, now: dt.datetime) -> bool:
    """Record the reminder; True only for the run that recorded it (so it is sent once)."""
    try:
        with transaction.atomic():
            _, created = EscalationReminder.objects.get_or_create(
                escalation=escalation, kind=kind, defaults={"sent_at": now}
            )
    except IntegrityError:
        return False
    return created


@transaction.atomic
def escalation_sweep() -> dict[str, int]:
    """Daily: remind the service manager of each overdue escalation, then after a further
    working day notify the assistant director. Each reminder is sent once, however often
    this runs."""
    now = clock.now()
    closures = closure_days()
    counts = {"service_manager_reminders": 0, "assistant_director_notices": 0}
    overdue = Escalation.objects.filter(
        status__in=BEFORE_SIGN_OFF, deadline_at__lt=now
    ).select_related("child", "district__service_manager", "district__area__assistant_director")
    for escalation in overdue:
        if _record_reminder_once(escalation, ReminderKind.OVERDUE_SERVICE_MANAGER, now):
            counts["service_manager_reminders"] += 1
            notify_overdue_to_service_manager(escalation)
        further = end_of_day(add_working_days(escalation.deadline_on, 1, closures=closures))
        if now > further and _record_reminder_once(
            escalation, ReminderKind.OVERDUE_ASSISTANT_DIRECTOR, now
        ):
            counts["assistant_director_notices"] += 1
            notify_overdue_to_assistant_director(escalation)
    return counts
