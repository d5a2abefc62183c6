"""The moderator's pages: start and record the moderation, finalise it, or return the audit to
the auditor. They exist only for the audit's moderator (404 for anyone else)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from qaf.common.forms import service_errors
from qaf.common.permissions import gate, require

from .. import selectors, services
from ..forms import FinaliseForm, ModerationForm, ReasonForm
from ..models import Audit, AuditStatus, Moderation
from ..permissions import signed_in
from ..workflows import AUDIT_WORKFLOW
from .common import GRADE_LABELS, Flash, form_page, section_titles


def _moderation_form(audit: Audit, moderation: Moderation, data: Any = None) -> ModerationForm:
    titles = section_titles(audit)
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


@gate("audits.view_audits")
@require_http_methods(["GET", "POST"])
def moderate(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    audit = selectors.audit_get_visible(user=user, pk=pk)
    require(user, "audits.moderate_audit", audit, hide=True)
    if AUDIT_WORKFLOW.can(audit, "begin_moderation", by=user):
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
        with service_errors(Flash(request)) as outcome:
            services.moderation_start(audit=audit, by=user)
        if not outcome.ok:
            return redirect("audits:audit_detail", audit.pk)
        return redirect("audits:moderate", audit.pk)
    moderation = selectors.moderation_of(audit=audit)
    if audit.status != AuditStatus.IN_MODERATION or moderation is None:
        messages.error(request, "This audit is not in moderation.")
        return redirect("audits:audit_detail", audit.pk)
    form = _moderation_form(audit, moderation, request.POST or None)
    conflict = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with service_errors(form) as outcome:
            try:
                services.moderation_save(
                    moderation=moderation,
                    by=user,
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
                # Someone saved first: the saved version goes in the fields, what this person
                # tried to save is shown beside it, the conflict in the error summary.
                conflict = exc
        if conflict is not None:
            saved = selectors.moderation_get(audit=audit)
            form = _moderation_form(audit, saved)
            form._errors = {  # type: ignore[attr-defined]  # the stubs omit BaseForm._errors
                "__all__": form.error_class([str(conflict)])
            }
        elif outcome.ok:
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


@gate("audits.view_audits")
@require_http_methods(["GET", "POST"])
def finalise(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    audit = selectors.audit_get_visible(user=user, pk=pk)
    moderation = selectors.moderation_get(audit=audit)
    require(user, "audits.moderate_audit", audit, hide=True)
    form = FinaliseForm(
        request.POST or None,
        initial={"row_version": moderation.row_version, "confirmed_outcome": moderation.outcome},
    )
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as outcome:
            services.moderation_finalise(
                moderation=moderation,
                by=user,
                expected_version=form.cleaned_data["row_version"],
                confirmed_outcome=form.cleaned_data["confirmed_outcome"],
            )
        if outcome.ok:
            messages.success(
                request,
                "Moderation finalised. The service manager and the auditor have been sent the result.",
            )
            return redirect("audits:audit_detail", audit.pk)
    missing = services.moderation_missing(moderation=moderation)
    return form_page(
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


@gate("audits.view_audits")
@require_http_methods(["GET", "POST"])
def audit_return(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    audit = selectors.audit_get_visible(user=user, pk=pk)
    require(user, "audits.moderate_audit", audit, hide=True)
    form = ReasonForm(request.POST or None)
    form.fields["reason"].label = "Why are you returning the audit?"
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as outcome:
            services.audit_transition(
                audit=audit, action="return", by=user, reason=form.cleaned_data["reason"]
            )
        if outcome.ok:
            messages.success(request, "Audit returned to the auditor.")
            return redirect("audits:audit_detail", audit.pk)
    return form_page(
        request,
        {
            "title": f"Return {audit.reference} to the auditor",
            "form": form,
            "button": "Return the audit",
            "back": reverse("audits:audit_detail", args=[audit.pk]),
        },
    )
