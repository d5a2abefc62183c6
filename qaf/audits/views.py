"""Audit cycle pages. Views parse forms and call services/selectors; no business rules here."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qaf.common.errors import DomainError
from qaf.organisation.models import Service, Team
from qaf.tools.models import ToolVersion, VersionStatus

from . import selectors, services
from .forms import (
    GRADE_CHOICES,
    ActionForm,
    AddCaseForm,
    ConcernForm,
    CycleForm,
    DecideForm,
    FinaliseForm,
    InquiryForm,
    ModerationForm,
    PoolMemberForm,
    ReallocateForm,
    ReasonForm,
    ReflectionForm,
    RuleForm,
    ToolChoiceForm,
    TriadForm,
)
from .models import (
    ActionCheck,
    Audit,
    AuditStatus,
    Cycle,
    CycleStatus,
    CycleTool,
    Moderation,
    ModerationStatus,
    PoolKind,
    SampledCase,
)
from .permissions import signed_in

GRADE_LABELS = dict(GRADE_CHOICES)
STATUS_COLOURS = {
    AuditStatus.ALLOCATED: "grey",
    AuditStatus.IN_PROGRESS: "blue",
    AuditStatus.SUBMITTED: "light-blue",
    AuditStatus.RETURNED: "orange",
    AuditStatus.IN_MODERATION: "purple",
    AuditStatus.FINALISED: "green",
    AuditStatus.CANCELLED: "grey",
}


def _qa(request: HttpRequest) -> None:
    user: Any = request.user
    if not user.is_qa_unit:
        raise Http404


def _cycle_or_404(request: HttpRequest, pk: int) -> Cycle:
    _qa(request)
    cycle = selectors.cycle_get(pk=pk)
    if cycle is None:
        raise Http404
    return cycle


def _audit_or_404(request: HttpRequest, pk: int) -> Audit:
    audit = selectors.audit_get_visible(user=signed_in(request), pk=pk)
    if audit is None:
        raise Http404
    return audit


def _error(form: Any, exc: DomainError, field: str | None = None) -> None:
    form.add_error(field, str(exc))


def _page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The generic one-form page: heading, optional intro, the form, one button."""
    return render(request, "audits/form_page.html", context)


# Planning -------------------------------------------------------------------------------------


@login_required
@require_GET
def cycle_list(request: HttpRequest) -> HttpResponse:
    _qa(request)
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


