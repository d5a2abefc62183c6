"""Deadlines: end of the 1st (safeguarding) or 5th (practice) working day after the day raised."""

import datetime as dt

import pytest

from qaf.escalations.models import EscalationKind
from qaf.escalations.services import escalation_deadline
from qaf.escalations.tests.conftest import LONDON, at
from qaf.escalations.tests.factories import ClosureDayFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raised", "kind", "due"),
    [
        # Christmas Eve 2025 (Wed): 25, 26 Dec bank holidays, weekend, Mon 29 Dec.
        (at(2025, 12, 24, 10, 0), EscalationKind.SAFEGUARDING, dt.date(2025, 12, 29)),
        # practice: 29, 30, 31 Dec, (1 Jan holiday) 2 Jan, 5 Jan.
        (at(2025, 12, 24, 10, 0), EscalationKind.PRACTICE, dt.date(2026, 1, 5)),
        # raised late on a Friday: Monday (the day raised never counts, whatever the time).
        (at(2026, 3, 6, 23, 30), EscalationKind.SAFEGUARDING, dt.date(2026, 3, 9)),
        # raised on a Saturday: Monday is the 1st working day after.
        (at(2026, 3, 7, 9, 0), EscalationKind.SAFEGUARDING, dt.date(2026, 3, 9)),
        # Maundy Thursday 2026 (2 Apr): Good Friday and Easter Monday are bank holidays.
        (at(2026, 4, 2, 12, 0), EscalationKind.SAFEGUARDING, dt.date(2026, 4, 7)),
        (at(2026, 4, 2, 12, 0), EscalationKind.PRACTICE, dt.date(2026, 4, 13)),
    ],
)
def test_known_dates(raised, kind, due):
    day, end = escalation_deadline(kind=kind, raised_at=raised, closures=frozenset())
    assert day == due
    assert end == dt.datetime.combine(due, dt.time(23, 59, 59), tzinfo=LONDON)


def test_the_local_date_decides_not_utc():
    # 00:30 BST on Tuesday 2 June 2026 is still 23:30 UTC on Monday 1 June.
    raised = dt.datetime(2026, 6, 1, 23, 30, tzinfo=dt.UTC)
    day, _ = escalation_deadline(
        kind=EscalationKind.SAFEGUARDING, raised_at=raised, closures=frozenset()
    )
    assert day == dt.date(2026, 6, 3)


def test_council_closure_days_are_not_working_days():
    ClosureDayFactory(date=dt.date(2025, 12, 29))
    ClosureDayFactory(date=dt.date(2025, 12, 30))
    day, _ = escalation_deadline(kind=EscalationKind.SAFEGUARDING, raised_at=at(2025, 12, 24, 10))
    assert day == dt.date(2025, 12, 31)
    day, _ = escalation_deadline(kind=EscalationKind.PRACTICE, raised_at=at(2025, 12, 24, 10))
    assert day == dt.date(2026, 1, 7)


def test_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        escalation_deadline(kind=EscalationKind.PRACTICE, raised_at=dt.datetime(2026, 1, 5, 9))


def test_raised_escalation_stores_its_deadline(raise_on):
    escalation = raise_on(at(2025, 12, 24, 16, 45))
    assert escalation.deadline_on == dt.date(2025, 12, 29)
    assert escalation.deadline_at == at(2025, 12, 29, 23, 59, 59)
