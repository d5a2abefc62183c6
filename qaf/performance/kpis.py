"""KPIs as code. Each is defined once here and documented in docs/kpis.md (same keys).

A KPI is computed over case events (and involvements) already restricted to the viewer's
scope, for several windows [start, end] (both inclusive) at once: the scorecard asks for the
chosen period and the 12 months of its trend in ONE call, and each KPI answers with one or two
aggregate queries whatever the number of windows (grouped by day, or one conditional count per
window end), never a query per month.

Working days follow qaf.calendar: the day something happens is day 0, so "within 45 working
days" means working_days_between(start, done) <= 45.

Other apps add KPIs with `register_kpi` (docs/kpis.md, "Adding a KPI from another app").
"""

import datetime as dt
import functools
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from django.conf import settings
from django.db import connection, connections
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from qaf.calendar import working_days_between
from qaf.cases.selectors import CaseEvents, EventKind, Involvements, case_event_list_for_figures

Window = tuple[dt.date, dt.date]
T = TypeVar("T")


@dataclass(frozen=True)
class Result:
    numerator: int
    denominator: int
    value: float | None  # a percentage, a rate per 10,000 or an average


class SharedFigures:
    """Figures several KPIs share (referral days, plan and care positions): computed once per
    input, also when the KPIs run in threads (kpi_compute_all)."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: str, compute: Callable[[], T]) -> T:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._values:
                self._values[key] = compute()
            value: T = self._values[key]
            return value


@dataclass(frozen=True)
class KpiInput:
    """What a KPI computes over. team_ids None means every team; staff_id narrows to a worker
    (the allocated worker of events and involvements); reviewer_id to a CP chair's or IRO's
    reviewed children. A KPI from another app applies the same narrowing to its own data."""

    events: CaseEvents
    involvements: Involvements
    windows: tuple[Window, ...]
    team_ids: frozenset[int] | None = None
    staff_id: int | None = None
    reviewer_id: int | None = None
    shared: "SharedFigures" = field(default_factory=SharedFigures, compare=False, repr=False)


@dataclass(frozen=True)
class Kpi:
    key: str
    title: str
    unit: str  # "%", "per 10,000", "children"
    higher_is_better: bool
    compute: Callable[[KpiInput], list[Result]]
    default_target: float | None = None
    group: str = "Case register"


# Building blocks for KPIs, also for those other apps register (qaf/audits/kpis.py).


def result_pct(numerator: int, denominator: int) -> Result:
    value = round(100 * numerator / denominator, 1) if denominator else None
    return Result(numerator, denominator, value)


def windows_span(windows: Iterable[Window]) -> Window:
    windows = list(windows)
    return min(w[0] for w in windows), max(w[1] for w in windows)


def sum_by_window(
    per_day: dict[dt.date, tuple[int, int]], windows: Iterable[Window]
) -> list[Result]:
    """Numerator and denominator counted per day, added up for each window."""
    out = []
    for start, end in windows:
        num = den = 0
        for day, (n, d) in per_day.items():
            if start <= day <= end:
                num += n
                den += d
        out.append(result_pct(num, den))
    return out


def _one_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _two_years_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 2)
    except ValueError:
        return dt.date(day.year + 2, 3, 1)


@functools.lru_cache(maxsize=200_000)
def _wd(start: dt.date, end: dt.date) -> int:
    return working_days_between(start, end)


# Events in a window ---------------------------------------------------------------------------


def _referral_days(inp: KpiInput) -> dict[dt.date, tuple[int, int, int]]:
    """Per referral day in the span: (referrals, re-referrals, NFAs), one query shared by the
    two referral KPIs. A re-referral has an earlier referral of the same child (any team: it is
    the child's history) on or after the same date a year before. The child's previous referral
    is stored on each event (previous_start, qaf.cases.history), so this is a plain grouped
    count. "A year before" is 365 days back, or 366 when that year holds 29 February: a
    previous referral exactly 366 days back is counted separately and added only then."""
    return inp.shared.get("referral_days", lambda: _count_referral_days(inp))


def _count_referral_days(inp: KpiInput) -> dict[dt.date, tuple[int, int, int]]:
    first, last = windows_span(inp.windows)
    rows = (
        inp.events.filter(kind=EventKind.REFERRAL, start_date__gte=first, start_date__lte=last)
        .order_by()
        .values("start_date")
        .annotate(
            total=Count("pk"),
            near=Count("pk", filter=Q(previous_start__gte=F("start_date") - dt.timedelta(365))),
            band=Count("pk", filter=Q(previous_start=F("start_date") - dt.timedelta(366))),
            nfa=Count("pk", filter=Q(flag=True)),
        )
    )
    per_day = {}
    for row in rows:
        day = row["start_date"]
        leap_back = _one_year_before(day) <= day - dt.timedelta(days=366)
        per_day[day] = (row["total"], row["near"] + (row["band"] if leap_back else 0), row["nfa"])
    return per_day


def re_referrals(inp: KpiInput) -> list[Result]:
    """Referrals in the window whose child had another referral in the 12 months before it
    / referrals in the window."""
    days = _referral_days(inp)
    return sum_by_window({d: (near, total) for d, (total, near, _) in days.items()}, inp.windows)


def referrals_nfa(inp: KpiInput) -> list[Result]:
    days = _referral_days(inp)
    return sum_by_window({d: (nfa, total) for d, (total, _, nfa) in days.items()}, inp.windows)


def _durations(
    inp: KpiInput, kind: str, begin: str, done: str, limit: int, by: str
) -> list[Result]:
    """Events whose `by` date is in the window, in time when begin..done <= limit working
    days. One query grouped by the two dates (few distinct pairs), then the calendar."""
    first, last = windows_span(inp.windows)
    rows = (
        inp.events.filter(kind=kind, **{f"{by}__gte": first, f"{by}__lte": last})
        .exclude(**{f"{begin}__isnull": True})
        .exclude(**{f"{done}__isnull": True})
        .order_by()
        .values(begin, done)
        .annotate(n=Count("pk"))
    )
    per_day: dict[dt.date, tuple[int, int]] = {}
    for row in rows:
        day = row[by]
        in_time = row["n"] if _wd(row[begin], row[done]) <= limit else 0
        num, den = per_day.get(day, (0, 0))
        per_day[day] = (num + in_time, den + row["n"])
    return sum_by_window(per_day, inp.windows)


def assessments_in_45(inp: KpiInput) -> list[Result]:
    return _durations(inp, EventKind.ASSESSMENT, "start_date", "end_date", 45, "end_date")


def icpc_in_15(inp: KpiInput) -> list[Result]:
    return _durations(inp, EventKind.ICPC, "linked_date", "start_date", 15, "start_date")


def cp_plans_over_two_years(inp: KpiInput) -> list[Result]:
    first, last = windows_span(inp.windows)
    rows = (
        inp.events.filter(kind=EventKind.CP_PLAN, end_date__gte=first, end_date__lte=last)
        .order_by()
        .values("start_date", "end_date")
        .annotate(n=Count("pk"))
    )
    per_day: dict[dt.date, tuple[int, int]] = {}
    for row in rows:
        long = row["n"] if row["end_date"] >= _two_years_after(row["start_date"]) else 0
        num, den = per_day.get(row["end_date"], (0, 0))
        per_day[row["end_date"]] = (num + long, den + row["n"])
    return sum_by_window(per_day, inp.windows)


def repeat_cp_plans(inp: KpiInput) -> list[Result]:
    """CP plans starting in the window that are the child's second or later: the source says
    so (number of previous plans) or the register holds an earlier plan (previous_start)."""
    first, last = windows_span(inp.windows)
    rows = (
        inp.events.filter(kind=EventKind.CP_PLAN, start_date__gte=first, start_date__lte=last)
        .order_by()
        .values("start_date")
        .annotate(
            total=Count("pk"),
            repeat=Count("pk", filter=Q(number__gte=1) | Q(previous_start__isnull=False)),
        )
    )
    return sum_by_window({r["start_date"]: (r["repeat"], r["total"]) for r in rows}, inp.windows)


# Position at each window's end -----------------------------------------------------------------


def _open_q(day: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def _ends(inp: KpiInput) -> list[dt.date]:
    """The distinct window ends (the period usually ends on the last trend month's end)."""
    return sorted({end for _, end in inp.windows})


def _by_window(inp: KpiInput, per_end: dict[dt.date, T]) -> list[T]:
    return [per_end[end] for _, end in inp.windows]


def _overlapping(qs: QuerySet[Any], ends: list[dt.date]) -> QuerySet[Any]:
    return qs.filter(start_date__lte=max(ends)).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=min(ends))
    )


