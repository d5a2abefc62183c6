"""Council closure days: not working days for any deadline (the QA unit manages them)."""

import datetime as dt

from django.db import transaction

from qaf.accounts.models import User
from qaf.calendar import bank_holidays
from qaf.common import clock
from qaf.common.errors import Invalid, NotAllowed
from qaf.common.permissions import allowed

from ..models import ClosureDay

MAX_REASON = 120


def _require_qa_unit(by: User) -> None:
    if not allowed(by, "escalations.manage_closure_days"):
        raise NotAllowed("Only the QA unit manages closure days.")


@transaction.atomic
def closure_day_add(*, date: dt.date, reason: str, by: User) -> ClosureDay:
    """Add a council closure day. Existing deadlines are not moved."""
    _require_qa_unit(by)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("Enter why the council is closed that day.")
    if len(reason) > MAX_REASON:
        raise Invalid(f"The reason must be {MAX_REASON} characters or fewer.")
    if date.weekday() >= 5:
        raise Invalid("That day is a weekend: it is never a working day.")
    if date in bank_holidays():
        raise Invalid("That day is already a bank holiday.")
    if ClosureDay.objects.filter(date=date).exists():
        raise Invalid("That day is already a closure day.")
    return ClosureDay.objects.create(
        date=date, reason=reason, created_by=by, created_at=clock.now()
    )


@transaction.atomic
def closure_day_remove(*, closure: ClosureDay, by: User) -> None:
    _require_qa_unit(by)
    closure.delete()
