"""The scorecard over the API: the same figures, scope and 404s as the Performance page."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from qaf.common import clock
from qaf.common.permissions import api_gate

from .selectors import scorecard_input, scorecard_rows, trend_windows

router = Router(tags=["performance"])


class TrendPointOut(Schema):
    month: str
    value: float | None


class BenchmarkOut(Schema):
    value: float
    period: str
    source: str


class KpiOut(Schema):
    key: str
    title: str
    unit: str
    value: float | None
    numerator: int
    denominator: int
    target: float | None
    rag: str
    england: BenchmarkOut | None
    statistical_neighbours: BenchmarkOut | None
    trend: list[TrendPointOut]


class ScorecardOut(Schema):
    start: dt.date
    end: dt.date
    scope: str
    scope_label: str
    kpis: list[KpiOut]


def _benchmark(b: Any) -> dict[str, Any] | None:
    return None if b is None else {"value": b.value, "period": b.period, "source": b.source}


@router.get("/scorecard", response=ScorecardOut)
@api_gate("performance.view_scorecard")
def get_scorecard(
    request: HttpRequest,
    start: dt.date | None = None,
    end: dt.date | None = None,
    scope: str = "",
) -> Any:
    """KPIs for the caller's scope, narrowed by `scope` (area-N, district-N, team-N, worker-N
    as offered on the page); a scope outside the caller's answers 404."""
    end = end or clock.today()
    start = start or end.replace(day=1, year=end.year - 1)
    if start > end:
        raise HttpError(400, "start must be on or before end")
    inp, picked = scorecard_input(
        user=request.user, choice=scope, windows=((start, end), *trend_windows(end=end))
    )
    rows = scorecard_rows(inp=inp, targets=getattr(settings, "QAF_KPI_TARGETS", {}))
    return {
        "start": start,
        "end": end,
        "scope": picked.value,
        "scope_label": picked.label,
        "kpis": [
            {
                "key": row.kpi.key,
                "title": row.kpi.title,
                "unit": row.kpi.unit,
                "value": row.result.value,
                "numerator": row.result.numerator,
                "denominator": row.result.denominator,
                "target": row.target,
                "rag": row.rag,
                "england": _benchmark(row.england),
                "statistical_neighbours": _benchmark(row.neighbours),
                "trend": [{"month": m, "value": v} for m, v in row.trend],
            }
            for row in rows
        ],
    }
