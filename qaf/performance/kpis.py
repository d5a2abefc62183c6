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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from qaf.calendar import working_days_between
from qaf.cases.models import CaseEvent, EventKind, Involvement

Window = tuple[dt.date, dt.date]


@dataclass(frozen=True)
class Result:
    numerator: int
    denominator: int
    value: float | None  # a percentage, a rate per 10,000 or an average


@dataclass(frozen=True)
class KpiInput:
    """What a KPI computes over. team_ids None means every team; staff_id narrows to a worker
    (the allocated worker of events and involvements); reviewer_id to a CP chair's or IRO's
    reviewed children. A KPI from another app applies the same narrowing to its own data."""

    events: QuerySet[CaseEvent]
    involvements: QuerySet[Involvement]
    windows: tuple[Window, ...]
    team_ids: frozenset[int] | None = None
    staff_id: int | None = None
    reviewer_id: int | None = None


@dataclass(frozen=True)
class Kpi:
    key: str
    title: str
    unit: str  # "%", "per 10,000", "children"
    higher_is_better: bool
    compute: Callable[[KpiInput], list[Result]]
    default_target: float | None = None
    group: str = "Case register"


def _pct(numerator: int, denominator: int) -> Result:
    value = round(100 * numerator / denominator, 1) if denominator else None
    return Result(numerator, denominator, value)


def _span(windows: Iterable[Window]) -> Window:
    windows = list(windows)
    return min(w[0] for w in windows), max(w[1] for w in windows)


def _sum_by_window(
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
        out.append(_pct(num, den))
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


def re_referrals(inp: KpiInput) -> list[Result]:
    """Referrals in the window whose child had another referral in the 12 months before it
    (on or after the same date a year earlier) / referrals in the window. One query: grouped by
    day, with the earlier referral found by an index lookup (any team: it is the child's
    history). "A year earlier" is 365 days back, or 366 when that year holds 29 February: the
    366th day back is counted separately and added only for the days where it applies."""
    first, last = _span(inp.windows)
    earlier = CaseEvent.objects.filter(
        child=OuterRef("child"), kind=EventKind.REFERRAL, start_date__lt=OuterRef("start_date")
    )
    within_365 = Exists(earlier.filter(start_date__gte=OuterRef("start_date") - dt.timedelta(365)))
    day_366 = Exists(earlier.filter(start_date=OuterRef("start_date") - dt.timedelta(366)))
    rows = (
        inp.events.filter(kind=EventKind.REFERRAL, start_date__gte=first, start_date__lte=last)
        .order_by()
        .values("start_date")
        .annotate(
            total=Count("pk"),
            near=Count("pk", filter=Q(within_365)),
            band=Count("pk", filter=Q(day_366) & ~Q(within_365)),
        )
    )
    per_day = {}
    for row in rows:
        day = row["start_date"]
        leap_back = _one_year_before(day) <= day - dt.timedelta(days=366)
        per_day[day] = (row["near"] + (row["band"] if leap_back else 0), row["total"])
    return _sum_by_window(per_day, inp.windows)


def referrals_nfa(inp: KpiInput) -> list[Result]:
    first, last = _span(inp.windows)
    rows = (
        inp.events.filter(kind=EventKind.REFERRAL, start_date__gte=first, start_date__lte=last)
        .order_by()
        .values("start_date")
        .annotate(total=Count("pk"), nfa=Count("pk", filter=Q(flag=True)))
    )
    return _sum_by_window({r["start_date"]: (r["nfa"], r["total"]) for r in rows}, inp.windows)


def _durations(
    inp: KpiInput, kind: str, begin: str, done: str, limit: int, by: str
) -> list[Result]:
    """Events whose `by` date is in the window, in time when begin..done <= limit working
    days. One query grouped by the two dates (few distinct pairs), then the calendar."""
    first, last = _span(inp.windows)
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
    return _sum_by_window(per_day, inp.windows)


def assessments_in_45(inp: KpiInput) -> list[Result]:
    return _durations(inp, EventKind.ASSESSMENT, "start_date", "end_date", 45, "end_date")


def icpc_in_15(inp: KpiInput) -> list[Result]:
    return _durations(inp, EventKind.ICPC, "linked_date", "start_date", 15, "start_date")


def cp_plans_over_two_years(inp: KpiInput) -> list[Result]:
    first, last = _span(inp.windows)
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
    return _sum_by_window(per_day, inp.windows)


def repeat_cp_plans(inp: KpiInput) -> list[Result]:
    first, last = _span(inp.windows)
    earlier = CaseEvent.objects.filter(
        child=OuterRef("child"), kind=EventKind.CP_PLAN, start_date__lt=OuterRef("start_date")
    )
    rows = (
        inp.events.filter(kind=EventKind.CP_PLAN, start_date__gte=first, start_date__lte=last)
        .order_by()
        .values("start_date")
        .annotate(
            total=Count("pk"),
            repeat=Count("pk", filter=Q(number__gte=1) | Q(Exists(earlier))),
        )
    )
    return _sum_by_window({r["start_date"]: (r["repeat"], r["total"]) for r in rows}, inp.windows)


# Position at each window's end -----------------------------------------------------------------


def _open_q(day: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def _ends(inp: KpiInput) -> list[dt.date]:
    return [end for _, end in inp.windows]


def _overlapping(qs: QuerySet[Any], ends: list[dt.date]) -> QuerySet[Any]:
    return qs.filter(start_date__lte=max(ends)).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=min(ends))
    )


