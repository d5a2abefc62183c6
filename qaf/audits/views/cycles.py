"""The QA unit's pages: planning a cycle, its sample, committing, progress and allocation, the
pools. Every page's gate is a QA-unit permission; the buttons offered come from the cycle's and
the sample's workflows."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qaf.common.forms import service_errors
from qaf.common.permissions import gate

from .. import selectors, services
from ..forms import (
    AddCaseForm,
    CycleForm,
    DecideForm,
    PoolMemberForm,
    ReallocateForm,
    RuleForm,
    ToolChoiceForm,
)
from ..models import AuditStatus, Cycle, PoolKind
from ..permissions import signed_in
from ..workflows import CYCLE_WORKFLOW, SAMPLE_WORKFLOW
from .common import Flash, form_page, posted_version


@gate("audits.plan_cycles")
@require_GET
def cycle_list(request: HttpRequest) -> HttpResponse:
    rows = [
        [
            {"text": c.name, "href": reverse("audits:cycle_detail", args=[c.pk])},
            c.get_template_display().split(" (")[0],
            f"{c.start_date:%-d %B %Y}",
            c.get_status_display(),
            c.audit_count,  # type: ignore[attr-defined]  # annotated by the selector
        ]
        for c in selectors.cycle_list()
    ]
    return render(
        request,
        "audits/cycle_list.html",
        {"rows": rows, "head": ["Cycle", "Template", "Starts", "Status", "Audits"]},
    )


def _rule_kwargs(form: RuleForm) -> dict[str, Any]:
    return {
        "rule": form.rule(),
        "seed": form.cleaned_data["seed"],
        "exclude_own_district": form.cleaned_data["exclude_own_district"],
    }


@gate("audits.plan_cycles")
@require_http_methods(["GET", "POST"])
def cycle_new(request: HttpRequest) -> HttpResponse:
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as outcome:
            cycle = services.cycle_create(
                name=form.cleaned_data["name"],
                template=form.cleaned_data["template"],
                start_date=form.cleaned_data["start_date"],
                by=signed_in(request),
                **_rule_kwargs(form),
            )
        if outcome.ok:
            messages.success(
                request, f"{cycle.name} created. Choose the tools, then draw the sample."
            )
            return redirect("audits:cycle_detail", cycle.pk)
    return form_page(
        request,
        {
            "title": "Plan a new audit cycle",
            "intro": "The template sets the phases (audit, moderation, appreciative inquiry, "
            "triads). The sample rule decides which cases are audited; every chosen case "
            "records why.",
            "form": form,
            "button": "Create the cycle",
            "back": reverse("audits:cycle_list"),
        },
    )


@gate("audits.plan_cycles")
@require_http_methods(["GET", "POST"])
def cycle_rule(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(pk=pk)
    initial = RuleForm.initial_for(cycle.sample_rule, cycle.seed, cycle.exclude_own_district)
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as outcome:
            services.cycle_update_rule(
                cycle=cycle,
                by=signed_in(request),
                expected_version=cycle.row_version,
                **_rule_kwargs(form),
            )
        if outcome.ok:
            messages.success(request, "Sample rule saved. Draw the sample again to apply it.")
            return redirect("audits:cycle_detail", cycle.pk)
    return form_page(
        request,
        {
            "title": f"Sample rule: {cycle.name}",
            "form": form,
            "button": "Save the rule",
            "back": reverse("audits:cycle_detail", args=[cycle.pk]),
        },
    )


@gate("audits.plan_cycles")
@require_http_methods(["GET", "POST"])
def cycle_tools(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(pk=pk)
    service_list = selectors.service_list()
    form = ToolChoiceForm(
        request.POST or None,
        services=service_list,
        versions=selectors.published_tool_versions(),
        chosen=selectors.cycle_tool_choice(cycle=cycle),
    )
    if request.method == "POST" and form.is_valid():
        choice = {
            s.pk: int(form.cleaned_data[f"service_{s.pk}"])
            for s in service_list
            if form.cleaned_data[f"service_{s.pk}"]
        }
        with service_errors(form) as outcome:
            services.cycle_choose_tools(cycle=cycle, choice=choice, by=signed_in(request))
        if outcome.ok:
            messages.success(request, "Tools saved.")
            return redirect("audits:cycle_detail", cycle.pk)
    return form_page(
        request,
        {
            "title": f"Tools for {cycle.name}",
            "intro": "Choose the published tool each service's audits use.",
            "form": form,
            "button": "Save the tools",
            "back": reverse("audits:cycle_detail", args=[cycle.pk]),
        },
    )


@gate("audits.plan_cycles")
@require_GET
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    cycle = selectors.cycle_get(pk=pk)
    steps = {s.name for s in CYCLE_WORKFLOW.available(cycle, by=user)}
    page = Paginator(selectors.sample_list(cycle=cycle), 50).get_page(request.GET.get("page"))
    rows = []
    for case in page:
        decidable = "change_sample" in steps and SAMPLE_WORKFLOW.can(case, "remove", by=user)
        action = (
            {
                "text": "Remove or exempt",
                "href": reverse("audits:sample_decide", args=[cycle.pk, case.pk]),
            }
            if decidable
            else ""
        )
        rows.append(
            [
                case.team.name,
                case.child.council_child_id,
                case.get_status_display(),
                case.reason + (f" ({case.status_reason})" if case.status_reason else ""),
                action,
            ]
        )
    counts = selectors.sample_counts(cycle=cycle)
    return render(
        request,
        "audits/cycle_detail.html",
        {
            "cycle": cycle,
            "page_obj": page,
            "rows": rows,
            # What the QA unit may do with the cycle now (CYCLE_WORKFLOW).
            "can_change_sample": "change_sample" in steps,
            "can_commit": "commit" in steps,
            "can_choose_tools": cycle.status not in CYCLE_WORKFLOW.final,
            "tools": [
                (t.service.name, str(t.tool_version)) for t in selectors.cycle_tools(cycle=cycle)
            ],
            "summary": [
                ("Template", cycle.get_template_display()),
                ("Status", cycle.get_status_display()),
                ("Sample rule", _describe_rule(cycle)),
                ("Random seed", cycle.seed),
                ("In the sample", counts.get("proposed", 0) + counts.get("added", 0)),
                ("Removed or exempted", counts.get("removed", 0) + counts.get("exempted", 0)),
            ],
            "phases": [
                (
                    p.get_kind_display() + (f" (round {p.round})" if p.round > 1 else ""),
                    f"{p.start_date:%-d %B %Y} to {p.end_date:%-d %B %Y}",
                )
                for p in cycle.phases.all()
            ],
            "head": ["Team", "Council child ID", "Status", "Why chosen", "Change"],
            "triads": _triads(cycle),
            "inquiries": selectors.inquiry_list(cycle=cycle),
        },
    )


def _triads(cycle: Cycle) -> list[Any]:
    triads = list(selectors.triad_list(cycle=cycle))
    for triad in triads:
        triad.rows = [  # type: ignore[attr-defined]  # display rows for the template
            ("Audits", ", ".join(a.reference for a in triad.audits.all())),
            ("Discussion", triad.discussion),
            ("Reasons for the variance", triad.variance_reasons),
            ("Learning", triad.learning),
        ]
    return triads


def _describe_rule(cycle: Cycle) -> str:
    r = cycle.sample_rule
    parts = []
    if r.get("per_stratum_quota") is not None:
        parts.append(f"{r['per_stratum_quota']} per {' and '.join(r.get('strata', ['team']))}")
    if r.get("percentage") is not None:
        parts.append(f"{r['percentage']:g}% of each {' and '.join(r.get('strata', ['team']))}")
    if r.get("active_within_days"):
        parts.append(f"including cases closed in the last {r['active_within_days']} days")
    if r.get("exclude_audited_within_months"):
        parts.append(
            f"leaving out cases audited in the last {r['exclude_audited_within_months']} months"
        )
    if r.get("include_vulnerability_register"):
        parts.append("every case on the vulnerability register")
    for c in r.get("include_criteria", []):
        parts.append(f"every case where {c['field']} is {c['value']}")
    if r.get("services"):
        parts.append("services: " + ", ".join(r["services"]))
    if cycle.exclude_own_district:
        parts.append("auditors from another district")
    return "; ".join(parts)


@gate("audits.plan_cycles")
@require_POST
def cycle_draw(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(pk=pk)
    with service_errors(Flash(request)) as outcome:
        summary = services.cycle_draw_sample(cycle=cycle, by=signed_in(request))
    if outcome.ok:
        excluded = ", ".join(f"{n} {why}" for why, n in sorted(summary.excluded.items()))
        messages.success(
            request,
            f"Sample drawn: {summary.proposed} cases."
            + (f" Left out: {excluded}." if excluded else ""),
        )
    return redirect("audits:cycle_detail", cycle.pk)


@gate("audits.plan_cycles")
@require_http_methods(["GET", "POST"])
def sample_add(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(pk=pk)
    form = AddCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The service's refusals are about the child (no such child, no open case, already in
        # the sample): shown on that field, keeping what was typed.
        with service_errors(form, "council_child_id") as outcome:
            services.sampled_case_add(cycle=cycle, by=signed_in(request), **form.cleaned_data)
        if outcome.ok:
            messages.success(request, "Case added to the sample.")
            return redirect("audits:cycle_detail", cycle.pk)
    return form_page(
        request,
        {
            "title": "Add a case to the sample",
            "form": form,
            "button": "Add the case",
            "back": reverse("audits:cycle_detail", args=[cycle.pk]),
        },
    )


@gate("audits.plan_cycles")
@require_http_methods(["GET", "POST"])
def sample_decide(request: HttpRequest, pk: int, case_pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(pk=pk)
    case = selectors.sampled_case_get(cycle=cycle, pk=case_pk)
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as outcome:
            services.sampled_case_decide(
                sampled_case=case, by=signed_in(request), **form.cleaned_data
            )
        if outcome.ok:
            messages.success(request, f"Case {case.child.council_child_id} updated.")
            return redirect("audits:cycle_detail", cycle.pk)
    return form_page(
        request,
        {
            "title": f"Remove or exempt case {case.child.council_child_id}",
            "intro": f"{case.team.name}. Chosen because: {case.reason}",
            "form": form,
            "button": "Save",
            "back": reverse("audits:cycle_detail", args=[cycle.pk]),
        },
    )


@gate("audits.plan_cycles")
@require_http_methods(["GET", "POST"])
def cycle_commit(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(pk=pk)
    if request.method == "POST":
        with service_errors(Flash(request)) as outcome:
            services.cycle_commit(
                cycle=cycle, by=signed_in(request), expected_version=posted_version(request)
            )
        if not outcome.ok:
            return redirect("audits:cycle_detail", cycle.pk)
        messages.success(request, "Cycle committed: audits created and allocated.")
        return redirect("audits:cycle_progress", cycle.pk)
    return render(
        request,
        "audits/confirm.html",
        {
            "title": f"Commit {cycle.name}?",
            "body": "Committing fixes the sample, creates one audit for each case and allocates "
            "auditors and moderators from the pools. The sample cannot change afterwards.",
            "row_version": cycle.row_version,
            "button": "Commit the cycle",
            "back": reverse("audits:cycle_detail", args=[cycle.pk]),
        },
    )


@gate("audits.plan_cycles")
@require_POST
def cycle_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(pk=pk)
    with service_errors(Flash(request)) as outcome:
        summary = services.cycle_allocate(cycle=cycle, by=signed_in(request))
    if outcome.ok:
        messages.success(
            request,
            f"Allocated {summary.auditors} auditor(s) and {summary.moderators} moderator(s); "
            f"{len(summary.unallocated)} audit(s) still need someone.",
        )
    return redirect("audits:cycle_progress", cycle.pk)


@gate("audits.plan_cycles")
@require_GET
def cycle_progress(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(pk=pk)
    by = request.GET.get("by", "team")
    if by not in selectors.GROUPINGS:
        by = "team"
    statuses = [s for s in AuditStatus if s != AuditStatus.CANCELLED]
    progress = selectors.cycle_progress(cycle=cycle, by=by)
    rows = [[r.name, *[r.counts[s] for s in statuses], r.overdue, r.total] for r in progress]
    loads = {
        kind: [
            [r.name, r.load, r.capacity, r.open]
            for r in selectors.pool_load(cycle=cycle, kind=kind)
        ]
        for kind in PoolKind.values
    }
    return render(
        request,
        "audits/progress.html",
        {
            "cycle": cycle,
            "can_allocate": CYCLE_WORKFLOW.can(cycle, "allocate", by=signed_in(request)),
            "by": by,
            "groupings": list(selectors.GROUPINGS),
            "head": [by.capitalize(), *[s.label for s in statuses], "Overdue", "Total"],
            "rows": rows,
            "numeric": list(range(1, len(statuses) + 3)),
            "auditor_rows": loads[PoolKind.AUDITOR],
            "moderator_rows": loads[PoolKind.MODERATOR],
            "load_head": ["Name", "Audits in this cycle", "Capacity for this cycle", "Still open"],
            "load_numeric": [1, 2, 3],
            "unallocated_head": ["Audit", "Council child ID", "Team"],
            "unallocated": [
                [
                    {"text": a.reference, "href": reverse("audits:audit_reallocate", args=[a.pk])},
                    a.child.council_child_id,
                    a.team.name,
                ]
                for a in selectors.cycle_unallocated_audits(cycle=cycle)
            ],
        },
    )


@gate("audits.plan_cycles")
@require_http_methods(["GET", "POST"])
def audit_reallocate(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    audit = selectors.audit_get_visible(user=user, pk=pk)
    form = ReallocateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as outcome:
            services.audit_reallocate(audit=audit, by=user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, f"{audit.reference} reallocated.")
            return redirect("audits:audit_detail", audit.pk)
    return form_page(
        request,
        {
            "title": f"Change the auditor or moderator of {audit.reference}",
            "intro": f"Case in {audit.team.name}. Auditor: {audit.auditor or 'none'}. "
            f"Moderator: {audit.moderator or 'none'}.",
            "form": form,
            "button": "Save the change",
            "back": reverse("audits:audit_detail", args=[audit.pk]),
        },
    )


@gate("audits.manage_pools")
@require_http_methods(["GET", "POST"])
def pools(request: HttpRequest) -> HttpResponse:
    form = PoolMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as outcome:
            services.pool_member_save(by=signed_in(request), **form.cleaned_data)
        if outcome.ok:
            messages.success(request, "Pool updated.")
            return redirect("audits:pools")
    tables = [
        (
            label,
            [
                [
                    m.staff.full_name,
                    f"{m.trained_on:%-d %B %Y}" if m.trained_on else "Not recorded",
                    m.monthly_capacity,
                    "Yes" if m.active else "No",
                ]
                for m in selectors.pool_members(kind=kind)
            ],
        )
        for kind, label in PoolKind.choices
    ]
    return render(
        request,
        "audits/pools.html",
        {"tables": tables, "form": form, "head": ["Name", "Trained", "Cases a month", "Active"]},
    )
