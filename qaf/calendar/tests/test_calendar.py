"""Tests for qaf.calendar: known dates, properties against a naive oracle, staleness."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from govuk_bank_holidays.bank_holidays import BankHolidays
from hypothesis import given
from hypothesis import strategies as st

from qaf.calendar import (
    add_working_days,
    bank_holidays,
    holiday_data_covers_until,
    is_working_day,
    working_days_between,
)

DATA_FROM = min(bank_holidays())
DATA_UNTIL = holiday_data_covers_until()
# Spans drawn below are at most 500 working days (< 800 calendar days), so every
# start drawn from START_DATES keeps the whole span inside the shipped data.
MAX_SPAN_DAYS = 500
START_DATES = st.dates(min_value=DATA_FROM, max_value=DATA_UNTIL - timedelta(days=800))
ANY_DATES = st.dates(min_value=DATA_FROM, max_value=DATA_UNTIL)
SPANS = st.integers(min_value=0, max_value=MAX_SPAN_DAYS)


@st.composite
def closures_near(draw: st.DrawFn, start: date) -> frozenset[date]:
    """Closure days clustered just after ``start`` so they actually fall in spans
    (uniform dates over 17 years would almost never land in one)."""
    offsets = draw(st.lists(st.integers(min_value=-5, max_value=120), max_size=15))
    return frozenset(start + timedelta(days=k) for k in offsets)


@st.composite
def start_span_closures(draw: st.DrawFn) -> tuple[date, int, frozenset[date]]:
    start = draw(START_DATES)
    return start, draw(SPANS), draw(closures_near(start))


def naive_add(start: date, days: int, closures: frozenset[date] = frozenset()) -> date:
    """Day-by-day oracle using only the raw holiday set, not the module's arithmetic."""
    holidays = bank_holidays()
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays and day not in closures:
            left -= 1
    return day


def naive_between(start: date, end: date, closures: frozenset[date] = frozenset()) -> int:
    holidays = bank_holidays()
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays and day not in closures:
            count += 1
    return count


# --- known dates (each checked by hand against the shipped GOV.UK data) ---------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Christmas 2025: Thu 25 and Fri 26 Dec are bank holidays, Thu 1 Jan 2026 too.
        (date(2025, 12, 24), 1, date(2025, 12, 29)),
        (date(2025, 12, 24), 3, date(2025, 12, 31)),
        (date(2025, 12, 24), 4, date(2026, 1, 2)),
        (date(2025, 12, 23), 1, date(2025, 12, 24)),
        # Christmas 2026: Fri 25 Dec; Boxing Day (Sat) substituted to Mon 28 Dec;
        # New Year's Day 2027 is Fri 1 Jan.
        (date(2026, 12, 24), 1, date(2026, 12, 29)),
        (date(2026, 12, 24), 3, date(2026, 12, 31)),
        (date(2026, 12, 24), 4, date(2027, 1, 4)),
        # Easter 2026: Good Friday 3 April, Easter Monday 6 April.
        (date(2026, 4, 2), 1, date(2026, 4, 7)),
        (date(2026, 4, 1), 2, date(2026, 4, 7)),
        # Plain weeks.
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Fri + 1 -> Mon
        (date(2026, 3, 6), 5, date(2026, 3, 13)),  # Fri + 5 -> next Fri
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # raised on a Saturday
        (date(2026, 3, 9), 0, date(2026, 3, 9)),
        (date(2026, 3, 7), 0, date(2026, 3, 7)),  # 0 returns start even at a weekend
        # 45 working days from Mon 1 Dec 2025 (counted by hand across Christmas).
        (date(2025, 12, 1), 45, date(2026, 2, 5)),
    ],
)
def test_add_working_days_known_dates(start: date, days: int, expected: date) -> None:
    assert add_working_days(start, days) == expected
    assert working_days_between(start, expected) == days


def test_known_holidays_are_england_and_wales_division() -> None:
    holidays = bank_holidays()
    assert {date(2026, 4, 3), date(2026, 4, 6), date(2026, 12, 28)} <= holidays
    # Scotland-only days must not leak in.
    assert date(2026, 1, 2) not in holidays  # 2nd January (Scotland)
    assert date(2025, 12, 1) not in holidays  # St Andrew's Day substitute (Scotland)
    assert not is_working_day(date(2026, 4, 6))
    assert is_working_day(date(2026, 1, 2))


def test_is_working_day_matches_govuk_package() -> None:
    oracle = BankHolidays(use_cached_holidays=True)
    day = DATA_FROM
    while day <= DATA_UNTIL:
        assert is_working_day(day) == oracle.is_work_day(
            day, division=BankHolidays.ENGLAND_AND_WALES
        ), day
        day += timedelta(days=1)


