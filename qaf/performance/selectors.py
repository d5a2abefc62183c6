"""Scoped reads for the scorecard: case events in the viewer's part of the council."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from qaf.accounts.models import Role
from qaf.cases.models import CaseEvent, Involvement
from qaf.organisation.models import Team
from qaf.organisation.selectors import ScopeKind, scope_for

from .kpis import KPIS, Kpi, Result, rag


@dataclass(frozen=True)
class ScorecardRow:
    kpi: Kpi
    result: Result
    target: float | None
    rag: str
    trend: list[tuple[str, float | None]]

    @property
    def tag_colour(self) -> str:
        return {"amber": "orange"}.get(self.rag, self.rag)


def scorecard_events(
    *, user: Any, team_ids: frozenset[int] | None = None
) -> QuerySet[CaseEvent] | None:
    """Events the viewer's scorecard covers; None when the viewer has no scorecard (404).

    An elected member sees county-level aggregates only (no narrowing by team or worker)."""
    if user.role == Role.PARTNER_AUDITOR:
        return None
    events = CaseEvent.objects.all()
    if user.role == Role.ELECTED_MEMBER:
        return events
    scope = scope_for(user=user)
    if scope.kind == ScopeKind.EVERYTHING:
        pass
    elif scope.kind == ScopeKind.TEAMS:
        events = events.filter(team_id__in=scope.team_ids)
    elif scope.kind == ScopeKind.OWN_CASELOAD:
        events = events.filter(worker_id=scope.staff_id)
    elif scope.kind == ScopeKind.REVIEWED_CASES:
        reviewed = Involvement.objects.filter(independent_reviewer_id=scope.staff_id)
        events = events.filter(child__in=reviewed.values("child"))
    else:
        return None
    if team_ids is not None:
        events = events.filter(team_id__in=team_ids)
    return events


def scorecard_team_choices(*, user: Any) -> QuerySet[Team]:
    """Teams the viewer may narrow the scorecard to (none for elected members)."""
    scope = scope_for(user=user)
    teams = Team.objects.select_related("district__area").order_by("name")
    if user.role == Role.ELECTED_MEMBER:
        return teams.none()
    if scope.kind == ScopeKind.EVERYTHING:
        return teams
    if scope.kind == ScopeKind.TEAMS:
        return teams.filter(pk__in=scope.team_ids)
    return teams.none()


def _month_start(day: dt.date, back: int) -> dt.date:
    month = day.month - 1 - back
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def _month_end(first: dt.date) -> dt.date:
    nxt = _month_start(first, -1)
    return nxt - dt.timedelta(days=1)


def scorecard_rows(
    *,
    events: QuerySet[CaseEvent],
    start: dt.date,
    end: dt.date,
    targets: dict[str, float],
    months: int = 12,
) -> list[ScorecardRow]:
    rows = []
    for kpi in KPIS:
        result = kpi.compute(events, start, end)
        target = targets.get(kpi.key, kpi.default_target)
        trend = []
        for back in range(months - 1, -1, -1):
            first = _month_start(end, back)
            trend.append((f"{first:%Y-%m}", kpi.compute(events, first, _month_end(first)).value))
        rows.append(ScorecardRow(kpi, result, target, rag(kpi, result.value, target), trend))
    return rows
