"""Action pages: your actions, supervision agendas, getting to outstanding, overdue summaries,
plans and meetings. Each view has one gate (permissions.py); services enforce the rules."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from qaf.common import clock
from qaf.common.forms import service_errors
from qaf.common.permissions import allowed, gate, require
from qaf.organisation.models import Staff
from qaf.organisation.selectors import staff_list_visible

from . import services
from .forms import (
    ActionFields,
    ActionUpdateForm,
    EffectivenessForm,
    MeetingActionForm,
    MeetingForm,
    MinutesForm,
    PlanForm,
    RecommendationFilterForm,
)
from .models import OPEN_STATUSES, Action, ActionStatus
from .selectors import (
    action_get_visible,
    action_list_mine,
    action_plan_actions,
    action_plan_get_visible,
    action_plan_list_visible,
    meeting_action_log,
    meeting_carried_forward,
    meeting_get_visible,
    meeting_list_visible,
    overdue_summary,
    plan_action_get_visible,
    recommendations,
    supervisee_get_visible,
    supervision_agenda,
)
from .workflows import ACTION_WORKFLOW


def _is_overdue(action: Action) -> bool:
    return action.status in OPEN_STATUSES and action.due_date < clock.today()


def _status(action: Action) -> str:
    return action.get_status_display() + (" (overdue)" if _is_overdue(action) else "")


def _action_rows(
    actions: Any, *, with_owner: bool = True, with_ref: bool = False
) -> list[list[Any]]:
    rows = []
    for a in actions:
        row: list[Any] = []
        if with_ref:
            row.append(a.log_reference)
        row.append({"text": a.title, "href": reverse("actions:detail", args=[a.pk])})
        if with_owner:
            row.append(a.owner.full_name)
        row += [a.get_source_display(), f"{a.due_date:%-d %B %Y}", _status(a)]
        rows.append(row)
    return rows


def _owner_choices(user: Any) -> Any:
    return (
        staff_list_visible(user=user).filter(is_active=True).order_by("family_name", "given_name")
    )


@gate("actions.view_actions")
@require_GET
def my_actions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "actions/my_actions.html",
        {
            "head": ["Action", "Source", "Due", "Status"],
            "rows": _action_rows(action_list_mine(user=request.user), with_owner=False),
        },
    )


def _status_choices(action: Action, user: Any) -> list[tuple[str, str]]:
    """The action's status and each status a step this person may take now reaches."""
    reachable = {action.status} | {s.target for s in ACTION_WORKFLOW.available(action, by=user)}
    return [(value, label) for value, label in ActionStatus.choices if value in reachable]


@gate("actions.view_actions")
@require_http_methods(["GET", "POST"])
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    action = action_get_visible(user=user, pk=pk)
    choices = _status_choices(action, user)
    form = ActionUpdateForm(
        request.POST if request.method == "POST" else None,
        initial={"status": action.status, "evidence": action.evidence},
        choices=choices,
    )
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as outcome:
            services.action_update(
                action=action,
                by=user,
                status=form.cleaned_data["status"],
                evidence=form.cleaned_data["evidence"],
            )
        if outcome.ok:
            messages.success(request, "Action updated.")
            return redirect("actions:detail", action.pk)
    summary = [
        ("Owner", action.owner.full_name),
        ("Due", f"{action.due_date:%-d %B %Y}"),
        ("Status", _status(action)),
        ("Source", action.get_source_display()),
        ("Details", action.description),
        ("Evidence of completion", action.evidence),
    ]
    if action.log_reference:
        summary.insert(0, ("Action log", f"{action.meeting}, action {action.log_reference}"))
    if action.child is not None:
        summary.append(("Child", action.child.council_child_id))
    if action.plan is not None:
        summary.append(("Plan", action.plan.title))
        summary.append(("Effectiveness check", action.effectiveness_note or "Not yet checked"))
    may_update = len(choices) > 1
    return render(
        request,
        "actions/action_detail.html",
        {
            "action": action,
            "summary": summary,
            "form": form if may_update or form.errors else None,
            "can_check": action.is_open and allowed(user, "actions.check_effectiveness", action),
        },
    )


