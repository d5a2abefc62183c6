"""Working days in England: Monday to Friday, minus bank holidays and council closure days.

Statutory timescales in children's social care (e.g. "assessment within 45 working
days") are counted in working days, so every deadline in QAF goes through here.

Conventions (see docs/calendar.md):

* The day something happens (a referral is raised, an assessment starts) never
  counts. ``add_working_days(start, n)`` is the n-th working day *after* ``start``.
* A deadline is the end of that day: work authorised on the returned date is in time.
* ``working_days_between(start, end)`` counts working days ``d`` with
  ``start < d <= end``, so the two functions are inverses.

This module is pure Python on purpose (an import-linter contract forbids Django and
other ``qaf`` packages) so it is trivially testable and reusable from anywhere.
"""

from __future__ import annotations

import datetime as dt
import functools
from bisect import bisect_right

from govuk_bank_holidays.bank_holidays import BankHolidays

__all__ = [
    "add_working_days",
    "bank_holidays",
    "holiday_data_covers_until",
    "is_working_day",
    "working_days_between",
]

_DIVISION = BankHolidays.ENGLAND_AND_WALES
_EMPTY: frozenset[dt.date] = frozenset()


@functools.cache
def _sorted_bank_holidays() -> tuple[dt.date, ...]:
    """Load the GOV.UK data shipped inside govuk-bank-holidays, never the network.

    ``use_cached_holidays=True`` makes the package read its bundled
    ``bank-holidays.json``; without it the constructor does an HTTP GET to gov.uk,
    which would make deadlines depend on network availability at run time.
    """
    data = BankHolidays(use_cached_holidays=True)
    return tuple(sorted({event["date"] for event in data.get_holidays(division=_DIVISION)}))


def bank_holidays() -> frozenset[dt.date]:
    """All known England-and-Wales bank holidays in the shipped data."""
    return _bank_holiday_set()


@functools.cache
def _bank_holiday_set() -> frozenset[dt.date]:
    return frozenset(_sorted_bank_holidays())


def holiday_data_covers_until() -> dt.date:
    """The last bank holiday in the shipped data.

    Beyond this date only weekends (and any ``closures``) are excluded, so deadlines
    there may be a day or two early. A test fails when this is less than a year away:
    upgrade ``govuk-bank-holidays`` to refresh it.
    """
    return _sorted_bank_holidays()[-1]


def _check_date(value: dt.date, name: str) -> None:
    """Reject datetimes: ``datetime`` is a ``date`` subclass but never equals one,
    so holiday look-ups would silently miss. Callers must pick the local date."""
    if isinstance(value, dt.datetime):
        raise TypeError(f"{name} must be a datetime.date, not a datetime; use .date()")
    if not isinstance(value, dt.date):
        raise TypeError(f"{name} must be a datetime.date, got {type(value).__name__}")


@functools.lru_cache(maxsize=128)
def _off_weekdays(closures: frozenset[dt.date]) -> tuple[int, ...]:
    """Sorted ordinals of Mon-Fri days that are not worked (holidays + closures).

    Weekend days are dropped here because the weekday arithmetic already excludes
    them; keeping them would double-count. Cached per closure set because callers
    typically pass the same council's closures over and over.
    """
    for day in closures:
        _check_date(day, "closures")
    days = _bank_holiday_set() | closures
    return tuple(sorted({d.toordinal() for d in days if d.weekday() < 5}))


# Weekday arithmetic on proleptic Gregorian ordinals. Ordinal 1 (0001-01-01) is a
# Monday, so ordinal o falls on weekday (o - 1) % 7 and ordinals 1..7 are Mon..Sun.


def _weekdays_upto(ordinal: int) -> int:
    """Number of Mon-Fri days with ordinal in [1, ordinal]: O(1)."""
    weeks, rest = divmod(ordinal, 7)
    return 5 * weeks + min(rest, 5)


def _ordinal_of_weekday_number(count: int) -> int:
    """Inverse of ``_weekdays_upto`` restricted to weekdays: the ordinal of the
    ``count``-th Mon-Fri day counting from 0001-01-01 (count >= 1)."""
    weeks, rest = divmod(count, 5)
    if rest == 0:
        return 7 * (weeks - 1) + 5  # a Friday
    return 7 * weeks + rest


def _offs_in(off: tuple[int, ...], after: int, upto: int) -> int:
    """How many off weekdays have ordinal in (after, upto]: O(log n) via bisect."""
    return bisect_right(off, upto) - bisect_right(off, after)


def is_working_day(day: dt.date, *, closures: frozenset[dt.date] = _EMPTY) -> bool:
    """True if ``day`` is Mon-Fri, not an England-and-Wales bank holiday and not a
    council closure day."""
    _check_date(day, "day")
    return day.weekday() < 5 and day not in _bank_holiday_set() and day not in closures


def add_working_days(
    start: dt.date, days: int, *, closures: frozenset[dt.date] = _EMPTY
) -> dt.date:
    """The ``days``-th working day after ``start``; ``start`` itself never counts.

    ``days == 0`` returns ``start`` unchanged (even if it is not a working day):
    "no working days later" is the day itself. Deadlines should use ``days >= 1``.
    Negative ``days`` raise ``ValueError``: counting backwards is not a deadline.

    Runs in O(k log h) where h is the number of holidays/closures and k (the
    fixed-point iterations below) is at most the number of them inside the span,
    usually 1-3, so ``days=10_000`` is as cheap as ``days=1``.
    """
    _check_date(start, "start")
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError(f"days must be an int, got {type(days).__name__}")
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    if days == 0:
        return start
    off = _off_weekdays(frozenset(closures))
    s = start.toordinal()
    base = _weekdays_upto(s)
    # Find the smallest m such that the m-th weekday after start has exactly
    # m - days off-weekdays in (start, it]. Starting from m = days and setting
    # m = days + offs(...) increases m monotonically and never overshoots the
    # answer, so the first fixed point is the n-th working day.
    m = days
    while True:
        candidate = _ordinal_of_weekday_number(base + m)
        needed = days + _offs_in(off, s, candidate)
        if needed == m:
            return dt.date.fromordinal(candidate)
        m = needed


def working_days_between(
    start: dt.date, end: dt.date, *, closures: frozenset[dt.date] = _EMPTY
) -> int:
    """Number of working days ``d`` with ``start < d <= end``.

    This is the inverse of ``add_working_days``: if ``add_working_days(s, n) == e``
    then ``working_days_between(s, e) == n``. So "authorised within 45 working days"
    is ``working_days_between(start, authorised) <= 45``.

    If ``end < start`` the result is the negative of
    ``working_days_between(end, start)`` (e.g. "3 working days overdue" from a
    deadline's point of view), which keeps
    ``between(a, b) + between(b, c) == between(a, c)`` for any dates. O(log h).
    """
    _check_date(start, "start")
    _check_date(end, "end")
    if end < start:
        return -working_days_between(end, start, closures=closures)
    off = _off_weekdays(frozenset(closures))
    s, e = start.toordinal(), end.toordinal()
    return _weekdays_upto(e) - _weekdays_upto(s) - _offs_in(off, s, e)