def test_working_days_between_known() -> None:
    assert working_days_between(date(2025, 12, 24), date(2026, 1, 2)) == 4
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 9)) == 0
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 8)) == 0  # Fri -> Sun
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 13)) == 5
    # Reversed arguments give the negative count.
    assert working_days_between(date(2026, 3, 13), date(2026, 3, 6)) == -5


def test_closures_known() -> None:
    closure = frozenset({date(2026, 3, 9)})  # a Monday
    assert not is_working_day(date(2026, 3, 9), closures=closure)
    assert add_working_days(date(2026, 3, 6), 1, closures=closure) == date(2026, 3, 10)
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 13), closures=closure) == 4
    # A plain set is accepted too.
    assert add_working_days(date(2026, 3, 6), 1, closures={date(2026, 3, 9)}) == date(  # type: ignore[arg-type]
        2026, 3, 10
    )


def test_holiday_data_is_loaded_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deadlines must not depend on gov.uk being reachable at run time."""
    import govuk_bank_holidays.bank_holidays as package

    from qaf.calendar import working_days

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("qaf.calendar tried to download bank holidays")

    monkeypatch.setattr(package.requests, "get", no_network)
    working_days._sorted_bank_holidays.cache_clear()
    working_days._bank_holiday_set.cache_clear()
    working_days._off_weekdays.cache_clear()
    try:
        assert date(2026, 12, 28) in bank_holidays()
        assert add_working_days(date(2025, 12, 24), 1) == date(2025, 12, 29)
    finally:
        working_days._sorted_bank_holidays.cache_clear()
        working_days._bank_holiday_set.cache_clear()
        working_days._off_weekdays.cache_clear()


# --- argument validation ---------------------------------------------------------


def test_negative_days_rejected() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        add_working_days(date(2026, 3, 6), -1)


@pytest.mark.parametrize(("days", "kind"), [(1.0, "float"), (True, "bool"), ("1", "str")])
def test_non_int_days_rejected(days: object, kind: str) -> None:
    with pytest.raises(TypeError, match=rf"^days must be an int, got {kind}$"):
        add_working_days(date(2026, 3, 6), days)  # type: ignore[arg-type]


NOT_A_DATETIME = r" must be a datetime\.date, not a datetime; use \.date\(\)$"


def test_datetimes_rejected_naming_the_argument() -> None:
    moment = datetime(2025, 12, 25, 9, 0)
    with pytest.raises(TypeError, match=rf"^day{NOT_A_DATETIME}"):
        is_working_day(moment)
    with pytest.raises(TypeError, match=rf"^start{NOT_A_DATETIME}"):
        add_working_days(moment, 1)
    with pytest.raises(TypeError, match=rf"^end{NOT_A_DATETIME}"):
        working_days_between(date(2025, 12, 1), moment)
    with pytest.raises(TypeError, match=rf"^start{NOT_A_DATETIME}"):
        working_days_between(moment, date(2025, 12, 1))
    with pytest.raises(TypeError, match=rf"^closures{NOT_A_DATETIME}"):
        add_working_days(date(2025, 12, 1), 1, closures=frozenset({moment}))


def test_other_values_rejected_naming_the_argument_and_the_type() -> None:
    with pytest.raises(TypeError, match=r"^day must be a datetime\.date, got str$"):
        is_working_day("2026-03-09")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^end must be a datetime\.date, got NoneType$"):
        working_days_between(date(2026, 3, 9), None)  # type: ignore[arg-type]


def test_the_data_runs_to_its_last_bank_holiday() -> None:
    assert holiday_data_covers_until() == max(bank_holidays())


def test_reversed_dates_count_the_closures_too() -> None:
    closure = frozenset({date(2026, 3, 9)})  # a Monday inside the span
    forward = working_days_between(date(2026, 3, 6), date(2026, 3, 13), closures=closure)
    assert forward == 4
    assert working_days_between(date(2026, 3, 13), date(2026, 3, 6), closures=closure) == -4


# --- properties -------------------------------------------------------------------


@given(start_span_closures())
def test_add_matches_naive_oracle(args: tuple[date, int, frozenset[date]]) -> None:
    start, days, closures = args
    assert add_working_days(start, days, closures=closures) == naive_add(start, days, closures)


@given(start=START_DATES, days=st.integers(min_value=1, max_value=MAX_SPAN_DAYS))
def test_result_is_a_working_day_never_weekend_or_holiday(start: date, days: int) -> None:
    result = add_working_days(start, days)
    assert result > start
    assert result.weekday() < 5
    assert result not in bank_holidays()
    assert is_working_day(result)


@given(start_span_closures())
def test_add_then_count_round_trips(args: tuple[date, int, frozenset[date]]) -> None:
    start, days, closures = args
    end = add_working_days(start, days, closures=closures)
    assert working_days_between(start, end, closures=closures) == days
    if days >= 1:
        # ...and it is the *first* such day: the day before has one fewer.
        before = working_days_between(start, end - timedelta(days=1), closures=closures)
        assert before == days - 1


@given(start=START_DATES, a=SPANS, b=SPANS)
def test_monotonic_in_days(start: date, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    if lo == hi:
        assert add_working_days(start, lo) == add_working_days(start, hi)
    else:
        assert add_working_days(start, lo) < add_working_days(start, hi)


@given(start_span_closures())
def test_closure_day_is_never_a_result(args: tuple[date, int, frozenset[date]]) -> None:
    start, days, closures = args
    if days >= 1:
        result = add_working_days(start, days, closures=closures)
        assert result not in closures
        assert is_working_day(result, closures=closures)


@given(
    start=START_DATES,
    days=st.integers(min_value=1, max_value=MAX_SPAN_DAYS),
    offset=st.integers(min_value=1, max_value=700),
)
def test_adding_a_closure_never_brings_the_deadline_earlier(
    start: date, days: int, offset: int
) -> None:
    without = add_working_days(start, days)
    closure = start + timedelta(days=offset)
    with_closure = add_working_days(start, days, closures=frozenset({closure}))
    assert with_closure >= without
    if closure <= without and is_working_day(closure):
        # A working day lost inside the span pushes the deadline to the next one.
        assert with_closure == add_working_days(without, 1)
    else:
        assert with_closure == without


@given(start=ANY_DATES, end=ANY_DATES)
def test_between_matches_naive_oracle(start: date, end: date) -> None:
    lo, hi = sorted((start, end))
    expected = naive_between(lo, hi)
    assert working_days_between(lo, hi) == expected
    assert working_days_between(hi, lo) == -expected


@given(a=ANY_DATES, b=ANY_DATES, c=ANY_DATES)
def test_between_is_additive(a: date, b: date, c: date) -> None:
    assert working_days_between(a, b) + working_days_between(b, c) == working_days_between(a, c)


@given(start_span_closures())
def test_between_with_closures_matches_naive(args: tuple[date, int, frozenset[date]]) -> None:
    start, days, closures = args
    end = start + timedelta(days=days)
    assert working_days_between(start, end, closures=closures) == naive_between(
        start, end, closures
    )


# --- large spans -------------------------------------------------------------------


def test_large_spans_are_correct_and_take_few_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Correct over 40 years, and computed by arithmetic, not by walking the days: counted in
    steps of the fixed-point loop, never timed (speed is measured in benchmarks/)."""
    from qaf.calendar import working_days

    start = date(2012, 1, 1)
    end = add_working_days(start, 10_000)
    assert end == naive_add(start, 10_000)
    assert working_days_between(start, end) == 10_000
    assert working_days_between(date(1990, 1, 1), date(2100, 12, 31)) == naive_between(
        date(1990, 1, 1), date(2100, 12, 31)
    )

    steps: list[int] = []
    real = working_days._ordinal_of_weekday_number

    def counted(count: int) -> int:
        steps.append(count)
        return real(count)

    monkeypatch.setattr(working_days, "_ordinal_of_weekday_number", counted)
    assert add_working_days(start, 10_000) == end
    # About 300 bank holidays fall in the span; a day-by-day walk would take 10,000 steps, a
    # holiday-by-holiday one 300. The fixed point is reached in a handful.
    assert 1 <= len(steps) <= 5, steps
    assert add_working_days(start, 1) == date(2012, 1, 3)  # Mon 2 Jan 2012 was a bank holiday
    assert len(steps) <= 8, steps


# --- staleness ----------------------------------------------------------------------


def test_holiday_data_covers_the_next_twelve_months() -> None:
    """Fails when the shipped GOV.UK data is about to run out: beyond it, bank
    holidays are silently treated as working days and deadlines come out early."""
    needed = date.today() + timedelta(days=365)  # noqa: DTZ011 - staleness check
    assert holiday_data_covers_until() >= needed, (
        f"Bank holiday data in govuk-bank-holidays only runs to "
        f"{holiday_data_covers_until():%d %B %Y}; it must cover the next 12 months "
        f"(to {needed:%d %B %Y}). Upgrade govuk-bank-holidays "
        f"(pip install -U govuk-bank-holidays) and re-run the tests."
    )
