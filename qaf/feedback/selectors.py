"""Reads for feedback. Every read goes through a scope: out of scope is NotFound (404).

Who sees which responses:
- the QA unit and the director: every response;
- everyone else who sees children: responses to requests they made, and responses linked
  (with consent) to a child in their scope. Anonymous open-link responses are the QA unit's.
Partner auditors and elected members see none.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from qaf.access_log.services import get_visible
from qaf.cases.selectors import child_list_visible
from qaf.common import clock
from qaf.common.permissions import allowed
from qaf.tools.definition import ToolDefinition

from .models import (
    Audience,
    ComplaintEntry,
    FeedbackKind,
    FeedbackRequest,
    FeedbackResponse,
    OpenLink,
    RequestStatus,
    SafetyAlert,
)


def response_list_visible(*, user: Any) -> QuerySet[FeedbackResponse]:
    responses = FeedbackResponse.objects.select_related(
        "team", "service", "child", "request", "open_link", "tool_version__tool", "entered_by"
    )
    if not allowed(user, "feedback.view_feedback"):
        return responses.none()
    if allowed(user, "feedback.view_all_feedback"):
        return responses
    children = child_list_visible(user=user)
    return responses.filter(
        Q(request__created_by=user)
        | Q(entered_by=user)
        | Q(child__isnull=False, child__in=children.values("pk"))
    )


def response_get_visible(*, user: Any, pk: int, via: str = "page") -> FeedbackResponse:
    return get_visible(
        response_list_visible(user=user),
        user=user,
        pk=pk,
        object_type="feedback_response",
        via=via,
    )


def request_list_visible(*, user: Any) -> QuerySet[FeedbackRequest]:
    requests = FeedbackRequest.objects.select_related("child", "team", "created_by").annotate(
        answered=Exists(FeedbackResponse.objects.filter(request=OuterRef("pk")))
    )
    if not allowed(user, "feedback.view_feedback"):
        return requests.none()
    if allowed(user, "feedback.view_all_feedback"):
        return requests
    return requests.filter(created_by=user)


def request_get_visible(*, user: Any, pk: int, via: str = "page") -> FeedbackRequest:
    return get_visible(
        request_list_visible(user=user), user=user, pk=pk, object_type="feedback_request", via=via
    )


def request_status(request: FeedbackRequest, now: dt.datetime | None = None) -> str:
    """Where the link is, in words (feedback.workflows)."""
    return RequestStatus(request.status_at(now or clock.now())).label


def open_link_list_visible(*, user: Any) -> QuerySet[OpenLink]:
    links = OpenLink.objects.select_related("team", "created_by").annotate(
        response_count=Count("responses")
    )
    if allowed(user, "feedback.view_all_open_links"):
        return links
    if allowed(user, "feedback.publish_open_links"):
        return links.filter(created_by=user)
    return links.none()


def open_link_get_visible(*, user: Any, pk: int, via: str = "page") -> OpenLink:
    return get_visible(
        open_link_list_visible(user=user), user=user, pk=pk, object_type="open_link", via=via
    )


def safety_alert_list_visible(*, user: Any) -> QuerySet[SafetyAlert]:
    """The duty inbox: the QA unit's."""
    alerts = SafetyAlert.objects.select_related(
        "response__open_link", "response__team", "escalation", "acknowledged_by"
    )
    return alerts if allowed(user, "feedback.handle_safety_alerts") else alerts.none()


def safety_alert_get_visible(*, user: Any, pk: int, via: str = "page") -> SafetyAlert:
    return get_visible(
        safety_alert_list_visible(user=user), user=user, pk=pk, object_type="safety_alert", via=via
    )


def complaint_list() -> QuerySet[ComplaintEntry]:
    """Every entry of the log, for its keeper's pages and the analysis (both the QA unit's)."""
    return ComplaintEntry.objects.select_related("service", "team", "recorded_by")


def complaint_list_visible(*, user: Any) -> QuerySet[ComplaintEntry]:
    entries = complaint_list()
    return entries if allowed(user, "feedback.keep_complaints_log") else entries.none()


def complaint_get_visible(*, user: Any, pk: int, via: str = "page") -> ComplaintEntry:
    return get_visible(
        complaint_list_visible(user=user), user=user, pk=pk, object_type="complaint", via=via
    )