def _rate(inp: KpiInput, kind: str) -> list[Result]:
    ends = _ends(inp)
    counts = _overlapping(inp.events.filter(kind=kind), ends).aggregate(
        **{f"d{i}": Count("child", distinct=True, filter=_open_q(d)) for i, d in enumerate(ends)}
    )
    population = int(getattr(settings, "QAF_CHILD_POPULATION", 0) or 0)
    out = []
    for i in range(len(ends)):
        children = counts[f"d{i}"]
        value = round(10_000 * children / population, 1) if population else None
        out.append(Result(children, population, value))
    return out


def cp_rate(inp: KpiInput) -> list[Result]:
    return _rate(inp, EventKind.CP_PLAN)


def cic_rate(inp: KpiInput) -> list[Result]:
    return _rate(inp, EventKind.CIC_EPISODE)


def _care_histories(
    inp: KpiInput, ends: list[dt.date], lookback_days: int
) -> tuple[
    dict[int, list[tuple[dt.date, dt.date | None, dt.date | None]]], dict[int, list[dt.date]]
]:
    """Care episodes (start, end, date of birth) overlapping the ends, and the placements of
    those children: two queries, whatever the number of window ends."""
    episodes: dict[int, list[tuple[dt.date, dt.date | None, dt.date | None]]] = {}
    rows = _overlapping(inp.events.filter(kind=EventKind.CIC_EPISODE), ends).values_list(
        "child_id", "start_date", "end_date", "child__date_of_birth"
    )
    for child_id, start, end, dob in rows:
        episodes.setdefault(child_id, []).append((start, end, dob))
    placements: dict[int, list[dt.date]] = {}
    if episodes:
        in_care = _overlapping(inp.events.filter(kind=EventKind.CIC_EPISODE), ends).values("child")
        for child_id, start in CaseEvent.objects.filter(
            child__in=in_care,
            kind=EventKind.PLACEMENT,
            start_date__gt=min(ends) - dt.timedelta(days=lookback_days),
            start_date__lte=max(ends),
        ).values_list("child_id", "start_date"):
            placements.setdefault(child_id, []).append(start)
    return episodes, placements


def _in_care_at(spells: list[tuple[dt.date, dt.date | None, dt.date | None]], day: dt.date):  # type: ignore[no-untyped-def]
    for start, end, dob in spells:
        if start <= day and (end is None or end >= day):
            return start, dob
    return None


