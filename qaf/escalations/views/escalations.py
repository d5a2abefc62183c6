"""The escalations list, raising a concern, an escalation's page and its workflow steps."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from qaf.common import clock
from qaf.common.errors import NotFound
from qaf.common.forms import service_errors
from qaf.common.permissions import allowed, gate
from qaf.common.workflow import Step

from .. import services
from ..forms import AgreeActionsForm, NoteForm, RaiseForm
from ..models import EscalationStatus
from ..selectors import (
    child_find_visible,
    escalation_get_visible,
    escalation_is_overdue,
    escalation_list_open_first,
    escalation_steps,
    second_person_request_list,
    second_person_request_list_awaiting,
    second_person_request_pending,
)
from ..workflows import ESCALATION_WORKFLOW, SECOND_PERSON_WORKFLOW, request_kinds_possible
from .display import deadline_text, when, who

STATUS_COLOURS: dict[str, str] = {
    EscalationStatus.RAISED: "red",
    EscalationStatus.ACKNOWLEDGED: "orange",
    EscalationStatus.ACTIONS_AGREED: "yellow",
    EscalationStatus.ACTIONS_ON_FILE: "blue",
    EscalationStatus.SIGNED_OFF: "green",
    EscalationStatus.CLOSED: "grey",
    EscalationStatus.CANCELLED: "grey",
}


def _rows(escalations: Any, now: Any) -> list[list[Any]]:
    rows = []
    for e in escalations:
        status = e.get_status_display()
        if escalation_is_overdue(escalation=e, now=now):
            status += " (overdue)"
        rows.append(
            [
                {"text": e.reference_code, "href": reverse("escalations:detail", args=[e.pk])},
                e.child.council_child_id,
                e.get_kind_display(),
                status,
                deadline_text(e),
                str(e.district) if e.district else "No district",
            ]
        )
    return rows


@gate("escalations.view_escalations")
@require_GET
def escalation_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    return render(
        request,
        "escalations/escalation_list.html",
        {
            "head": ["Reference", "Child", "Kind", "Status", "Deadline", "District"],
            "rows": _rows(escalation_list_open_first(user=user), clock.now()),
            "awaiting": second_person_request_list_awaiting(user=user)
            if allowed(user, "escalations.decide_second_person")
            else [],
        },
    )


@gate("escalations.raise_escalation")
@require_http_methods(["GET", "POST"])
def escalation_raise(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    initial = {"child_id": request.GET.get("child", "")[:40]}
    form = RaiseForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        child = child_find_visible(user=user, council_child_id=form.cleaned_data["child_id"])
        if child is None:
            form.add_error(
                "child_id", "There is no child with that ID among the children you can see"
            )
        else:
            with service_errors(form) as outcome:
                escalation = services.escalation_raise(
                    child=child,
                    kind=form.cleaned_data["kind"],
                    raised_by=user,
                    source=form.cleaned_data["source"],
                    reason=form.cleaned_data["reason"],
                )
            if outcome.ok:
                messages.success(
                    request,
                    f"Concern {escalation.reference_code} raised. The service manager has been told.",
                )
                return redirect("escalations:detail", escalation.pk)
    return render(request, "escalations/raise.html", {"form": form})


def _step_label(action: str) -> str:
    step = ESCALATION_WORKFLOW.steps.get(action)
    return step.label if step is not None else action.replace("_", " ").capitalize()


@gate("escalations.view_escalations")
@require_GET
def escalation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    escalation = escalation_get_visible(user=user, pk=pk)
    pending = second_person_request_pending(escalation=escalation)
    summary = [
        ("Child", escalation.child.council_child_id),
        ("Kind", escalation.get_kind_display()),
        ("Status", escalation.get_status_display()),
        ("Deadline", deadline_text(escalation)),
        ("Raised", f"{when(escalation.raised_at)} by {who(escalation.raised_by)}"),
        ("Source", escalation.get_source_display()),
        ("District", escalation.district),
        ("Team", escalation.team),
        ("Allocated worker", escalation.practitioner),
        ("Concern", escalation.reason),
    ]
    if escalation.signed_off_at:
        summary.append(("Signed off", when(escalation.signed_off_at)))
    history = [
        [when(s.at), _step_label(s.action), who(s.by), s.note]
        for s in escalation_steps(escalation=escalation)
    ]
    return render(
        request,
        "escalations/escalation_detail.html",
        {
            "escalation": escalation,
            "colour": STATUS_COLOURS[escalation.status],
            "overdue": escalation_is_overdue(escalation=escalation),
            "summary": summary,
            "history_head": ["When", "Step", "Who", "Recorded"],
            "history": history,
            "steps": ESCALATION_WORKFLOW.available(escalation, by=user),
            "requests": second_person_request_list(escalation=escalation),
            "pending": pending,
            "can_decide": pending is not None
            and bool(SECOND_PERSON_WORKFLOW.available(pending, by=user)),
            "can_request": pending is None
            and allowed(user, "escalations.ask_second_person", escalation)
            and bool(request_kinds_possible(escalation)),
        },
    )


def _step_for_role(user: Any, name: str) -> Step:
    """The step, if this person's role ever takes it: a step the role never takes is not there
    for it (404, as out of scope is)."""
    step = ESCALATION_WORKFLOW.steps.get(name)
    if step is None or not step.who(user, None):
        raise NotFound()
    return step


@gate("escalations.view_escalations")
@require_http_methods(["GET", "POST"])
def escalation_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user: Any = request.user
    step = _step_for_role(user, action)
    escalation = escalation_get_visible(user=user, pk=pk)
    data = request.POST if request.method == "POST" else None
    if step.name == "agree_actions":
        form: Any = AgreeActionsForm(data)
    else:
        form = NoteForm(
            data, label=step.reason or "Comments (optional)", required=step.reason_required
        )
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as outcome:
            if step.name == "agree_actions":
                services.escalation_take_step(
                    escalation=escalation,
                    step=step.name,
                    by=user,
                    note=form.cleaned_data["discussion"],
                    actions=form.cleaned_data["actions"],
                )
            else:
                services.escalation_take_step(
                    escalation=escalation, step=step.name, by=user, note=form.cleaned_data["note"]
                )
        if outcome.ok:
            messages.success(request, f"{step.label}: done.")
            return redirect("escalations:detail", escalation.pk)
    return render(
        request,
        "escalations/step.html",
        {"escalation": escalation, "form": form, "step": step},
    )