def _plan_positions(inp: KpiInput, plan_kind: str) -> list[tuple[int, int]]:
    """Per window end: (children on the plan or in care, those of them visited in timescale).
    One query answers both the rate and the visits KPI of a kind, with a conditional count per
    end; the visit is found by an index lookup on the child's events."""
    return inp.shared.get(f"plan_positions:{plan_kind}", lambda: _count_plans(inp, plan_kind))


def _count_plans(inp: KpiInput, plan_kind: str) -> list[tuple[int, int]]:
    visit_kind, limit = _VISITS[plan_kind]
    ends = _ends(inp)
    aggregates = {}
    for i, day in enumerate(ends):
        visited = Exists(
            case_event_list_for_figures().filter(
                child=OuterRef("child"),
                kind=visit_kind,
                start_date__gte=_earliest_in_time(day, limit()),
                start_date__lte=day,
            )
        )
        aggregates[f"n{i}"] = Count("child", distinct=True, filter=_open_q(day))
        aggregates[f"v{i}"] = Count("child", distinct=True, filter=_open_q(day) & Q(visited))
    counts = _overlapping(inp.events.filter(kind=plan_kind), ends).aggregate(**aggregates)
    return _by_window(inp, {day: (counts[f"n{i}"], counts[f"v{i}"]) for i, day in enumerate(ends)})