def placement_moves(inp: KpiInput) -> list[Result]:
    """Children in care at each end with 3 or more placements starting in the 12 months to it."""
    ends = _ends(inp)
    episodes, placements = _care_histories(inp, ends, 366)
    out = []
    for day in ends:
        year_before = _one_year_before(day)
        num = den = 0
        for child_id, spells in episodes.items():
            if _in_care_at(spells, day) is None:
                continue
            den += 1
            moves = sum(1 for p in placements.get(child_id, ()) if year_before < p <= day)
            num += moves >= 3
        out.append(_pct(num, den))
    return out


def placement_long_term(inp: KpiInput) -> list[Result]:
    """Children under 16 in care at each end who have been in care for 2.5 years or more:
    the share living in the same placement for at least 2 years (DfE's long-term stability
    measure). Placements are read back 11 years to find the current one."""
    ends = _ends(inp)
    episodes, placements = _care_histories(inp, ends, 366 * 11)
    out = []
    for day in ends:
        num = den = 0
        two_years_before = _one_year_before(_one_year_before(day))
        for child_id, spells in episodes.items():
            found = _in_care_at(spells, day)
            if found is None:
                continue
            start, dob = found
            if dob is None or dob > day or (day - dob).days >= 16 * 365.25:
                continue
            if (day - start).days < 913:  # 2.5 years
                continue
            den += 1
            current = max((p for p in placements.get(child_id, ()) if p <= day), default=start)
            num += current <= two_years_before
        out.append(_pct(num, den))
    return out


def _visits_in_time(inp: KpiInput, plan_kind: str, visit_kind: str, limit: int) -> list[Result]:
    """Children on a plan at each end whose latest visit was at most `limit` working days
    before it: one query with a conditional count per end."""
    ends = _ends(inp)
    aggregates = {}
    for i, day in enumerate(ends):
        earliest = _earliest_in_time(day, limit)
        visited = Exists(
            CaseEvent.objects.filter(
                child=OuterRef("child"),
                kind=visit_kind,
                start_date__gte=earliest,
                start_date__lte=day,
            )
        )
        aggregates[f"n{i}"] = Count("child", distinct=True, filter=_open_q(day))
        aggregates[f"v{i}"] = Count("child", distinct=True, filter=_open_q(day) & Q(visited))
    counts = _overlapping(inp.events.filter(kind=plan_kind), ends).aggregate(**aggregates)
    return [_pct(counts[f"v{i}"], counts[f"n{i}"]) for i in range(len(ends))]


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


def cp_visits(inp: KpiInput) -> list[Result]:
    limit = int(getattr(settings, "QAF_CP_VISIT_WORKING_DAYS", 10))
    return _visits_in_time(inp, EventKind.CP_PLAN, EventKind.CP_VISIT, limit)


def cic_visits(inp: KpiInput) -> list[Result]:
    limit = int(getattr(settings, "QAF_CIC_VISIT_WORKING_DAYS", 30))
    return _visits_in_time(inp, EventKind.CIC_EPISODE, EventKind.CIC_VISIT, limit)


def caseload_per_worker(inp: KpiInput) -> list[Result]:
    """Open involvements with an allocated worker at each end, per worker holding any."""
    ends = _ends(inp)
    qs = _overlapping(inp.involvements.filter(allocated_worker__isnull=False), ends)
    aggregates = {}
    for i, day in enumerate(ends):
        aggregates[f"c{i}"] = Count("pk", filter=_open_q(day))
        aggregates[f"w{i}"] = Count("allocated_worker", distinct=True, filter=_open_q(day))
    counts = qs.aggregate(**aggregates)
    out = []
    for i in range(len(ends)):
        cases, workers = counts[f"c{i}"], counts[f"w{i}"]
        out.append(Result(cases, workers, round(cases / workers, 1) if workers else None))
    return out


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


def kpi_compute_one(kpi: Kpi, inp: KpiInput) -> Result:
    """One window (tests and single figures)."""
    return kpi.compute(inp)[0]


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
