"""The complaints and compliments log (the QA unit's): list, record, update and export."""

from __future__ import annotations

import csv
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from qaf.common.exports import spreadsheet_safe_row
from qaf.common.permissions import gate
from qaf.organisation.models import Service
from qaf.organisation.selectors import team_list_visible

from .. import selectors, services
from ..forms import ComplaintForm
from ..http import SignedInRequest
from .display import date_text, submission_errors


def _timescale(entry: Any) -> str:
    within = entry.within_timescale
    if within is None:
        return "Not responded yet" if entry.response_due_on else "No timescale"
    return "Yes" if within else "No"


@gate("feedback.keep_complaints_log")
@require_GET
def complaint_list(request: SignedInRequest) -> HttpResponse:
    rows = [
        [
            {"text": c.reference_code, "href": reverse("feedback:complaint_detail", args=[c.pk])},
            c.get_kind_display(),
            date_text(c.received_on),
            str(c.team or c.service or ""),
            c.get_category_display(),
            c.get_outcome_display() if c.outcome else "Not decided yet",
            _timescale(c),
        ]
        for c in selectors.complaint_list_visible(user=request.user)[:500]
    ]
    head = ["Reference", "Kind", "Received", "Team or service", "Category", "Outcome"]
    return render(
        request,
        "feedback/complaint_list.html",
        {"rows": rows, "head": [*head, "Within timescale"]},
    )


def _complaint_form(request: HttpRequest, **kwargs: Any) -> ComplaintForm:
    return ComplaintForm(
        request.POST or None,
        services=Service.objects.all(),
        teams=team_list_visible(user=request.user),
        **kwargs,
    )


@gate("feedback.keep_complaints_log")
@require_http_methods(["GET", "POST"])
def complaint_new(request: SignedInRequest) -> HttpResponse:
    form = _complaint_form(request)
    if request.method == "POST" and form.is_valid():
        with submission_errors(form) as outcome:
            entry_ = services.complaint_create(by=request.user, **form.cleaned_data)
        if outcome.ok:
            return redirect("feedback:complaint_detail", pk=entry_.pk)
    return render(
        request,
        "feedback/complaint_form.html",
        {"form": form, "entry": None, "stage1_days": settings.QAF_COMPLAINT_STAGE1_WORKING_DAYS},
    )


@gate("feedback.keep_complaints_log")
@require_http_methods(["GET", "POST"])
def complaint_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    c = selectors.complaint_get_visible(user=request.user, pk=pk)
    initial = {
        "kind": c.kind,
        "received_on": c.received_on,
        "service": c.service,
        "team": c.team,
        "category": c.category,
        "summary": c.summary,
        "outcome": c.outcome,
        "learning": c.learning,
        "responded_on": c.responded_on,
    }
    form = _complaint_form(request, initial=initial)
    if request.method == "POST" and form.is_valid():
        with submission_errors(form) as outcome:
            services.complaint_update(entry=c, by=request.user, **form.cleaned_data)
        if outcome.ok:
            return redirect("feedback:complaint_detail", pk=c.pk)
    rows = [
        ("Kind", c.get_kind_display()),
        ("Received", date_text(c.received_on)),
        ("Service", str(c.service) if c.service else ""),
        ("Team", str(c.team) if c.team else ""),
        ("Category", c.get_category_display()),
        ("Outcome", c.get_outcome_display() if c.outcome else "Not decided yet"),
        ("Response due", date_text(c.response_due_on)),
        ("Responded", date_text(c.responded_on)),
        ("Within timescale", _timescale(c)),
    ]
    return render(request, "feedback/complaint_form.html", {"form": form, "entry": c, "rows": rows})


@gate("feedback.keep_complaints_log")
@require_GET
def complaint_export(request: SignedInRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="complaints-and-compliments.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "Reference",
            "Kind",
            "Received",
            "Service",
            "Team",
            "Category",
            "Summary",
            "Outcome",
            "Learning",
            "Response due",
            "Responded",
            "Within timescale",
        ]
    )
    for c in selectors.complaint_list_visible(user=request.user):
        writer.writerow(
            spreadsheet_safe_row(
                [
                    c.reference_code,
                    c.get_kind_display(),
                    c.received_on.isoformat(),
                    str(c.service) if c.service else "",
                    str(c.team) if c.team else "",
                    c.get_category_display(),
                    c.summary,
                    c.get_outcome_display() if c.outcome else "",
                    c.learning,
                    c.response_due_on.isoformat() if c.response_due_on else "",
                    c.responded_on.isoformat() if c.responded_on else "",
                    _timescale(c),
                ]
            )
        )
    return response