# --------------------------------------------------------------------------------------------
# Analysis (the QA unit)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnalysisFilter:
    audience: str = ""
    service_id: int | None = None
    team_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    text: str = ""


def _filtered_responses(f: AnalysisFilter) -> QuerySet[FeedbackResponse]:
    qs = FeedbackResponse.objects.select_related("team", "service", "tool_version__tool")
    if f.audience:
        qs = qs.filter(audience=f.audience)
    if f.service_id:
        qs = qs.filter(service_id=f.service_id)
    if f.team_id:
        qs = qs.filter(team_id=f.team_id)
    if f.date_from:
        qs = qs.filter(submitted_at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(submitted_at__date__lte=f.date_to)
    return qs


def _requests(f: AnalysisFilter) -> QuerySet[FeedbackRequest]:
    qs = FeedbackRequest.objects.all()
    if f.audience:
        qs = qs.filter(audience=f.audience)
    if f.service_id:
        qs = qs.filter(service_id=f.service_id)
    if f.team_id:
        qs = qs.filter(team_id=f.team_id)
    if f.date_from:
        qs = qs.filter(created_at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(created_at__date__lte=f.date_to)
    return qs


@dataclass
class Comment:
    response: FeedbackResponse
    question: str
    text: str


def _text_answers(response: FeedbackResponse, definition: ToolDefinition) -> list[Comment]:
    out = []
    for q in definition.questions():
        value = response.answers.get(q.key)
        if q.type in ("own_words", "long_text", "short_text") and isinstance(value, str) and value:
            out.append(Comment(response, q.label, value))
    return out


def feedback_analysis(*, f: AnalysisFilter) -> dict[str, Any]:
    """Response rates by audience, mean ratings per scale question, comments (filtered)."""
    requests = _requests(f)
    sent = dict(
        requests.values_list("audience").annotate(n=Count("pk")).values_list("audience", "n")
    )
    answered = dict(
        requests.filter(used_at__isnull=False)
        .values_list("audience")
        .annotate(n=Count("pk"))
        .values_list("audience", "n")
    )
    responses = list(_filtered_responses(f))
    by_audience: dict[str, int] = defaultdict(int)
    open_link_counts: dict[str, int] = defaultdict(int)
    ratings: dict[tuple[str, str], list[int]] = defaultdict(list)
    labels: dict[tuple[str, str], str] = {}
    comments: list[Comment] = []
    needle = f.text.casefold()
    for r in responses:
        by_audience[r.audience] += 1
        if r.open_link_id:
            open_link_counts[r.audience] += 1
        definition = r.tool_version.definition
        for q in definition.questions():
            value = r.answers.get(q.key)
            if q.type == "scale" and isinstance(value, int):
                top = max(p.value for p in q.points)
                key = (r.audience, q.key)
                ratings[key].append(value)
                labels[key] = f"{q.label} (1 to {top})"
        for c in _text_answers(r, definition):
            if not needle or needle in c.text.casefold():
                comments.append(c)
    rates = []
    for audience in Audience:
        s, a = sent.get(audience.value, 0), answered.get(audience.value, 0)
        if s or by_audience.get(audience.value):
            rates.append(
                {
                    "audience": audience.label,
                    "sent": s,
                    "answered": a,
                    "rate": f"{round(100 * a / s)}%" if s else "No requests",
                    "open_link": open_link_counts.get(audience.value, 0),
                    "total": by_audience.get(audience.value, 0),
                }
            )
    rating_rows = [
        {
            "audience": Audience(audience).label,
            "question": labels[(audience, key)],
            "count": len(values),
            "mean": f"{sum(values) / len(values):.1f}",
        }
        for (audience, key), values in sorted(ratings.items())
    ]
    complaints = complaint_list()
    if f.service_id:
        complaints = complaints.filter(service_id=f.service_id)
    if f.team_id:
        complaints = complaints.filter(team_id=f.team_id)
    if f.date_from:
        complaints = complaints.filter(received_on__gte=f.date_from)
    if f.date_to:
        complaints = complaints.filter(received_on__lte=f.date_to)
    complaint_counts = {
        "complaints": complaints.filter(kind=FeedbackKind.COMPLAINT).count(),
        "compliments": complaints.filter(kind=FeedbackKind.COMPLIMENT).count(),
    }
    return {
        "rates": rates,
        "ratings": rating_rows,
        "comments": comments,
        "responses": responses,
        "complaint_counts": complaint_counts,
    }
