"""The escalations dashboard: council-wide aggregates, no child identifiable."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from qaf.common.permissions import gate

from ..selectors import escalation_dashboard


@gate("escalations.view_dashboard")
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    data = escalation_dashboard()
    district_rows = [
        [
            r.district,
            r.open,
            r.overdue,
            r.signed_off,
            "" if r.average_days_to_sign_off is None else r.average_days_to_sign_off,
        ]
        for r in data["districts"]
    ]
    period_rows = [
        [
            p.period,
            p.raised,
            p.due,
            p.in_time,
            "" if p.share_in_time is None else f"{p.share_in_time}%",
        ]
        for p in data["periods"]
    ]
    return render(
        request,
        "escalations/dashboard.html",
        {
            "data": data,
            "numeric": [1, 2, 3, 4],
            "district_head": [
                "District",
                "Open",
                "Overdue",
                "Signed off",
                "Average working days to sign-off",
            ],
            "district_rows": district_rows,
            "period_head": [
                "Month raised",
                "Raised",
                "Due so far",
                "Signed off in time",
                "Share in time",
            ],
            "period_rows": period_rows,
        },
    )