@gate("actions.view_actions")
@require_http_methods(["GET", "POST"])
def action_effectiveness(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    action = plan_action_get_visible(user=user, pk=pk)
    form = EffectivenessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as outcome:
            services.action_record_effectiveness(
                action=action, by=user, note=form.cleaned_data["note"]
            )
        if outcome.ok:
            messages.success(request, "Effectiveness check recorded.")
            return redirect("actions:detail", action.pk)
    return render(request, "actions/effectiveness.html", {"action": action, "form": form})


@gate("actions.set_actions")
@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = ActionFields(
        request.POST if request.method == "POST" else None, staff=_owner_choices(user)
    )
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as outcome:
            action = services.action_set(
                title=form.cleaned_data["title"],
                owner=form.cleaned_data["owner"],
                due_date=form.cleaned_data["due_date"],
                by=user,
                description=form.cleaned_data["description"],
            )
        if outcome.ok:
            messages.success(request, "Action added.")
            return redirect("actions:detail", action.pk)
    return render(
        request,
        "actions/form_page.html",
        {"form": form, "heading": "Add an action", "button": "Add the action"},
    )


def _supervision_page(request: HttpRequest, staff: Staff) -> HttpResponse:
    rows = [
        [
            a.title,
            a.child.council_child_id if a.child else "",
            a.get_source_display(),
            f"{a.due_date:%-d %B %Y}",
            _status(a),
        ]
        for a in supervision_agenda(staff=staff)
    ]
    return render(
        request,
        "actions/supervision.html",
        {
            "staff": staff,
            "head": ["Action", "Child", "Source", "Due", "Status"],
            "rows": rows,
            "today": clock.today(),
        },
    )


@gate("actions.view_own_supervision_agenda")
@require_GET
def supervision(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    return _supervision_page(request, user.staff)


@gate("actions.view_actions")
@require_GET
def supervision_for(request: HttpRequest, staff_id: int) -> HttpResponse:
    return _supervision_page(request, supervisee_get_visible(user=request.user, pk=staff_id))


@gate("actions.view_recommendations")
@require_GET
def outstanding(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = RecommendationFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {
            "source": form.cleaned_data["source"] or "",
            "service_id": form.cleaned_data["service"].pk if form.cleaned_data["service"] else None,
            "area_id": form.cleaned_data["area"].pk if form.cleaned_data["area"] else None,
        }
    actions = list(recommendations(user=user, **filters)[:500])
    return render(
        request,
        "actions/outstanding.html",
        {
            "form": form,
            "head": ["Action", "Owner", "Source", "Due", "Status"],
            "rows": _action_rows(actions),
            "total": len(actions),
            "done": sum(1 for a in actions if a.status == ActionStatus.DONE),
            "overdue": sum(1 for a in actions if _is_overdue(a)),
        },
    )


@gate("actions.view_overdue")
@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    data = overdue_summary(user=request.user)
    return render(
        request,
        "actions/overdue.html",
        {
            "numeric": [1],
            "tables": [
                ("Overdue actions by owner", ["Owner", "Overdue"], data["owner"]),
                ("Overdue actions by team", ["Team", "Overdue"], data["team"]),
                ("Overdue actions by source", ["Source", "Overdue"], data["source"]),
            ],
        },
    )


@gate("actions.view_plans")
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    rows = [
        [
            {"text": p.title, "href": reverse("actions:plan_detail", args=[p.pk])},
            p.get_kind_display(),
            p.owner.full_name,
        ]
        for p in action_plan_list_visible(user=request.user)
    ]
    return render(
        request, "actions/plan_list.html", {"head": ["Plan", "Kind", "Owner"], "rows": rows}
    )


@gate("actions.manage_plans")
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = PlanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as outcome:
            plan = services.action_plan_create(by=user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, "Plan created.")
            return redirect("actions:plan_detail", plan.pk)
    return render(
        request,
        "actions/form_page.html",
        {"form": form, "heading": "Create an action plan", "button": "Create the plan"},
    )


@gate("actions.view_plans")
@require_http_methods(["GET", "POST"])
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    plan = action_plan_get_visible(user=user, pk=pk)
    form = ActionFields(
        request.POST if request.method == "POST" else None, staff=_owner_choices(user)
    )
    if request.method == "POST":
        require(user, "actions.manage_plans")
        if form.is_valid():
            with service_errors(form) as outcome:
                services.action_plan_add_action(
                    plan=plan,
                    by=user,
                    title=form.cleaned_data["title"],
                    owner=form.cleaned_data["owner"],
                    due_date=form.cleaned_data["due_date"],
                    description=form.cleaned_data["description"],
                )
            if outcome.ok:
                messages.success(request, "Action added to the plan.")
                return redirect("actions:plan_detail", plan.pk)
    return render(
        request,
        "actions/plan_detail.html",
        {
            "plan": plan,
            "head": ["Action", "Owner", "Source", "Due", "Status"],
            "rows": _action_rows(action_plan_actions(plan=plan, user=user)),
            "form": form if allowed(user, "actions.manage_plans") else None,
            "summary": [
                ("Kind", plan.get_kind_display()),
                ("Owner", plan.owner.full_name),
                ("Service", plan.service or "All services"),
                ("Area", plan.area or "All areas"),
            ],
        },
    )


@gate("actions.view_meetings")
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    rows = [
        [
            {"text": f"{m.date:%-d %B %Y}", "href": reverse("actions:meeting_detail", args=[m.pk])},
            m.get_kind_display(),
        ]
        for m in meeting_list_visible(user=request.user)
    ]
    return render(request, "actions/meeting_list.html", {"head": ["Date", "Meeting"], "rows": rows})


@gate("actions.record_meetings")
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = MeetingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as outcome:
            meeting = services.meeting_create(by=user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, "Meeting recorded.")
            return redirect("actions:meeting_detail", meeting.pk)
    return render(
        request,
        "actions/form_page.html",
        {"form": form, "heading": "Record a meeting", "button": "Record the meeting"},
    )


@gate("actions.view_meetings")
@require_http_methods(["GET", "POST"])
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    meeting = meeting_get_visible(user=user, pk=pk)
    action_form = MeetingActionForm(
        request.POST if request.POST.get("form") == "action" else None,
        staff=_owner_choices(user),
        initial={"item_number": services.meeting_next_item_number(meeting=meeting)},
    )
    minutes_form = MinutesForm(
        request.POST if request.POST.get("form") == "minutes" else None,
        initial={"minutes": meeting.minutes},
        prefix="minutes",
    )
    if request.method == "POST":
        require(user, "actions.record_meetings")
        form: Any = action_form if request.POST.get("form") == "action" else minutes_form
        if form.is_valid():
            with service_errors(form) as outcome:
                if form is action_form:
                    action = services.meeting_add_action(
                        meeting=meeting,
                        item_number=form.cleaned_data["item_number"],
                        title=form.cleaned_data["title"],
                        lead=form.cleaned_data["owner"],
                        due_date=form.cleaned_data["due_date"],
                        by=user,
                        description=form.cleaned_data["description"],
                    )
                    done = f"Action {action.log_reference} added."
                else:
                    services.meeting_update_minutes(
                        meeting=meeting, by=user, minutes=form.cleaned_data["minutes"]
                    )
                    done = "Minutes saved."
            if outcome.ok:
                messages.success(request, done)
                return redirect("actions:meeting_detail", meeting.pk)
    carried = [
        [
            a.log_reference,
            {"text": a.title, "href": reverse("actions:detail", args=[a.pk])},
            a.owner.full_name,
            f"{a.meeting.date:%-d %B %Y}" if a.meeting else "",
            f"{a.due_date:%-d %B %Y}",
            _status(a),
        ]
        for a in meeting_carried_forward(meeting=meeting, user=user)
    ]
    return render(
        request,
        "actions/meeting_detail.html",
        {
            "meeting": meeting,
            "action_form": action_form,
            "minutes_form": minutes_form,
            "log_head": ["Number", "Action", "Lead", "Source", "Due", "Status"],
            "log_rows": _action_rows(meeting_action_log(meeting=meeting, user=user), with_ref=True),
            "carried_head": ["Number", "Action", "Lead", "Meeting", "Due", "Status"],
            "carried_rows": carried,
        },
    )
