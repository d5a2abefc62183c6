"""The KPI scorecard: every KPI as a chart with its data table, and CSV/XLSX downloads."""

import csv
import datetime as dt
import io
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from qaf.common import clock
from qaf.common.exports import spreadsheet_safe

from .charts import svg_data_uri, trend_spec
from .selectors import ScorecardRow, scorecard_events, scorecard_rows, scorecard_team_choices


def _parse_day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _scorecard(request: HttpRequest) -> tuple[list[ScorecardRow], dict[str, Any]]:
    user: Any = request.user
    teams = scorecard_team_choices(user=user)
    team = None
    team_id = request.GET.get("team", "")
    if team_id.isdigit():
        team = teams.filter(pk=int(team_id)).first()
        if team is None:
            raise Http404
    events = scorecard_events(user=user, team_ids=frozenset({team.pk}) if team else None)
    if events is None:
        raise Http404
    end = _parse_day(request.GET.get("to")) or clock.today()
    start = _parse_day(request.GET.get("from")) or end.replace(day=1, year=end.year - 1)
    if start > end:
        start, end = end, start
    targets = getattr(settings, "QAF_KPI_TARGETS", {})
    rows = scorecard_rows(events=events, start=start, end=end, targets=targets)
    return rows, {"start": start, "end": end, "team": team, "teams": teams}


@login_required
@require_GET
def scorecard(request: HttpRequest) -> HttpResponse:
    rows, context = _scorecard(request)
    cards = [
        {
            "row": row,
            "chart": svg_data_uri(
                trend_spec(
                    title=row.kpi.title, unit=row.kpi.unit, points=row.trend, target=row.target
                )
            ),
        }
        for row in rows
    ]
    query = request.GET.urlencode()
    return render(
        request, "performance/scorecard.html", {**context, "cards": cards, "query": query}
    )


HEAD = ["KPI", "Unit", "Value", "Numerator", "Denominator", "Target", "RAG"]


def _table(rows: list[ScorecardRow]) -> list[list[Any]]:
    months = [month for month, _ in rows[0].trend] if rows else []
    table: list[list[Any]] = [HEAD + months]
    for row in rows:
        table.append(
            [row.kpi.title, row.kpi.unit, row.result.value, row.result.numerator,
             row.result.denominator, row.target, row.rag]
            + [value for _, value in row.trend]
        )  # fmt: skip
    return [[spreadsheet_safe(cell) for cell in line] for line in table]


@login_required
@require_GET
def scorecard_csv(request: HttpRequest) -> HttpResponse:
    rows, context = _scorecard(request)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([["" if c is None else c for c in line] for line in _table(rows)])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="scorecard-{context["end"]}.csv"'
    return response


@login_required
@require_GET
def scorecard_xlsx(request: HttpRequest) -> HttpResponse:
    rows, context = _scorecard(request)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Scorecard"
    for line in _table(rows):
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="scorecard-{context["end"]}.xlsx"'
    return response