def _rate(inp: KpiInput, kind: str) -> list[Result]:
    population = int(getattr(settings, "QAF_CHILD_POPULATION", 0) or 0)
    out = []
    for children, _ in _plan_positions(inp, kind):
        value = round(10_000 * children / population, 1) if population else None
        out.append(Result(children, population, value))
    return out


def cp_rate(inp: KpiInput) -> list[Result]:
    return _rate(inp, EventKind.CP_PLAN)


def cic_rate(inp: KpiInput) -> list[Result]:
    return _rate(inp, EventKind.CIC_EPISODE)


def _care_positions(inp: KpiInput) -> list[tuple[int, int, int, int]]:
    """Per window end: (children in care, those with 3 or more placements starting in the 12
    months to it, children under 16 in care for 2.5 years or more, those in the same placement
    for at least 2 years). Two queries shared by both placement KPIs (care episodes overlapping
    the ends; those children's placements, read back 11 years to find the current one), then
    array arithmetic per end, not a Python loop per child: at national scale there are about
    100,000 children in care and 13 ends."""
    return inp.shared.get("care_positions", lambda: _count_care(inp))


def _count_care(inp: KpiInput) -> list[tuple[int, int, int, int]]:
    ends = _ends(inp)
    in_care = _overlapping(inp.events.filter(kind=EventKind.CIC_EPISODE), ends).order_by()
    episodes = list(
        in_care.values_list("child_id", "start_date", "end_date", "child__date_of_birth")
    )
    placements = list(
        case_event_list_for_figures()
        .filter(
            child__in=in_care.values("child"),
            kind=EventKind.PLACEMENT,
            start_date__gt=min(ends) - dt.timedelta(days=366 * 11),
            start_date__lte=max(ends),
        )
        .order_by()
        .values_list("child_id", "start_date")
    )
    return _by_window(
        inp, dict(zip(ends, _care_arithmetic(episodes, placements, ends), strict=True))
    )


_NEVER = dt.date.max.toordinal()


