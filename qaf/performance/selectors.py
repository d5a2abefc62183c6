"""Scoped reads for the scorecard: what the viewer may see, narrowed to a part of the council."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from qaf.cases.selectors import (
    CaseEvents,
    Involvements,
    case_event_list_for_figures,
    involvement_list_for_figures,
)
from qaf.common.errors import NotFound
from qaf.common.permissions import allowed
from qaf.organisation.selectors import (
    ScopeKind,
    area_list_by_name,
    district_list_by_name,
    scope_for,
    staff_current_in_teams,
    team_ids_by_district,
    team_ids_within,
    team_list_by_name,
)

from .kpis import Kpi, KpiInput, Result, kpi_compute_all, kpi_list, rag
from .models import Benchmark, Comparator


@dataclass(frozen=True)
class ScorecardRow:
    kpi: Kpi
    result: Result
    target: float | None
    rag: str
    trend: list[tuple[str, float | None]]
    england: Benchmark | None = None
    neighbours: Benchmark | None = None

    @property
    def tag_colour(self) -> str:
        return {"amber": "orange"}.get(self.rag, self.rag)


@dataclass(frozen=True)
class ScopeChoice:
    value: str  # "", "area-3", "district-5", "team-7", "worker-9"
    label: str
    level: str  # county, area, district, team, worker


def _base(user: Any) -> tuple[CaseEvents, Involvements, dict[str, Any]] | None:
    """Events and involvements the viewer's scorecard covers; None means no scorecard (404).

    Elected members see county-level aggregates only."""
    if not allowed(user, "performance.view_scorecard"):
        return None
    events, involvements = case_event_list_for_figures(), involvement_list_for_figures()
    if allowed(user, "performance.view_county_totals_only"):
        return events, involvements, {}
    scope = scope_for(user=user)
    if scope.kind == ScopeKind.EVERYTHING:
        return events, involvements, {}
    if scope.kind == ScopeKind.TEAMS:
        return (
            events.filter(team_id__in=scope.team_ids),
            involvements.filter(team_id__in=scope.team_ids),
            {"team_ids": scope.team_ids},
        )
    if scope.kind == ScopeKind.OWN_CASELOAD:
        return (
            events.filter(worker_id=scope.staff_id),
            involvements.filter(allocated_worker_id=scope.staff_id),
            {"staff_id": scope.staff_id},
        )
    if scope.kind == ScopeKind.REVIEWED_CASES:
        reviewed = involvements.filter(independent_reviewer_id=scope.staff_id)
        return (
            events.filter(child__in=reviewed.values("child")),
            reviewed,
            {"reviewer_id": scope.staff_id},
        )
    return None


def _visible_team_ids(user: Any) -> frozenset[int] | None:
    """Teams the viewer may narrow to; None means every team."""
    if allowed(user, "performance.view_county_totals_only"):
        return frozenset()
    scope = scope_for(user=user)
    if scope.kind == ScopeKind.EVERYTHING:
        return None
    if scope.kind == ScopeKind.TEAMS:
        return scope.team_ids
    return frozenset()


def scorecard_scope_choices(*, user: Any) -> list[ScopeChoice]:
    """County (or everything the viewer sees), then the areas, districts and teams wholly in
    the viewer's scope, then the workers of those teams. Empty for elected members and
    anyone who cannot narrow (practitioners, CP chairs, IROs)."""
    visible = _visible_team_ids(user)
    if visible is not None and not visible:
        return []
    team_list = list(team_list_by_name(ids=visible))
    team_ids = {t.pk for t in team_list}
    all_by_district = team_ids_by_district()
    districts = [
        d
        for d in district_list_by_name()
        if all_by_district.get(d.pk) and all_by_district[d.pk] <= team_ids
    ]
    district_ids = {d.pk for d in districts}
    areas = [
        a
        for a in area_list_by_name()
        if (ids := {d.pk for d in a.districts.all() if all_by_district.get(d.pk)})
        and ids <= district_ids
    ]
    workers = staff_current_in_teams(team_ids=team_ids).only("pk", "given_name", "family_name")
    everything = "The county" if visible is None else "All teams you can see"
    return (
        [ScopeChoice("", everything, "county")]
        + [ScopeChoice(f"area-{a.pk}", a.name, "area") for a in areas]
        + [ScopeChoice(f"district-{d.pk}", d.name, "district") for d in districts]
        + [ScopeChoice(f"team-{t.pk}", t.name, "team") for t in team_list]
        + [ScopeChoice(f"worker-{w.pk}", f"{w.given_name} {w.family_name}", "worker") for w in workers]
    )  # fmt: skip


def scorecard_input(
    *, user: Any, choice: str, windows: tuple[tuple[dt.date, dt.date], ...]
) -> tuple[KpiInput, ScopeChoice]:
    """The KPI input for the viewer narrowed to `choice`; NotFound when either is not allowed
    (a choice outside the viewer's scope looks like no choice at all)."""
    base = _base(user)
    if base is None:
        raise NotFound()
    events, involvements, narrowing = base
    if not choice:
        label = "Your scope" if narrowing else "The county"
        return KpiInput(events, involvements, windows, **narrowing), ScopeChoice(
            "", label, "county"
        )
    offered = {c.value: c for c in scorecard_scope_choices(user=user)}
    picked = offered.get(choice)
    if picked is None:
        raise NotFound()
    kind, _, pk_text = choice.partition("-")
    pk = int(pk_text)
    if kind == "worker":
        return (
            KpiInput(
                events.filter(worker_id=pk),
                involvements.filter(allocated_worker_id=pk),
                windows,
                team_ids=narrowing.get("team_ids"),
                staff_id=pk,
            ),
            picked,
        )
    if kind == "area":
        ids = team_ids_within(area_id=pk)
    elif kind == "district":
        ids = team_ids_within(district_id=pk)
    else:
        ids = team_ids_within(team_id=pk)
    return (
        KpiInput(
            events.filter(team_id__in=ids),
            involvements.filter(team_id__in=ids),
            windows,
            team_ids=ids,
        ),
        picked,
    )


def _month_start(day: dt.date, back: int) -> dt.date:
    month = day.month - 1 - back
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def trend_windows(*, end: dt.date, months: int = 12) -> list[tuple[dt.date, dt.date]]:
    """The calendar months of the trend, oldest first; the last one ends at `end`."""
    windows = []
    for back in range(months - 1, -1, -1):
        first = _month_start(end, back)
        last = _month_start(end, back - 1) - dt.timedelta(days=1)
        windows.append((first, min(last, end)))
    return windows


def benchmark_latest() -> dict[tuple[str, str], Benchmark]:
    """The latest figure per KPI and comparator (periods sort as text: 2024 < 2024-25 < 2025)."""
    latest: dict[tuple[str, str], Benchmark] = {}
    for benchmark in Benchmark.objects.order_by("kpi_key", "comparator", "period"):
        latest[(benchmark.kpi_key, benchmark.comparator)] = benchmark
    return latest


def benchmark_list() -> QuerySet[Benchmark]:
    return Benchmark.objects.all()


def scorecard_rows(
    *,
    inp: KpiInput,
    targets: dict[str, float],
) -> list[ScorecardRow]:
    """Every registered KPI: inp.windows[0] is the period, the rest the monthly trend."""
    benchmarks = benchmark_latest()
    rows = []
    computed = kpi_compute_all(inp, kpi_list())
    for kpi in kpi_list():
        results = computed[kpi.key]
        result, trend = results[0], results[1:]
        target = targets.get(kpi.key, kpi.default_target)
        rows.append(
            ScorecardRow(
                kpi,
                result,
                target,
                rag(kpi, result.value, target),
                [(f"{w[0]:%Y-%m}", r.value) for w, r in zip(inp.windows[1:], trend, strict=True)],
                benchmarks.get((kpi.key, Comparator.ENGLAND)),
                benchmarks.get((kpi.key, Comparator.STATISTICAL_NEIGHBOURS)),
            )
        )
    return rows


def scorecard_caseload_by_team(*, inp: KpiInput, day: dt.date) -> list[dict[str, Any]]:
    """Open involvements per team at `day`, with allocated workers and the average caseload."""
    rows = (
        inp.involvements.filter(start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .order_by()
        .values("team__name")
        .annotate(
            cases=Count("pk"),
            allocated=Count("pk", filter=Q(allocated_worker__isnull=False)),
            workers=Count("allocated_worker", distinct=True),
        )
        .order_by("team__name")
    )
    return [
        {
            **row,
            "average": round(row["allocated"] / row["workers"], 1) if row["workers"] else None,
        }
        for row in rows
    ]