@login_required
@require_http_methods(["GET", "POST"])
def cycle_new(request: HttpRequest) -> HttpResponse:
    _qa(request)
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(
                name=form.cleaned_data["name"],
                template=form.cleaned_data["template"],
                start_date=form.cleaned_data["start_date"],
                by=signed_in(request),
                **_rule_kwargs(form),
            )
        except DomainError as exc:
            _error(form, exc)
        else:
            messages.success(
                request, f"{cycle.name} created. Choose the tools, then draw the sample."
            )
            return redirect("audits:cycle_detail", cycle.pk)
    return _page(
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


@login_required
@require_http_methods(["GET", "POST"])
def cycle_rule(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_or_404(request, pk)
    initial = RuleForm.initial_for(cycle.sample_rule, cycle.seed, cycle.exclude_own_district)
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.cycle_update_rule(
                cycle=cycle,
                by=signed_in(request),
                expected_version=cycle.row_version,
                **_rule_kwargs(form),
            )
        except DomainError as exc:
            _error(form, exc)
        else:
            messages.success(request, "Sample rule saved. Draw the sample again to apply it.")
            return redirect("audits:cycle_detail", cycle.pk)
    return _page(
        request,
        {
            "title": f"Sample rule: {cycle.name}",
            "form": form,
            "button": "Save the rule",
            "back": reverse("audits:cycle_detail", args=[cycle.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle_tools(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_or_404(request, pk)
    service_list = list(Service.objects.all())
    versions = list(
        ToolVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("tool")
    )
    chosen = dict(
        CycleTool.objects.filter(cycle=cycle).values_list("service_id", "tool_version_id")
    )
    form = ToolChoiceForm(
        request.POST or None, services=service_list, versions=versions, chosen=chosen
    )
    if request.method == "POST" and form.is_valid():
        choice = {
            s.pk: int(form.cleaned_data[f"service_{s.pk}"])
            for s in service_list
            if form.cleaned_data[f"service_{s.pk}"]
        }
        try:
            services.cycle_choose_tools(cycle=cycle, choice=choice, by=signed_in(request))
        except DomainError as exc:
            _error(form, exc)
        else:
            messages.success(request, "Tools saved.")
            return redirect("audits:cycle_detail", cycle.pk)
    return _page(
        request,
        {
            "title": f"Tools for {cycle.name}",
            "intro": "Choose the published tool each service's audits use.",
            "form": form,
            "button": "Save the tools",
            "back": reverse("audits:cycle_detail", args=[cycle.pk]),
        },
    )


@login_required
@require_GET
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_or_404(request, pk)
    page = Paginator(selectors.sample_list(cycle=cycle), 50).get_page(request.GET.get("page"))
    rows = []
    for case in page:
        action = (
            {
                "text": "Remove or exempt",
                "href": reverse("audits:sample_decide", args=[cycle.pk, case.pk]),
            }
            if cycle.status == CycleStatus.PLANNING and case.status in ("proposed", "added")
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
    tools = CycleTool.objects.filter(cycle=cycle).select_related("service", "tool_version__tool")
    counts = selectors.sample_counts(cycle=cycle)
    return render(
        request,
        "audits/cycle_detail.html",
        {
            "cycle": cycle,
            "page_obj": page,
            "rows": rows,
            "tools": [(t.service.name, str(t.tool_version)) for t in tools],
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


@login_required
@require_POST
def cycle_draw(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_or_404(request, pk)
    try:
        summary = services.cycle_draw_sample(cycle=cycle, by=signed_in(request))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        excluded = ", ".join(f"{n} {why}" for why, n in sorted(summary.excluded.items()))
        messages.success(
            request,
            f"Sample drawn: {summary.proposed} cases."
            + (f" Left out: {excluded}." if excluded else ""),
        )
    return redirect("audits:cycle_detail", cycle.pk)


@login_required
@require_http_methods(["GET", "POST"])
def sample_add(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_or_404(request, pk)
    form = AddCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sampled_case_add(cycle=cycle, by=signed_in(request), **form.cleaned_data)
        except DomainError as exc:
            _error(form, exc, "council_child_id" if "child" in str(exc) else None)
        else:
            messages.success(request, "Case added to the sample.")
            return redirect("audits:cycle_detail", cycle.pk)
    return _page(
        request,
        {
            "title": "Add a case to the sample",
            "form": form,
            "button": "Add the case",
            "back": reverse("audits:cycle_detail", args=[cycle.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sample_decide(request: HttpRequest, pk: int, case_pk: int) -> HttpResponse:
    cycle = _cycle_or_404(request, pk)
    case = (
        SampledCase.objects.filter(cycle=cycle, pk=case_pk).select_related("child", "team").first()
    )
    if case is None:
        raise Http404
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sampled_case_decide(
                sampled_case=case, by=signed_in(request), **form.cleaned_data
            )
        except DomainError as exc:
            _error(form, exc)
        else:
            messages.success(request, f"Case {case.child.council_child_id} updated.")
            return redirect("audits:cycle_detail", cycle.pk)
    return _page(
        request,
        {
            "title": f"Remove or exempt case {case.child.council_child_id}",
            "intro": f"{case.team.name}. Chosen because: {case.reason}",
            "form": form,
            "button": "Save",
            "back": reverse("audits:cycle_detail", args=[cycle.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle_commit(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_or_404(request, pk)
    form = ReasonForm()  # unused fields; the page only confirms
    if request.method == "POST":
        try:
            version = int(request.POST.get("row_version", "0"))
            services.cycle_commit(cycle=cycle, by=signed_in(request), expected_version=version)
        except (DomainError, ValueError) as exc:
            messages.error(request, str(exc))
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
            "form": form,
        },
    )


@login_required
@require_POST
def cycle_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_or_404(request, pk)
    try:
        summary = services.cycle_allocate(cycle=cycle, by=signed_in(request))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Allocated {summary.auditors} auditor(s) and {summary.moderators} moderator(s); "
            f"{len(summary.unallocated)} audit(s) still need someone.",
        )
    return redirect("audits:cycle_progress", cycle.pk)


@login_required
@require_GET
def cycle_progress(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_or_404(request, pk)
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
    unallocated = (
        Audit.objects.filter(cycle=cycle)
        .filter(auditor__isnull=True)
        .exclude(status=AuditStatus.CANCELLED)
        .select_related("child", "team")
    )
    return render(
        request,
        "audits/progress.html",
        {
            "cycle": cycle,
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
                for a in unallocated
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def audit_reallocate(request: HttpRequest, pk: int) -> HttpResponse:
    _qa(request)
    audit = _audit_or_404(request, pk)
    form = ReallocateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.audit_reallocate(audit=audit, by=signed_in(request), **form.cleaned_data)
        except DomainError as exc:
            _error(form, exc)
        else:
            messages.success(request, f"{audit.reference} reallocated.")
            return redirect("audits:audit_detail", audit.pk)
    return _page(
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


@login_required
@require_http_methods(["GET", "POST"])
def pools(request: HttpRequest) -> HttpResponse:
    _qa(request)
    form = PoolMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pool_member_save(by=signed_in(request), **form.cleaned_data)
        except DomainError as exc:
            _error(form, exc)
        else:
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


# Auditors and moderators ----------------------------------------------------------------------


def _status_tag(audit: Audit) -> dict[str, str]:
    return {"text": audit.get_status_display(), "colour": STATUS_COLOURS[AuditStatus(audit.status)]}


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    staff = user.staff
    if staff is None or not user.sees_children:
        raise Http404
    auditing = [
        [
            {"text": a.reference, "href": reverse("audits:audit_detail", args=[a.pk])},
            a.child.council_child_id,
            a.team.name,
            f"{a.due_date:%-d %B %Y}",
            a.get_status_display(),
        ]
        for a in selectors.audit_list_for_auditor(staff=staff)
    ]
    moderating = [
        [
            {"text": a.reference, "href": reverse("audits:audit_detail", args=[a.pk])},
            a.child.council_child_id,
            a.team.name,
            f"{a.moderation_due_date:%-d %B %Y}",
            a.get_status_display(),
        ]
        for a in selectors.audit_list_for_moderator(staff=staff)
    ]
    return render(
        request,
        "audits/mine.html",
        {
            "auditing": auditing,
            "moderating": moderating,
            "audit_head": ["Audit", "Council child ID", "Team", "Due", "Status"],
            "moderation_head": ["Audit", "Council child ID", "Team", "Moderation due", "Status"],
        },
    )


def _section_titles(audit: Audit) -> dict[str, str]:
    form = audit.form
    if form is None:
        return {}
    return {s.key: s.title for s in form.definition.sections}


def _grade_rows(audit: Audit) -> list[list[str]]:
    titles = _section_titles(audit)
    moderation = getattr(audit, "moderation", None)
    rows = []
    for key, grade in audit.submitted_section_grades.items():
        moderated = ""
        reason = ""
        if moderation is not None and key in moderation.section_grades:
            moderated = GRADE_LABELS.get(moderation.section_grades[key]["grade"], "")
            reason = moderation.section_grades[key].get("reason", "")
        rows.append([titles.get(key, key), GRADE_LABELS.get(grade, grade), moderated, reason])
    if audit.submitted_overall_grade:
        rows.append(
            [
                "Overall",
                GRADE_LABELS.get(audit.submitted_overall_grade, ""),
                GRADE_LABELS.get(moderation.overall_grade, "") if moderation else "",
                moderation.overall_reason if moderation else "",
            ]
        )
    return rows


def _detail_context(request: HttpRequest, audit: Audit) -> dict[str, Any]:
    user: Any = request.user
    staff_id = user.staff_id
    actions = selectors.audit_actions(audit=audit)
    moderation = Moderation.objects.filter(audit=audit).first()
    checks = moderation.action_checks if moderation else {}
    return {
        "audit": audit,
        "tag": _status_tag(audit),
        "summary": [
            ("Child", audit.child.council_child_id),
            ("Team", audit.team.name),
            ("Cycle", audit.cycle.name),
            ("Auditor", audit.auditor or "Not allocated"),
            ("Moderator", audit.moderator or "Not allocated"),
            ("Audit due", f"{audit.due_date:%-d %B %Y}"),
            ("Moderation due", f"{audit.moderation_due_date:%-d %B %Y}"),
            (
                "Outcome",
                moderation.get_outcome_display()
                if moderation and moderation.status == ModerationStatus.FINALISED
                else "",
            ),
        ],
        "grade_rows": _grade_rows(audit),
        "action_rows": [
            [
                a.title,
                str(a.owner),
                f"{a.due_date:%-d %B %Y}",
                a.get_status_display(),
                dict(ActionCheck.choices).get(checks.get(str(a.pk), ""), ""),
            ]
            for a in actions
        ],
        "history": [
            [
                f"{t.at:%-d %B %Y %H:%M}",
                t.from_status or "new",
                t.to_status,
                (t.by.get_full_name() or t.by.username) if t.by else "",
                t.reason,
            ]
            for t in audit.transitions.select_related("by")
        ],
        "reflections": audit.reflections.select_related("author"),
        "is_auditor": audit.auditor_id is not None and audit.auditor_id == staff_id,
        "is_moderator": audit.moderator_id is not None and audit.moderator_id == staff_id,
        "is_qa": user.is_qa_unit,
        # The auditor's way back to the concern an Inadequate grade proposed.
        "concern_link": audit.auditor_id is not None
        and audit.auditor_id == staff_id
        and audit.submitted_at is not None
        and bool(audit.inadequate_parts()),
        "can_reflect": audit.status
        in (
            AuditStatus.SUBMITTED,
            AuditStatus.RETURNED,
            AuditStatus.IN_MODERATION,
            AuditStatus.FINALISED,
        )
        and (audit.practitioner_id == staff_id or user.role == "team_manager"),
        "reflection_form": ReflectionForm(),
        "grade_head": ["Section", "Auditor's grade", "Moderated grade", "Reason for change"],
        "action_head": ["Action", "Owner", "Due", "Status", "Moderator's check"],
        "history_head": ["When", "From", "To", "Who", "Why"],
        "editable": audit.status
        in (AuditStatus.ALLOCATED, AuditStatus.IN_PROGRESS, AuditStatus.RETURNED),
    }


@login_required
@require_GET
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit_or_404(request, pk)
    return render(request, "audits/audit_detail.html", _detail_context(request, audit))


@login_required
@require_POST
def audit_open(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit_or_404(request, pk)
    try:
        audit = services.audit_open_form(audit=audit, by=signed_in(request))
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("audits:audit_detail", audit.pk)
    return redirect("forms:task_list", audit.form_id)


@login_required
@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit_or_404(request, pk)
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.audit_action_add(
                audit=audit,
                by=signed_in(request),
                title=form.cleaned_data["title"],
                owner=form.cleaned_data["owner"],
                due_date=form.cleaned_data["due_date"],
            )
        except DomainError as exc:
            _error(form, exc)
        else:
            messages.success(request, "Action added.")
            back = (
                "audits:moderate"
                if audit.status == AuditStatus.IN_MODERATION
                else "audits:audit_detail"
            )
            return redirect(back, audit.pk)
    return _page(
        request,
        {
            "title": f"Add an action to {audit.reference}",
            "form": form,
            "button": "Add the action",
            "back": reverse("audits:audit_detail", args=[audit.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def audit_submit(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit_or_404(request, pk)
    if request.method == "POST":
        try:
            services.audit_transition(
                audit=audit,
                action="submit",
                by=signed_in(request),
                expected_version=int(request.POST.get("row_version", "0")),
            )
        except (DomainError, ValueError) as exc:
            messages.error(request, str(exc))
            return redirect("audits:audit_detail", audit.pk)
        messages.success(
            request,
            "Audit submitted. The practitioner, their team manager and the moderator have been told.",
        )
        audit.refresh_from_db()
        if not audit.concern_decision and audit.inadequate_parts():
            return redirect("audits:concern", audit.pk)
        return redirect("audits:audit_detail", audit.pk)
    return render(
        request,
        "audits/confirm.html",
        {
            "title": f"Submit {audit.reference}?",
            "body": "After submitting you cannot change the audit unless the moderator returns it.",
            "row_version": audit.row_version,
            "button": "Submit the audit",
            "back": reverse("audits:audit_detail", args=[audit.pk]),
        },
    )


@login_required
@require_POST
def reflection_new(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit_or_404(request, pk)
    form = ReflectionForm(request.POST)
    if form.is_valid():
        try:
            services.reflection_add(
                audit=audit,
                by=signed_in(request),
                text=form.cleaned_data["text"],
                idempotency_key=form.cleaned_data["submission_key"],
            )
        except DomainError as exc:
            _error(form, exc, "text")
        else:
            messages.success(request, "Reflection added.")
            return redirect("audits:audit_detail", audit.pk)
    context = _detail_context(request, audit)
    context["reflection_form"] = form
    return render(request, "audits/audit_detail.html", context)


def _moderation_form(
    request: HttpRequest, audit: Audit, moderation: Moderation, data: Any = None
) -> ModerationForm:
    titles = _section_titles(audit)
    sections = [(k, titles.get(k, k), g) for k, g in audit.submitted_section_grades.items()]
    initial: dict[str, Any] = {
        "row_version": moderation.row_version,
        "meeting_date": moderation.meeting_date,
        "attendees": moderation.attendees,
        "overall_grade": moderation.overall_grade or audit.submitted_overall_grade,
        "overall_reason": moderation.overall_reason,
    }
    for key, _, grade in sections:
        entry = moderation.section_grades.get(key, {})
        initial[f"grade_{key}"] = entry.get("grade", grade)
        initial[f"reason_{key}"] = entry.get("reason", "")
    actions = selectors.audit_actions(audit=audit)
    for action in actions:
        initial[f"action_{action.pk}"] = moderation.action_checks.get(str(action.pk), "")
    return ModerationForm(data, initial=initial, sections=sections, actions=actions)


@login_required
@require_http_methods(["GET", "POST"])
def moderate(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit_or_404(request, pk)
    user: Any = request.user
    if audit.moderator_id is None or audit.moderator_id != user.staff_id:
        raise Http404
    if audit.status == AuditStatus.SUBMITTED:
        if request.method != "POST":
            return render(
                request,
                "audits/confirm.html",
                {
                    "title": f"Start moderating {audit.reference}?",
                    "body": "Starting the moderation moves the audit into moderation. You can still return it to the auditor.",
                    "row_version": audit.row_version,
                    "button": "Start moderation",
                    "back": reverse("audits:audit_detail", args=[audit.pk]),
                },
            )
        try:
            services.moderation_start(audit=audit, by=signed_in(request))
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("audits:audit_detail", audit.pk)
        return redirect("audits:moderate", audit.pk)
    moderation = Moderation.objects.filter(audit=audit).first()
    if audit.status != AuditStatus.IN_MODERATION or moderation is None:
        messages.error(request, "This audit is not in moderation.")
        return redirect("audits:audit_detail", audit.pk)
    form = _moderation_form(request, audit, moderation, request.POST or None)
    conflict = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.moderation_save(
                moderation=moderation,
                by=signed_in(request),
                expected_version=d["row_version"],
                meeting_date=d["meeting_date"],
                attendees=d["attendees"],
                section_grades={
                    k: {"grade": d[f"grade_{k}"], "reason": d[f"reason_{k}"]}
                    for k, _, _ in form.sections
                },
                overall_grade=d["overall_grade"],
                overall_reason=d["overall_reason"],
                action_checks={str(a.pk): d[f"action_{a.pk}"] for a in form.actions},
            )
        except services.AuditConflict as exc:
            conflict = exc
            saved = exc.current
            if not isinstance(saved, Moderation):
                raise DomainError("A moderation conflict must carry the saved moderation.") from exc
            form = _moderation_form(request, audit, saved)
            # The saved version in the fields, the conflict in the error summary.
            form._errors = {  # type: ignore[attr-defined]  # the stubs omit BaseForm._errors
                "__all__": form.error_class([str(exc)])
            }
        except DomainError as exc:
            _error(form, exc)
        else:
            messages.success(request, "Moderation saved.")
            if "finalise" in request.POST:
                return redirect("audits:finalise", audit.pk)
            return redirect("audits:moderate", audit.pk)
    return render(
        request,
        "audits/moderate.html",
        {
            "audit": audit,
            "form": form,
            "conflict": conflict,
            "grade_labels": GRADE_LABELS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def finalise(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit_or_404(request, pk)
    moderation = Moderation.objects.filter(audit=audit).first()
    user: Any = request.user
    if moderation is None or audit.moderator_id != user.staff_id:
        raise Http404
    form = FinaliseForm(
        request.POST or None,
        initial={"row_version": moderation.row_version, "confirmed_outcome": moderation.outcome},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.moderation_finalise(
                moderation=moderation,
                by=signed_in(request),
                expected_version=form.cleaned_data["row_version"],
                confirmed_outcome=form.cleaned_data["confirmed_outcome"],
            )
        except DomainError as exc:
            _error(form, exc)
        else:
            messages.success(
                request,
                "Moderation finalised. The service manager and the auditor have been sent the result.",
            )
            return redirect("audits:audit_detail", audit.pk)
    missing = services.moderation_missing(moderation=moderation)
    return _page(
        request,
        {
            "title": f"Finalise the moderation of {audit.reference}",
            "intro": (
                f"The grades make the outcome {moderation.get_outcome_display().lower()}."
                if moderation.outcome
                else ""
            )
            + (" Still to record: " + "; ".join(missing) + "." if missing else ""),
            "form": form,
            "button": "Finalise",
            "back": reverse("audits:moderate", args=[audit.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def audit_return(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit_or_404(request, pk)
    user: Any = request.user
    if audit.moderator_id is None or audit.moderator_id != user.staff_id:
        raise Http404
    form = ReasonForm(request.POST or None)
    form.fields["reason"].label = "Why are you returning the audit?"
    if request.method == "POST" and form.is_valid():
        try:
            services.audit_transition(
                audit=audit,
                action="return",
                by=signed_in(request),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            _error(form, exc)
        else:
            messages.success(request, "Audit returned to the auditor.")
            return redirect("audits:audit_detail", audit.pk)
    return _page(
        request,
        {
            "title": f"Return {audit.reference} to the auditor",
            "form": form,
            "button": "Return the audit",
            "back": reverse("audits:audit_detail", args=[audit.pk]),
        },
    )


@login_required
@require_GET
def audit_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit_or_404(request, pk)
    if audit.status != AuditStatus.FINALISED:
        raise Http404
    from weasyprint import HTML

    context = _detail_context(request, audit)
    html = render_to_string("audits/audit_pdf.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="case-audit-{audit.reference}.pdf"'
    return response


# Agreement, triads, appreciative inquiry ------------------------------------------------------


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def _num(value: float | None) -> str:
    return "Not enough variation" if value is None else f"{value:.2f}"


@login_required
@require_GET
def agreement_page(request: HttpRequest) -> HttpResponse:
    _qa(request)
    by = request.GET.get("by", "auditor")
    if by not in selectors.AGREEMENT_GROUPS:
        by = "auditor"
    cycles = list(Cycle.objects.exclude(status=CycleStatus.PLANNING))
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


@login_required
@require_http_methods(["GET", "POST"])
def triad_new(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_or_404(request, pk)
    audits = Audit.objects.filter(cycle=cycle, status=AuditStatus.FINALISED).select_related("child")
    form = TriadForm(request.POST or None, audits=audits)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
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
        except DomainError as exc:
            _error(form, exc)
        else:
            messages.success(request, "Triad recorded.")
            return redirect("audits:cycle_detail", cycle.pk)
    return _page(
        request,
        {
            "title": f"Record a triad audit: {cycle.name}",
            "intro": "Two managers and a QA member discuss why the auditor's and moderator's grades differed.",
            "form": form,
            "button": "Record the triad",
            "back": reverse("audits:cycle_detail", args=[cycle.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_new(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_or_404(request, pk)
    teams = Team.objects.filter(pk__in=Audit.objects.filter(cycle=cycle).values("team_id"))
    form = InquiryForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
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
        except DomainError as exc:
            _error(form, exc)
        else:
            messages.success(request, "Appreciative inquiry recorded.")
            return redirect("audits:cycle_detail", cycle.pk)
    return _page(
        request,
        {
            "title": f"Record an appreciative inquiry: {cycle.name}",
            "form": form,
            "button": "Record the inquiry",
            "back": reverse("audits:cycle_detail", args=[cycle.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern(request: HttpRequest, pk: int) -> HttpResponse:
    """After submitting an audit with an Inadequate grade, the auditor raises the concern it
    proposes or says why not. Only the audit's auditor sees this page."""
    audit = _audit_or_404(request, pk)
    user: Any = request.user
    if (
        audit.auditor_id is None
        or audit.auditor_id != user.staff_id
        or audit.submitted_at is None
        or not audit.inadequate_parts()
    ):
        raise Http404
    titles = _section_titles(audit)
    proposed = services.audit_concern_reason(audit=audit, section_titles=titles)
    form = ConcernForm(
        request.POST if request.method == "POST" else None, initial={"reason": proposed}
    )
    if request.method == "POST" and not audit.concern_decision and form.is_valid():
        d = form.cleaned_data
        try:
            if d["decision"] == "decline":
                services.audit_concern_decline(audit=audit, by=user, reason=d["decline_reason"])
            else:
                escalation = services.audit_concern_raise(
                    audit=audit, by=user, kind=d["decision"], reason=d["reason"]
                )
        except (DomainError, PermissionDenied) as exc:
            form.add_error("decline_reason" if d["decision"] == "decline" else "reason", str(exc))
        else:
            if d["decision"] == "decline":
                messages.success(request, "You have not raised a concern. Your reason is saved.")
            else:
                messages.success(request, f"Concern {escalation.reference_code} raised.")
            return redirect("audits:concern", audit.pk)
    return render(
        request,
        "audits/concern.html",
        {
            "audit": audit,
            "form": form,
            "parts": [
                "Overall grade" if p == "overall" else titles.get(p, p)
                for p in audit.inadequate_parts()
            ],
            "escalation": selectors.audit_concern_escalation(audit=audit),
            "back": reverse("audits:audit_detail", args=[audit.pk]),
        },
    )
