"""The KPI scorecard: every KPI as a chart with its data table, and CSV/XLSX downloads."""

import csv
import datetime as dt
import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook

from qaf.common import clock
from qaf.common.errors import ImportRefused
from qaf.common.exports import spreadsheet_safe
from qaf.common.permissions import allowed, gate

from .charts import svg_data_uris, trend_spec
from .forms import BenchmarkImportForm
from .kpis import kpi_list
from .selectors import (
    ScorecardRow,
    benchmark_list,
    scorecard_caseload_by_team,
    scorecard_input,
    scorecard_rows,
    scorecard_scope_choices,
    trend_windows,
)
from .services import benchmark_import_csv


def _parse_day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _scorecard(request: HttpRequest) -> tuple[list[ScorecardRow], dict[str, Any]]:
    user = request.user
    end = _parse_day(request.GET.get("to")) or clock.today()
    start = _parse_day(request.GET.get("from")) or end.replace(day=1, year=end.year - 1)
    if start > end:
        start, end = end, start
    windows = ((start, end), *trend_windows(end=end))
    choice = request.GET.get("scope", "")
    inp, picked = scorecard_input(user=user, choice=choice, windows=windows)
    targets = getattr(settings, "QAF_KPI_TARGETS", {})
    rows = scorecard_rows(inp=inp, targets=targets)
    return rows, {
        "start": start,
        "end": end,
        "scope": picked,
        "choices": scorecard_scope_choices(user=user),
        "inp": inp,
    }


@gate("performance.view_scorecard")
@require_GET
def scorecard(request: HttpRequest) -> HttpResponse:
    rows, context = _scorecard(request)
    charts = svg_data_uris(
        [
            trend_spec(
                title=row.kpi.title,
                unit=row.kpi.unit,
                points=row.trend,
                target=row.target,
                england=row.england.value if row.england else None,
                neighbours=row.neighbours.value if row.neighbours else None,
            )
            for row in rows
        ]
    )
    cards = [{"row": row, "chart": chart} for row, chart in zip(rows, charts, strict=True)]
    caseload = (
        scorecard_caseload_by_team(inp=context["inp"], day=context["end"])
        if allowed(request.user, "performance.view_team_caseloads")
        else []
    )
    query = request.GET.urlencode()
    levels = ("county", "area", "district", "team", "worker")
    groups = [(level, [c for c in context["choices"] if c.level == level]) for level in levels]
    return render(
        request,
        "performance/scorecard.html",
        {**context, "cards": cards, "query": query, "groups": groups, "caseload": caseload},
    )


HEAD = ["KPI", "Unit", "Value", "Numerator", "Denominator", "Target", "RAG", "England",
        "Statistical neighbours"]  # fmt: skip


def _table(rows: list[ScorecardRow]) -> list[list[Any]]:
    months = [month for month, _ in rows[0].trend] if rows else []
    table: list[list[Any]] = [HEAD + months]
    for row in rows:
        table.append(
            [row.kpi.title, row.kpi.unit, row.result.value, row.result.numerator,
             row.result.denominator, row.target, row.rag,
             row.england.value if row.england else None,
             row.neighbours.value if row.neighbours else None]
            + [value for _, value in row.trend]
        )  # fmt: skip
    return [[spreadsheet_safe(cell) for cell in line] for line in table]


@gate("performance.view_scorecard")
@require_GET
def scorecard_csv(request: HttpRequest) -> HttpResponse:
    rows, context = _scorecard(request)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([["" if c is None else c for c in line] for line in _table(rows)])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="scorecard-{context["end"]}.csv"'
    return response


@gate("performance.view_scorecard")
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


def _with_kpi_titles(benchmarks: Any) -> list[Any]:
    """Each benchmark with its KPI's title to show, never its key."""
    titles = {kpi.key: kpi.title for kpi in kpi_list()}
    rows = list(benchmarks)
    for b in rows:
        b.kpi_title = titles.get(b.kpi_key, b.kpi_key)
    return rows


@gate("performance.import_benchmarks")
@require_http_methods(["GET", "POST"])
def benchmarks(request: HttpRequest) -> HttpResponse:
    """The QA unit loads England and statistical-neighbour figures from a CSV file."""
    if request.method == "POST":
        form = BenchmarkImportForm(request.POST, request.FILES)
    else:
        form = BenchmarkImportForm()
    if form.is_bound and form.is_valid():
        try:
            counts = benchmark_import_csv(data=form.cleaned_data["file"].read())
        except ImportRefused as error:
            form.add_error("file", str(error))
        else:
            messages.success(
                request,
                f"Benchmarks imported: {counts['created']} added, {counts['updated']} replaced",
            )
            return redirect("performance:benchmarks")
    return render(
        request,
        "performance/benchmarks.html",
        {"form": form, "benchmarks": _with_kpi_titles(benchmark_list())},
    )
