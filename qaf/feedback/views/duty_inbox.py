"""The duty inbox: safety alerts the surveys raised, and acknowledging them (the QA unit)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from qaf.common.forms import service_errors
from qaf.common.permissions import gate

from .. import selectors, services
from ..forms import AcknowledgeForm
from ..http import SignedInRequest
from ..models import AlertStatus
from ..workflows import ALERT_WORKFLOW
from .display import answer_rows, when


@gate("feedback.handle_safety_alerts")
@require_GET
def alert_list(request: SignedInRequest) -> HttpResponse:
    rows = [
        [
            {"text": a.reference_code, "href": reverse("feedback:alert_detail", args=[a.pk])},
            when(a.raised_at),
            a.response.get_audience_display(),
            a.get_route_display(),
            AlertStatus(a.status).label,
        ]
        for a in selectors.safety_alert_list_visible(user=request.user)
    ]
    return render(
        request,
        "feedback/alert_list.html",
        {"rows": rows, "head": ["Alert", "Raised", "From", "Routed to", "Status"]},
    )


@gate("feedback.handle_safety_alerts")
@require_http_methods(["GET", "POST"])
def alert_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    alert = selectors.safety_alert_get_visible(user=request.user, pk=pk)
    form = AcknowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form, "action_taken") as outcome:
            services.safety_alert_acknowledge(
                alert=alert, by=request.user, action_taken=form.cleaned_data["action_taken"]
            )
        if outcome.ok:
            return redirect("feedback:alert_detail", pk=alert.pk)
    r = alert.response
    rows = [
        ("Raised", when(alert.raised_at)),
        ("Routed to", alert.get_route_display()),
        ("Escalation", alert.escalation.reference_code if alert.escalation else "None"),
        ("Source", f"Open link: {r.open_link.title}" if r.open_link else r.get_mode_display()),
        ("Team", str(r.team) if r.team else ""),
        ("Acknowledged", when(alert.acknowledged_at) if alert.acknowledged_at else "Not yet"),
    ]
    return render(
        request,
        "feedback/alert_detail.html",
        {
            "alert": alert,
            "rows": rows,
            "answers": answer_rows(r),
            "form": form,
            "response": r,
            "steps": {s.name: s for s in ALERT_WORKFLOW.available(alert, by=request.user)},
        },
    )
