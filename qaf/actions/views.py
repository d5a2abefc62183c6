from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from qaf.common import clock
from qaf.common.errors import DomainError
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
from .models import OPEN_STATUSES, Action
from .selectors import (
    LEADERSHIP_ROLES,
    MEETING_ROLES,
    action_get_visible,
    action_list_mine,
    action_plan_get_visible,
    action_plan_list_visible,
    meeting_action_log,
    meeting_carried_forward,
    meeting_get_visible,
    meeting_list_visible,
    overdue_summary,
    recommendations,
    supervisees_visible,
    supervision_agenda,
)
from .services import LEADERS


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


def _needs_children(user: Any) -> None:
    if not user.sees_children:
        raise Http404


def _owner_choices(user: Any) -> Any:
    return (
        staff_list_visible(user=user).filter(is_active=True).order_by("family_name", "given_name")
    )


@login_required
@require_GET
def my_actions(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _needs_children(user)
    return render(
        request,
        "actions/my_actions.html",
        {
            "head": ["Action", "Source", "Due", "Status"],
            "rows": _action_rows(action_list_mine(user=user), with_owner=False),
            "leader": user.role in LEADERSHIP_ROLES,
            "meetings": user.role in MEETING_ROLES,
            "has_staff": user.staff is not None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    action = action_get_visible(user=user, pk=pk)
    if action is None:
        raise Http404
    form = ActionUpdateForm(
        request.POST if request.method == "POST" else None,
        initial={"status": action.status, "evidence": action.evidence},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(
                action=action,
                by=user,
                status=form.cleaned_data["status"],
                evidence=form.cleaned_data["evidence"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
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
    plan = action.plan
    can_check = (
        plan is not None
        and action.is_open
        and (user.is_qa_unit or (user.staff is not None and plan.owner_id == user.staff.pk))
        and not (user.staff is not None and action.owner_id == user.staff.pk)
    )
    return render(
        request,
        "actions/action_detail.html",
        {
            "action": action,
            "summary": summary,
            "form": form if action.is_open else None,
            "can_check": can_check,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_effectiveness(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    action = action_get_visible(user=user, pk=pk)
    if action is None or action.plan_id is None:
        raise Http404
    form = EffectivenessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_record_effectiveness(
                action=action, by=user, note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Effectiveness check recorded.")
            return redirect("actions:detail", action.pk)
    return render(request, "actions/effectiveness.html", {"action": action, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.role not in services.SETTERS:
        raise Http404
    form = ActionFields(
        request.POST if request.method == "POST" else None, staff=_owner_choices(user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_create(
                title=form.cleaned_data["title"],
                owner=form.cleaned_data["owner"],
                due_date=form.cleaned_data["due_date"],
                source="manual",
                created_by=user,
                description=form.cleaned_data["description"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Action added.")
            return redirect("actions:detail", action.pk)
    return render(
        request,
        "actions/form_page.html",
        {"form": form, "heading": "Add an action", "button": "Add the action"},
    )


@login_required
@require_GET
def supervision(request: HttpRequest, staff_id: int | None = None) -> HttpResponse:
    user: Any = request.user
    _needs_children(user)
    if staff_id is None:
        if user.staff is None:
            raise Http404
        staff = user.staff
    else:
        staff = supervisees_visible(user=user).filter(pk=staff_id).first()
        if staff is None:
            raise Http404
    agenda = supervision_agenda(staff=staff)
    rows = [
        [
            a.title,
            a.child.council_child_id if a.child else "",
            a.get_source_display(),
            f"{a.due_date:%-d %B %Y}",
            _status(a),
        ]
        for a in agenda
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


def _leaders_only(user: Any) -> None:
    if user.role not in LEADERSHIP_ROLES:
        raise Http404


@login_required
@require_GET
def outstanding(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _leaders_only(user)
    form = RecommendationFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {
            "source": form.cleaned_data["source"] or "",
            "service_id": form.cleaned_data["service"].pk if form.cleaned_data["service"] else None,
            "area_id": form.cleaned_data["area"].pk if form.cleaned_data["area"] else None,
        }
    actions = list(recommendations(user=user, **filters)[:500])
    total = len(actions)
    done = sum(1 for a in actions if a.status == "done")
    return render(
        request,
        "actions/outstanding.html",
        {
            "form": form,
            "head": ["Action", "Owner", "Source", "Due", "Status"],
            "rows": _action_rows(actions),
            "total": total,
            "done": done,
            "overdue": sum(1 for a in actions if _is_overdue(a)),
        },
    )


@login_required
@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.role not in MEETING_ROLES:
        raise Http404
    data = overdue_summary(user=user)
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


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.role not in MEETING_ROLES:
        raise Http404
    rows = [
        [
            {"text": p.title, "href": reverse("actions:plan_detail", args=[p.pk])},
            p.get_kind_display(),
            p.owner.full_name,
        ]
        for p in action_plan_list_visible(user=user)
    ]
    return render(
        request,
        "actions/plan_list.html",
        {"head": ["Plan", "Kind", "Owner"], "rows": rows, "can_add": user.role in LEADERS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.role not in LEADERS:
        raise Http404
    form = PlanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.action_plan_create(by=user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Plan created.")
            return redirect("actions:plan_detail", plan.pk)
    return render(
        request,
        "actions/form_page.html",
        {"form": form, "heading": "Create an action plan", "button": "Create the plan"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    plan = action_plan_get_visible(user=user, pk=pk)
    if plan is None:
        raise Http404
    form = ActionFields(
        request.POST if request.method == "POST" else None, staff=_owner_choices(user)
    )
    if request.method == "POST":
        if user.role not in LEADERS:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.action_plan_add_action(
                    plan=plan,
                    by=user,
                    **{
                        "title": form.cleaned_data["title"],
                        "owner": form.cleaned_data["owner"],
                        "due_date": form.cleaned_data["due_date"],
                        "description": form.cleaned_data["description"],
                    },
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Action added to the plan.")
                return redirect("actions:plan_detail", plan.pk)
    actions = plan.actions.select_related("owner").order_by("due_date", "pk")
    return render(
        request,
        "actions/plan_detail.html",
        {
            "plan": plan,
            "head": ["Action", "Owner", "Source", "Due", "Status"],
            "rows": _action_rows(actions),
            "form": form if user.role in LEADERS else None,
            "summary": [
                ("Kind", plan.get_kind_display()),
                ("Owner", plan.owner.full_name),
                ("Service", plan.service or "All services"),
                ("Area", plan.area or "All areas"),
            ],
        },
    )


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.role not in MEETING_ROLES:
        raise Http404
    rows = [
        [
            {"text": f"{m.date:%-d %B %Y}", "href": reverse("actions:meeting_detail", args=[m.pk])},
            m.get_kind_display(),
        ]
        for m in meeting_list_visible(user=user)
    ]
    return render(
        request,
        "actions/meeting_list.html",
        {"head": ["Date", "Meeting"], "rows": rows, "can_add": user.role in LEADERS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.role not in LEADERS:
        raise Http404
    form = MeetingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(by=user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Meeting recorded.")
            return redirect("actions:meeting_detail", meeting.pk)
    return render(
        request,
        "actions/form_page.html",
        {"form": form, "heading": "Record a meeting", "button": "Record the meeting"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    meeting = meeting_get_visible(user=user, pk=pk)
    if meeting is None:
        raise Http404
    leader = user.role in LEADERS
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
        if not leader:
            raise PermissionDenied
        form: Any = action_form if request.POST.get("form") == "action" else minutes_form
        if form.is_valid():
            try:
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
                    messages.success(request, f"Action {action.log_reference} added.")
                else:
                    services.meeting_update_minutes(
                        meeting=meeting, by=user, minutes=form.cleaned_data["minutes"]
                    )
                    messages.success(request, "Minutes saved.")
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
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
        for a in meeting_carried_forward(meeting=meeting)
    ]
    log_head = ["Number", "Action", "Lead", "Source", "Due", "Status"]
    return render(
        request,
        "actions/meeting_detail.html",
        {
            "meeting": meeting,
            "leader": leader,
            "action_form": action_form,
            "minutes_form": minutes_form,
            "log_head": log_head,
            "log_rows": _action_rows(meeting_action_log(meeting=meeting), with_ref=True),
            "carried_head": ["Number", "Action", "Lead", "Meeting", "Due", "Status"],
            "carried_rows": carried,
        },
    )
