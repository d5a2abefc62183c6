"""KPIs as code. Each is defined once here and documented in docs/kpis.md (same keys).

A KPI is computed over a queryset of case events already restricted to the viewer's scope, for
a period [start, end] (both inclusive). Working days follow qaf.calendar: the day something
happens is day 0, so "within 45 working days" means working_days_between(start, done) <= 45.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from qaf.calendar import working_days_between
from qaf.cases.models import CaseEvent, EventKind, Involvement


@dataclass(frozen=True)
class Result:
    numerator: int
    denominator: int
    value: float | None  # a percentage, a rate per 10,000 or an average


@dataclass(frozen=True)
class Kpi:
    key: str
    title: str
    unit: str  # "%", "per 10,000", "children"
    higher_is_better: bool
    compute: Callable[[QuerySet[CaseEvent], dt.date, dt.date], Result]
    default_target: float | None = None


def _pct(numerator: int, denominator: int) -> Result:
    value = round(100 * numerator / denominator, 1) if denominator else None
    return Result(numerator, denominator, value)


def _between(events: QuerySet[CaseEvent], kind: str, field: str, start: dt.date, end: dt.date):  # type: ignore[no-untyped-def]
    return events.filter(kind=kind, **{f"{field}__gte": start, f"{field}__lte": end})


def _open_at(events: QuerySet[CaseEvent], kind: str, day: dt.date) -> QuerySet[CaseEvent]:
    return events.filter(kind=kind, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )


def _one_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def re_referrals(events: QuerySet[CaseEvent], start: dt.date, end: dt.date) -> Result:
    referrals = _between(events, EventKind.REFERRAL, "start_date", start, end)
    earlier = CaseEvent.objects.filter(
        child=OuterRef("child"),
        kind=EventKind.REFERRAL,
        start_date__lt=OuterRef("start_date"),
    )
    # "Within 12 months": the earlier referral is on or after the same date a year before.
    agg = referrals.aggregate(total=Count("pk"), repeat=Count("pk", filter=Q(Exists(earlier))))
    if not agg["repeat"]:
        return _pct(0, agg["total"])
    repeat = 0
    dates: dict[int, list[dt.date]] = {}
    rows = CaseEvent.objects.filter(
        child__in=referrals.values("child"),
        kind=EventKind.REFERRAL,
        start_date__gte=_one_year_before(start),
        start_date__lte=end,
    ).values_list("child_id", "start_date")
    for child_id, day in rows:
        dates.setdefault(child_id, []).append(day)
    for child_id, day in referrals.values_list("child_id", "start_date"):
        if any(_one_year_before(day) <= other < day for other in dates.get(child_id, ())):
            repeat += 1
    return _pct(repeat, agg["total"])


def assessments_in_45(events: QuerySet[CaseEvent], start: dt.date, end: dt.date) -> Result:
    rows = _between(events, EventKind.ASSESSMENT, "end_date", start, end).values_list(
        "start_date", "end_date"
    )
    days = [working_days_between(begun, done) for begun, done in rows]
    return _pct(sum(1 for d in days if d <= 45), len(days))


def icpc_in_15(events: QuerySet[CaseEvent], start: dt.date, end: dt.date) -> Result:
    rows = (
        _between(events, EventKind.ICPC, "start_date", start, end)
        .filter(linked_date__isnull=False)
        .values_list("linked_date", "start_date")
    )
    days = [working_days_between(strategy, icpc) for strategy, icpc in rows]
    return _pct(sum(1 for d in days if d <= 15), len(days))


def cp_plans_over_two_years(events: QuerySet[CaseEvent], start: dt.date, end: dt.date) -> Result:
    rows = _between(events, EventKind.CP_PLAN, "end_date", start, end).values_list(
        "start_date", "end_date"
    )
    lengths = [ended >= _two_years_after(begun) for begun, ended in rows if ended is not None]
    return _pct(sum(lengths), len(lengths))


def _two_years_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 2)
    except ValueError:
        return dt.date(day.year + 2, 3, 1)


def repeat_cp_plans(events: QuerySet[CaseEvent], start: dt.date, end: dt.date) -> Result:
    plans = _between(events, EventKind.CP_PLAN, "start_date", start, end)
    earlier = CaseEvent.objects.filter(
        child=OuterRef("child"), kind=EventKind.CP_PLAN, start_date__lt=OuterRef("start_date")
    )
    agg = plans.aggregate(
        total=Count("pk"),
        repeat=Count("pk", filter=Q(number__gte=1) | Q(Exists(earlier))),
    )
    return _pct(agg["repeat"], agg["total"])


def _rate(events: QuerySet[CaseEvent], kind: str, day: dt.date) -> Result:
    children = _open_at(events, kind, day).values("child").distinct().count()
    population = int(getattr(settings, "QAF_CHILD_POPULATION", 0) or 0)
    value = round(10_000 * children / population, 1) if population else None
    return Result(children, population, value)


def cp_rate(events: QuerySet[CaseEvent], start: dt.date, end: dt.date) -> Result:
    return _rate(events, EventKind.CP_PLAN, end)


def cic_rate(events: QuerySet[CaseEvent], start: dt.date, end: dt.date) -> Result:
    return _rate(events, EventKind.CIC_EPISODE, end)


def placement_moves(events: QuerySet[CaseEvent], start: dt.date, end: dt.date) -> Result:
    """Children in care at the end with 3 or more placements in the 12 months to the end."""
    in_care = _open_at(events, EventKind.CIC_EPISODE, end).values("child").distinct()
    placements = (
        CaseEvent.objects.filter(
            child__in=in_care,
            kind=EventKind.PLACEMENT,
            start_date__gt=_one_year_before(end),
            start_date__lte=end,
        )
        .values("child")
        .annotate(n=Count("pk"))
        .filter(n__gte=3)
    )
    return _pct(placements.count(), in_care.count())


def _visits_in_time(
    events: QuerySet[CaseEvent], plan_kind: str, visit_kind: str, day: dt.date, limit: int
) -> Result:
    plans = _open_at(events, plan_kind, day)
    children = list(plans.values_list("child_id", flat=True).distinct())
    latest: dict[int, dt.date] = {}
    for child_id, visited in CaseEvent.objects.filter(
        child_id__in=children, kind=visit_kind, start_date__lte=day
    ).values_list("child_id", "start_date"):
        latest[child_id] = max(visited, latest.get(child_id, visited))
    in_time = sum(
        1 for c in children if c in latest and working_days_between(latest[c], day) <= limit
    )
    return _pct(in_time, len(children))


def cp_visits(events: QuerySet[CaseEvent], start: dt.date, end: dt.date) -> Result:
    limit = int(getattr(settings, "QAF_CP_VISIT_WORKING_DAYS", 10))
    return _visits_in_time(events, EventKind.CP_PLAN, EventKind.CP_VISIT, end, limit)


def cic_visits(events: QuerySet[CaseEvent], start: dt.date, end: dt.date) -> Result:
    limit = int(getattr(settings, "QAF_CIC_VISIT_WORKING_DAYS", 30))
    return _visits_in_time(events, EventKind.CIC_EPISODE, EventKind.CIC_VISIT, end, limit)


def referrals_nfa(events: QuerySet[CaseEvent], start: dt.date, end: dt.date) -> Result:
    agg = _between(events, EventKind.REFERRAL, "start_date", start, end).aggregate(
        total=Count("pk"), nfa=Count("pk", filter=Q(flag=True))
    )
    return _pct(agg["nfa"], agg["total"])


def caseload_per_worker(events: QuerySet[CaseEvent], start: dt.date, end: dt.date) -> Result:
    """Open involvements with an allocated worker at the end date, per worker holding any."""
    children = events.values("child")
    open_ = Involvement.objects.filter(
        child__in=children, start_date__lte=end, allocated_worker__isnull=False
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=end))
    agg = open_.aggregate(cases=Count("pk"), workers=Count("allocated_worker", distinct=True))
    value = round(agg["cases"] / agg["workers"], 1) if agg["workers"] else None
    return Result(agg["cases"], agg["workers"], value)


KPIS: tuple[Kpi, ...] = (
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
    Kpi("cp_visits", "CP visits in timescale", "%", True, cp_visits, 90.0),
    Kpi("cic_visits", "Child in care visits in timescale", "%", True, cic_visits, 90.0),
    Kpi("caseload", "Average caseload per worker", "children", False, caseload_per_worker, 18.0),
)
KPI_BY_KEY = {kpi.key: kpi for kpi in KPIS}


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