def _care_arithmetic(
    episodes: list[tuple[int, dt.date, dt.date | None, dt.date | None]],
    placements: list[tuple[int, dt.date]],
    ends: list[dt.date],
) -> list[tuple[int, int, int, int]]:
    """_care_positions over fetched rows. Dates become day numbers; a child in two episodes
    at an end is counted once, from the episode that started last (the current one)."""
    if not episodes:
        return [(0, 0, 0, 0) for _ in ends]
    child_ids, child = np.unique(np.array([e[0] for e in episodes]), return_inverse=True)
    started = np.array([e[1].toordinal() for e in episodes])
    ended = np.array([e[2].toordinal() if e[2] else _NEVER for e in episodes])
    born = np.array([e[3].toordinal() if e[3] else _NEVER for e in episodes])
    placed_child = np.searchsorted(child_ids, np.array([p[0] for p in placements], dtype=int))
    placed = np.array([p[1].toordinal() for p in placements], dtype=int)
    # Latest-starting episode last, so assigning per child keeps the current one.
    latest_last = np.argsort(started, kind="stable")
    positions = []
    for day in ends:
        today, year_before = day.toordinal(), _one_year_before(day).toordinal()
        two_years_before = _one_year_before(_one_year_before(day)).toordinal()
        open_now = latest_last[(started[latest_last] <= today) & (ended[latest_last] >= today)]
        spell_start = np.full(len(child_ids), -1)
        spell_start[child[open_now]] = started[open_now]
        dob = np.full(len(child_ids), _NEVER)
        dob[child[open_now]] = born[open_now]
        cared = spell_start >= 0
        recent = (placed > year_before) & (placed <= today)
        moves = np.bincount(placed_child[recent], minlength=len(child_ids))
        current = np.full(len(child_ids), -1)
        so_far = placed <= today
        np.maximum.at(current, placed_child[so_far], placed[so_far])
        current = np.where(current >= 0, current, spell_start)
        long_in_care = (
            cared
            & (dob <= today)
            & (today - dob < 16 * 365.25)
            & (today - spell_start >= 913)  # 2.5 years
        )
        positions.append(
            (
                int(cared.sum()),
                int((cared & (moves >= 3)).sum()),
                int(long_in_care.sum()),
                int((long_in_care & (current <= two_years_before)).sum()),
            )
        )
    return positions


def placement_moves(inp: KpiInput) -> list[Result]:
    """Children in care at each end with 3 or more placements starting in the 12 months to it."""
    return [result_pct(moved, in_care) for in_care, moved, _, _ in _care_positions(inp)]


def placement_long_term(inp: KpiInput) -> list[Result]:
    """Children under 16 in care at each end who have been in care for 2.5 years or more:
    the share living in the same placement for at least 2 years (DfE's long-term stability
    measure)."""
    return [result_pct(stable, long) for _, _, long, stable in _care_positions(inp)]


@functools.lru_cache(maxsize=1024)
def _earliest_in_time(day: dt.date, limit: int) -> dt.date:
    """The earliest date d with working_days_between(d, day) <= limit."""
    guess = day - dt.timedelta(days=limit * 2 + 30)
    while working_days_between(guess, day) > limit:
        guess += dt.timedelta(days=1)
    probe = guess - dt.timedelta(days=1)
    while working_days_between(probe, day) <= limit:
        guess, probe = probe, probe - dt.timedelta(days=1)
    return guess


# Which visits keep a plan in timescale, and the limit in working days (settings, read late so
# tests and councils can change them).
_VISITS: dict[str, tuple[str, Callable[[], int]]] = {
    EventKind.CP_PLAN: (
        EventKind.CP_VISIT,
        lambda: int(getattr(settings, "QAF_CP_VISIT_WORKING_DAYS", 10)),
    ),
    EventKind.CIC_EPISODE: (
        EventKind.CIC_VISIT,
        lambda: int(getattr(settings, "QAF_CIC_VISIT_WORKING_DAYS", 30)),
    ),
}


def _visits_in_time(inp: KpiInput, plan_kind: str) -> list[Result]:
    """Children on a plan at each end whose latest visit was at most the limit in working days
    before it / children on the plan."""
    return [result_pct(visited, children) for children, visited in _plan_positions(inp, plan_kind)]


def cp_visits(inp: KpiInput) -> list[Result]:
    return _visits_in_time(inp, EventKind.CP_PLAN)


def cic_visits(inp: KpiInput) -> list[Result]:
    return _visits_in_time(inp, EventKind.CIC_EPISODE)


def caseload_per_worker(inp: KpiInput) -> list[Result]:
    """Open involvements with an allocated worker at each end, per worker holding any."""
    ends = _ends(inp)
    qs = _overlapping(inp.involvements.filter(allocated_worker__isnull=False), ends)
    aggregates = {}
    for i, day in enumerate(ends):
        aggregates[f"c{i}"] = Count("pk", filter=_open_q(day))
        aggregates[f"w{i}"] = Count("allocated_worker", distinct=True, filter=_open_q(day))
    counts = qs.aggregate(**aggregates)
    per_end = {}
    for i, day in enumerate(ends):
        cases, workers = counts[f"c{i}"], counts[f"w{i}"]
        per_end[day] = Result(cases, workers, round(cases / workers, 1) if workers else None)
    return _by_window(inp, per_end)


