"""Feedback pages for responses: the list and one response, each scoped like the API."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from qaf.common.permissions import gate

from .. import selectors
from ..http import SignedInRequest
from .display import answer_rows, date_text, when


@gate("feedback.view_feedback")
@require_GET
def response_list(request: SignedInRequest) -> HttpResponse:
    responses = selectors.response_list_visible(user=request.user)[:200]
    rows = [
        [
            {"text": r.reference_code, "href": reverse("feedback:response_detail", args=[r.pk])},
            date_text(r.submitted_at),
            r.get_audience_display(),
            r.get_mode_display(),
            str(r.team) if r.team else "",
            "Yes" if hasattr(r, "safety_alert") else "No",
        ]
        for r in responses.select_related("safety_alert")
    ]
    return render(
        request,
        "feedback/response_list.html",
        {"rows": rows, "head": ["Response", "Submitted", "From", "How", "Team", "Safety alert"]},
    )


@gate("feedback.view_feedback")
@require_GET
def response_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    r = selectors.response_get_visible(user=request.user, pk=pk)
    source = (
        f"Open link: {r.open_link.title}"
        if r.open_link
        else (f"Request {r.request.reference_code}" if r.request else "Entered by staff")
    )
    rows = [
        ("Survey", r.tool_version.tool.title),
        ("From", r.get_audience_display()),
        ("How", r.get_mode_display()),
        ("Source", source),
        (
            "Entered by",
            r.entered_by.get_full_name() or r.entered_by.username if r.entered_by else "",
        ),
        ("Submitted", when(r.submitted_at)),
        ("Child", r.child.council_child_id if r.child else "Not linked"),
        ("Team", str(r.team) if r.team else ""),
        ("Anonymity", r.get_anonymity_display()),
        ("Words may be quoted in reports", "Yes" if r.consent_to_quote else "No"),
    ]
    alert = getattr(r, "safety_alert", None)
    return render(
        request,
        "feedback/response_detail.html",
        {"response": r, "rows": rows, "answers": answer_rows(r), "alert": alert},
    )
