"""An audit's pages: the person's own audits, the audit itself (with the steps they may take
now, from AUDIT_WORKFLOW), the auditor's form, actions and submission, the concern an Inadequate
grade proposes, reflections and the PDF for the child's record."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qaf.accounts.models import User
from qaf.common.forms import service_errors
from qaf.common.permissions import allowed, gate, require

from .. import selectors, services
from ..forms import ActionForm, ConcernForm, ReflectionForm
from ..models import ActionCheck, Audit, AuditStatus, ConcernDecision, ModerationStatus
from ..permissions import signed_in
from ..workflows import AUDIT_WORKFLOW
from .common import (
    GRADE_LABELS,
    Flash,
    form_page,
    posted_version,
    section_titles,
    status_tag,
)


@gate("audits.view_your_audits")
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    staff = signed_in(request).staff
    assert staff is not None  # the gate: a staff record
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


def _grade_rows(audit: Audit) -> list[list[str]]:
    titles = section_titles(audit)
    moderation = selectors.moderation_of(audit=audit)
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


def _state_label(status: str) -> str:
    return AUDIT_WORKFLOW.label_of(status) if status else "New"


def _detail_context(user: User, audit: Audit) -> dict[str, Any]:
    actions = selectors.audit_actions(audit=audit)
    moderation = selectors.moderation_of(audit=audit)
    checks = moderation.action_checks if moderation else {}
    # The steps this person may take now (AUDIT_WORKFLOW): the buttons the page offers.
    steps = {s.name for s in AUDIT_WORKFLOW.available(audit, by=user)}
    return {
        "audit": audit,
        "tag": status_tag(audit),
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
                _state_label(t.from_status),
                _state_label(t.to_status),
                (t.by.get_full_name() or t.by.username) if t.by else "",
                t.reason,
            ]
            for t in audit.transitions.select_related("by")
        ],
        "reflections": audit.reflections.select_related("author"),
        "can_edit": allowed(user, "audits.edit_audit", audit),
        "can_submit": "submit" in steps,
        "can_moderate": bool({"begin_moderation", "finalise"} & steps),
        "moderation_begins": "begin_moderation" in steps,
        "can_return": "return" in steps,
        "can_decide_concern": allowed(user, "audits.raise_concern", audit),
        "can_download": allowed(user, "audits.download_audit_record", audit),
        "can_reallocate": allowed(user, "audits.reallocate_audit", audit),
        "can_reflect": allowed(user, "audits.reflect_on_audit", audit),
        "reflection_form": ReflectionForm(),
        "grade_head": ["Section", "Auditor's grade", "Moderated grade", "Reason for change"],
        "action_head": ["Action", "Owner", "Due", "Status", "Moderator's check"],
        "history_head": ["When", "From", "To", "Who", "Why"],
    }


@gate("audits.view_audits")
@require_GET
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    audit = selectors.audit_get_visible(user=user, pk=pk)
    return render(request, "audits/audit_detail.html", _detail_context(user, audit))


@gate("audits.view_audits")
@require_POST
def audit_open(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    audit = selectors.audit_get_visible(user=user, pk=pk)
    with service_errors(Flash(request)) as outcome:
        audit = services.audit_open_form(audit=audit, by=user)
    if not outcome.ok:
        return redirect("audits:audit_detail", audit.pk)
    return redirect("forms:task_list", audit.form_id)


@gate("audits.view_audits")
@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    audit = selectors.audit_get_visible(user=user, pk=pk)
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as outcome:
            services.audit_action_add(
                audit=audit,
                by=user,
                title=form.cleaned_data["title"],
                owner=form.cleaned_data["owner"],
                due_date=form.cleaned_data["due_date"],
            )
        if outcome.ok:
            messages.success(request, "Action added.")
            back = (
                "audits:moderate"
                if audit.status == AuditStatus.IN_MODERATION
                else "audits:audit_detail"
            )
            return redirect(back, audit.pk)
    return form_page(
        request,
        {
            "title": f"Add an action to {audit.reference}",
            "form": form,
            "button": "Add the action",
            "back": reverse("audits:audit_detail", args=[audit.pk]),
        },
    )


@gate("audits.view_audits")
@require_http_methods(["GET", "POST"])
def audit_submit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    audit = selectors.audit_get_visible(user=user, pk=pk)
    if request.method == "POST":
        with service_errors(Flash(request)) as outcome:
            audit = services.audit_transition(
                audit=audit, action="submit", by=user, expected_version=posted_version(request)
            )
        if not outcome.ok:
            return redirect("audits:audit_detail", audit.pk)
        messages.success(
            request,
            "Audit submitted. The practitioner, their team manager and the moderator have been told.",
        )
        if not audit.concern_decision and allowed(user, "audits.raise_concern", audit):
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


@gate("audits.view_audits")
@require_POST
def reflection_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    audit = selectors.audit_get_visible(user=user, pk=pk)
    form = ReflectionForm(request.POST)
    if form.is_valid():
        with service_errors(form, "text") as outcome:
            services.reflection_add(
                audit=audit,
                by=user,
                text=form.cleaned_data["text"],
                idempotency_key=form.cleaned_data["submission_key"],
            )
        if outcome.ok:
            messages.success(request, "Reflection added.")
            return redirect("audits:audit_detail", audit.pk)
    context = _detail_context(user, audit)
    context["reflection_form"] = form
    return render(request, "audits/audit_detail.html", context)


@gate("audits.view_audits")
@require_GET
def audit_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    audit = selectors.audit_get_visible(user=user, pk=pk)
    require(user, "audits.download_audit_record", audit, hide=True)  # finalised audits only
    from weasyprint import HTML

    html = render_to_string("audits/audit_pdf.html", _detail_context(user, audit), request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="case-audit-{audit.reference}.pdf"'
    return response


@gate("audits.view_audits")
@require_http_methods(["GET", "POST"])
def concern(request: HttpRequest, pk: int) -> HttpResponse:
    """After submitting an audit with an Inadequate grade, the auditor raises the concern it
    proposes or says why not. Only the audit's auditor sees this page."""
    user = signed_in(request)
    audit = selectors.audit_get_visible(user=user, pk=pk)
    require(user, "audits.raise_concern", audit, hide=True)
    titles = section_titles(audit)
    proposed = services.audit_concern_reason(audit=audit, section_titles=titles)
    form = ConcernForm(
        request.POST if request.method == "POST" else None, initial={"reason": proposed}
    )
    if request.method == "POST" and not audit.concern_decision and form.is_valid():
        d = form.cleaned_data
        declining = d["decision"] == "decline"
        with service_errors(form, "decline_reason" if declining else "reason") as outcome:
            if declining:
                services.audit_concern_decline(audit=audit, by=user, reason=d["decline_reason"])
            else:
                escalation = services.audit_concern_raise(
                    audit=audit, by=user, kind=d["decision"], reason=d["reason"]
                )
        if outcome.ok:
            if declining:
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
            "raised": audit.concern_decision == ConcernDecision.RAISED,
            "declined": audit.concern_decision == ConcernDecision.DECLINED,
            "parts": [
                "Overall grade" if p == "overall" else titles.get(p, p)
                for p in audit.inadequate_parts()
            ],
            "escalation": selectors.audit_concern_escalation(audit=audit),
            "back": reverse("audits:audit_detail", args=[audit.pk]),
        },
    )