# The registry ---------------------------------------------------------------------------------

_REGISTRY: dict[str, Kpi] = {}


def register_kpi(kpi: Kpi) -> Kpi:
    """Add a KPI to every scorecard (call from an AppConfig.ready()). Keys are unique."""
    existing = _REGISTRY.get(kpi.key)
    if existing is not None and existing != kpi:
        raise ValueError(f"A KPI with the key {kpi.key!r} is already registered")
    _REGISTRY[kpi.key] = kpi
    return kpi


def kpi_list() -> list[Kpi]:
    return list(_REGISTRY.values())


def kpi_get(key: str) -> Kpi | None:
    return _REGISTRY.get(key)


for _kpi in (
    Kpi("re_referrals", "Re-referrals within 12 months", "%", False, re_referrals, 20.0),
    Kpi("referrals_nfa", "Referrals with no further action", "%", False, referrals_nfa),
    Kpi(
        "assessments_45",
        "Assessments completed within 45 working days",
        "%",
        True,
        assessments_in_45,
        85.0,
    ),
    Kpi(
        "icpc_15",
        "ICPCs within 15 working days of the strategy discussion",
        "%",
        True,
        icpc_in_15,
        80.0,
    ),
    Kpi(
        "cp_two_years",
        "CP plans ending after 2 years or more",
        "%",
        False,
        cp_plans_over_two_years,
        4.0,
    ),
    Kpi("cp_repeat", "Second or subsequent CP plans", "%", False, repeat_cp_plans, 23.0),
    Kpi("cp_rate", "Children on a CP plan per 10,000", "per 10,000", False, cp_rate),
    Kpi("cic_rate", "Children in care per 10,000", "per 10,000", False, cic_rate),
    Kpi(
        "placement_moves",
        "Children in care with 3 or more placements in 12 months",
        "%",
        False,
        placement_moves,
        10.0,
    ),
    Kpi(
        "placement_long_term",
        "Long-term placement stability (under 16, in care 2.5 years, same placement 2 years)",
        "%",
        True,
        placement_long_term,
        70.0,
    ),
    Kpi("cp_visits", "CP visits in timescale", "%", True, cp_visits, 90.0),
    Kpi("cic_visits", "Child in care visits in timescale", "%", True, cic_visits, 90.0),
    Kpi("caseload", "Average caseload per worker", "children", False, caseload_per_worker, 18.0),
):
    register_kpi(_kpi)

# Kept for callers that read the built-in list; the registry is the whole set.
KPIS = tuple(kpi_list())
KPI_BY_KEY = _REGISTRY


def kpi_compute_all(inp: KpiInput, kpis: Iterable[Kpi]) -> dict[str, list[Result]]:
    """Every KPI for every window of the input, by key. The KPIs are independent reads, so
    they run on up to QAF_KPI_WORKERS database connections at once (each thread opens its own
    and closes it after each KPI): the national-scale scorecard is database-bound. Inside a
    transaction (a test, or a caller's atomic block) another connection could not see its
    rows, so there they run one after another on this connection."""
    kpis = list(kpis)
    workers = int(getattr(settings, "QAF_KPI_WORKERS", 4))
    if workers <= 1 or len(kpis) <= 1 or connection.in_atomic_block:
        return {kpi.key: kpi.compute(inp) for kpi in kpis}

    def compute(kpi: Kpi) -> list[Result]:
        try:
            return kpi.compute(inp)
        finally:
            connections.close_all()  # this thread's connections only

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kpi") as pool:
        futures = {kpi.key: pool.submit(compute, kpi) for kpi in kpis}
        return {key: future.result() for key, future in futures.items()}


def rag(kpi: Kpi, value: float | None, target: float | None) -> str:
    """Green on or better than target; amber within 10% of it; red beyond; grey without."""
    if value is None or target is None:
        return "grey"
    good = value >= target if kpi.higher_is_better else value <= target
    if good:
        return "green"
    margin = abs(target) * 0.1
    near = value >= target - margin if kpi.higher_is_better else value <= target + margin
    return "amber" if near else "red"
