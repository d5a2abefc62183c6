"""The QA unit's analysis of feedback and its export (spreadsheet-safe CSV)."""

from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from qaf.common.exports import spreadsheet_safe_row
from qaf.common.permissions import gate
from qaf.organisation.models import Service
from qaf.organisation.selectors import team_list_visible
from qaf.tools.forms import display_answer

from .. import selectors
from ..forms import AnalysisFilterForm
from ..http import SignedInRequest


def _analysis_filter(request: HttpRequest) -> tuple[AnalysisFilterForm, selectors.AnalysisFilter]:
    form = AnalysisFilterForm(
        request.GET or None,
        services=Service.objects.all(),
        teams=team_list_visible(user=request.user),
    )
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        f = selectors.AnalysisFilter(
            audience=d["audience"] or "",
            service_id=d["service"].pk if d["service"] else None,
            team_id=d["team"].pk if d["team"] else None,
            date_from=d["date_from"],
            date_to=d["date_to"],
            text=d["text"] or "",
        )
        return form, f
    return form, selectors.AnalysisFilter()


@gate("feedback.analyse_feedback")
@require_GET
def analysis(request: SignedInRequest) -> HttpResponse:
    form, f = _analysis_filter(request)
    result = selectors.feedback_analysis(f=f)
    return render(
        request,
        "feedback/analysis.html",
        {
            "form": form,
            "rates": [
                [r["audience"], r["sent"], r["answered"], r["rate"], r["open_link"], r["total"]]
                for r in result["rates"]
            ],
            "ratings": [
                [r["audience"], r["question"], r["count"], r["mean"]] for r in result["ratings"]
            ],
            "comments": result["comments"][:200],
            "comment_count": len(result["comments"]),
            "complaint_counts": result["complaint_counts"],
            "export_query": request.GET.urlencode(),
            "rates_head": ["Audience", "Requests sent", "Answered", "Rate", "Open link", "All"],
            "ratings_head": ["Audience", "Question", "Answers", "Average"],
            "numeric": [1, 2, 4, 5],
        },
    )


EXPORT_HEAD = [
    "Response",
    "Submitted",
    "Audience",
    "How",
    "Service",
    "Team",
    "Open link",
    "Question",
    "Answer",
]


@gate("feedback.analyse_feedback")
@require_GET
def analysis_export(request: SignedInRequest) -> HttpResponse:
    form, f = _analysis_filter(request)
    if form.is_bound and not form.is_valid():
        return render(
            request, "feedback/problem.html", {"message": "Check the filters"}, status=400
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="feedback-responses.csv"'
    writer = csv.writer(response)
    writer.writerow(EXPORT_HEAD)
    for r in selectors.feedback_analysis(f=f)["responses"]:
        definition = r.tool_version.definition
        for q in definition.questions():
            if q.key not in r.answers:
                continue
            value = r.answers[q.key]
            text = (
                value
                if q.type in ("own_words", "long_text", "short_text")
                else display_answer(definition, q, value)
            )
            writer.writerow(
                spreadsheet_safe_row(
                    [
                        r.reference_code,
                        f"{timezone.localtime(r.submitted_at):%Y-%m-%d %H:%M}",
                        r.get_audience_display(),
                        r.get_mode_display(),
                        str(r.service) if r.service else "",
                        str(r.team) if r.team else "",
                        r.open_link.title if r.open_link else "",
                        q.label,
                        text,
                    ]
                )
            )
    return response
