"""Looking back at a cycle (the QA unit's): moderation agreement, triad audits and appreciative
inquiries."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from qaf.common.forms import service_errors
from qaf.common.permissions import gate

from .. import selectors, services
from ..forms import InquiryForm, TriadForm
from ..permissions import signed_in
from .common import form_page


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def _num(value: float | None) -> str:
    return "Not enough variation" if value is None else f"{value:.2f}"


@gate("audits.view_agreement")
@require_GET
def agreement_page(request: HttpRequest) -> HttpResponse:
    by = request.GET.get("by", "auditor")
    if by not in selectors.AGREEMENT_GROUPS:
        by = "auditor"
    cycles = list(selectors.cycle_list_reported())
    cycle = next((c for c in cycles if str(c.pk) == request.GET.get("cycle")), None)
    rows = [
        [
            r.name,
            r.result.pairs,
            _pct(r.result.share_agreed),
            _num(r.result.kappa),
            f"{r.result.low:.2f} to {r.result.high:.2f}" if r.result.low is not None else "",
        ]
        for r in selectors.moderation_agreement(by=by, cycle=cycle)
    ]
    overall = selectors.moderation_agreement_overall(cycle=cycle)
    proposals = []
    if cycle is not None:
        proposals = [
            [
                {
                    "text": p.audit.reference,
                    "href": reverse("audits:audit_detail", args=[p.audit.pk]),
                },
                p.audit.team.name,
                str(p.audit.auditor),
                str(p.audit.moderator),
                p.variance,
            ]
            for p in selectors.triad_proposals(cycle=cycle)
        ]
    return render(
        request,
        "audits/agreement.html",
        {
            "by": by,
            "groupings": list(selectors.AGREEMENT_GROUPS),
            "cycles": cycles,
            "cycle": cycle,
            "rows": rows,
            "overall": overall,
            "overall_share": _pct(overall.share_agreed),
            "overall_kappa": _num(overall.kappa),
            "overall_rows": [
                ("Grades compared", overall.pairs),
                ("Share agreed", _pct(overall.share_agreed)),
                ("Weighted kappa (linear)", _num(overall.kappa)),
                (
                    "95% interval",
                    f"{overall.low:.2f} to {overall.high:.2f}" if overall.low is not None else "",
                ),
            ],
            "head": [
                by.capitalize(),
                "Grades compared",
                "Share agreed",
                "Weighted kappa",
                "95% interval",
            ],
            "numeric": [1, 2, 3],
            "proposal_head": ["Audit", "Team", "Auditor", "Moderator", "Steps of difference"],
            "proposals": proposals,
        },
    )


@gate("audits.plan_cycles")
@require_http_methods(["GET", "POST"])
def triad_new(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(pk=pk)
    form = TriadForm(request.POST or None, audits=selectors.cycle_finalised_audits(cycle=cycle))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with service_errors(form) as outcome:
            services.triad_record(
                cycle=cycle,
                audits=list(d["audits"]),
                manager_one=d["manager_one"],
                manager_two=d["manager_two"],
                qa_member=d["qa_member"],
                date=d["date"],
                discussion=d["discussion"],
                variance_reasons=d["variance_reasons"],
                learning=d["learning"],
                by=signed_in(request),
                idempotency_key=d["submission_key"],
            )
        if outcome.ok:
            messages.success(request, "Triad recorded.")
            return redirect("audits:cycle_detail", cycle.pk)
    return form_page(
        request,
        {
            "title": f"Record a triad audit: {cycle.name}",
            "intro": "Two managers and a QA member discuss why the auditor's and moderator's grades differed.",
            "form": form,
            "button": "Record the triad",
            "back": reverse("audits:cycle_detail", args=[cycle.pk]),
        },
    )


@gate("audits.plan_cycles")
@require_http_methods(["GET", "POST"])
def inquiry_new(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(pk=pk)
    form = InquiryForm(request.POST or None, teams=selectors.cycle_teams(cycle=cycle))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with service_errors(form) as outcome:
            services.appreciative_inquiry_record(
                cycle=cycle,
                team=d["team"],
                date=d["date"],
                went_well=d["went_well"],
                made_it_work=d["made_it_work"],
                better_next_time=d["better_next_time"],
                by=signed_in(request),
                idempotency_key=d["submission_key"],
            )
        if outcome.ok:
            messages.success(request, "Appreciative inquiry recorded.")
            return redirect("audits:cycle_detail", cycle.pk)
    return form_page(
        request,
        {
            "title": f"Record an appreciative inquiry: {cycle.name}",
            "form": form,
            "button": "Record the inquiry",
            "back": reverse("audits:cycle_detail", args=[cycle.pk]),
        },
    )
