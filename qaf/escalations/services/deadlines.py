"""Escalation deadlines: the end of the Nth working day after the day a concern is raised."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from qaf.calendar import add_working_days
from qaf.common.errors import Invalid

from ..models import EscalationKind
from ..selectors import closure_days

WORKING_DAYS_TO_SIGN_OFF: dict[str, int] = {
    EscalationKind.SAFEGUARDING: 1,
    EscalationKind.PRACTICE: 5,
}
LONDON = ZoneInfo("Europe/London")


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59 in Europe/London on that day."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=LONDON)


def escalation_deadline(
    *, kind: str, raised_at: dt.datetime, closures: frozenset[dt.date] | None = None
) -> tuple[dt.date, dt.datetime]:
    """The deadline day and its end (23:59:59 in Europe/London) for a concern raised then.

    The day raised never counts, whatever the time: safeguarding is due by the end of
    the 1st working day after it, practice by the end of the 5th. Weekends, bank
    holidays in England and the council's closure days are not working days.
    """
    if kind not in WORKING_DAYS_TO_SIGN_OFF:
        raise Invalid(f"Unknown kind of concern: {kind!r}")
    if timezone.is_naive(raised_at):
        raise ValueError("raised_at must be timezone-aware")
    closures = closure_days() if closures is None else closures
    raised_on = raised_at.astimezone(LONDON).date()
    day = add_working_days(raised_on, WORKING_DAYS_TO_SIGN_OFF[kind], closures=closures)
    return day, end_of_day(day)
