"""JSON API for actions, action plans and meetings, scoped exactly as the pages. Domain errors
reach the client through the API's one exception handler (qaf.api.api)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from qaf.common.permissions import api_gate

from . import services
from .selectors import (
    action_get_visible,
    action_list_mine,
    action_list_visible,
    action_plan_actions,
    action_plan_get_visible,
    action_plan_list_visible,
    meeting_action_log,
    meeting_get_visible,
    meeting_list_visible,
)
from .workflows import ACTION_WORKFLOW

router = Router(tags=["actions"])


class ActionOut(Schema):
    id: int
    title: str
    description: str
    owner_id: int
    due_date: dt.date
    status: str
    evidence: str
    source: str
    child_id: int | None
    plan_id: int | None
    meeting_id: int | None
    log_reference: str
    effectiveness_checked_at: dt.datetime | None
    completed_at: dt.datetime | None


class StepOut(Schema):
    """A step the caller may take now: PATCH the action with `status` set to `to_status`."""

    name: str
    label: str
    to_status: str
    reason: str
    reason_required: bool

    @staticmethod
    def resolve_to_status(obj: Any) -> str:
        return str(obj.target)


class ActionDetailOut(ActionOut):
    available_steps: list[StepOut]

    @staticmethod
    def resolve_available_steps(obj: Any, context: Any) -> list[Any]:
        return ACTION_WORKFLOW.available(obj, by=context["request"].user)


class ActionUpdateIn(Schema):
    status: str
    evidence: str = ""


class PlanOut(Schema):
    id: int
    kind: str
    title: str
    owner_id: int
    service_id: int | None
    area_id: int | None


class PlanDetailOut(PlanOut):
    actions: list[ActionOut]

    @staticmethod
    def resolve_actions(obj: Any, context: Any) -> list[Any]:
        """Only the plan's actions the caller may see (each keeps its own scope)."""
        return list(action_plan_actions(plan=obj, user=context["request"].user))


class MeetingOut(Schema):
    id: int
    kind: str
    date: dt.date


class MeetingDetailOut(MeetingOut):
    minutes: str
    actions: list[ActionOut]

    @staticmethod
    def resolve_actions(obj: Any, context: Any) -> list[Any]:
        """Only the log's actions the caller may see (each keeps its own scope)."""
        return list(meeting_action_log(meeting=obj, user=context["request"].user))


@router.get("", response=list[ActionOut])
@api_gate("accounts.signed_in")
@paginate
def list_actions(request: HttpRequest, mine: bool = False) -> Any:
    """Actions in your scope (an empty list for roles that see no child)."""
    if mine:
        return action_list_mine(user=request.user)
    return action_list_visible(user=request.user).order_by("due_date", "pk")


@router.get("/{int:action_id}", response=ActionDetailOut)
@api_gate("actions.view_actions")
def get_action(request: HttpRequest, action_id: int) -> Any:
    return action_get_visible(user=request.user, pk=action_id, via="api")


@router.patch("/{int:action_id}", response=ActionDetailOut)
@api_gate("actions.view_actions")
def update_action(
    request: HttpRequest, action_id: int, payload: ActionUpdateIn | None = None
) -> Any:
    if payload is None:
        raise HttpError(400, 'Send a JSON body such as {"status": "done", "evidence": "..."}')
    user: Any = request.user
    action = action_get_visible(user=user, pk=action_id, via="api")
    return services.action_update(
        action=action, by=user, status=payload.status, evidence=payload.evidence
    )


@router.get("/plans", response=list[PlanOut])
@api_gate("accounts.signed_in")
@paginate
def list_plans(request: HttpRequest) -> Any:
    return action_plan_list_visible(user=request.user).order_by("title", "pk")


@router.get("/plans/{int:plan_id}", response=PlanDetailOut)
@api_gate("actions.view_plans")
def get_plan(request: HttpRequest, plan_id: int) -> Any:
    return action_plan_get_visible(user=request.user, pk=plan_id, via="api")


@router.get("/meetings", response=list[MeetingOut])
@api_gate("accounts.signed_in")
@paginate
def list_meetings(request: HttpRequest) -> Any:
    return meeting_list_visible(user=request.user).order_by("-date", "-pk")


@router.get("/meetings/{int:meeting_id}", response=MeetingDetailOut)
@api_gate("actions.view_meetings")
def get_meeting(request: HttpRequest, meeting_id: int) -> Any:
    return meeting_get_visible(user=request.user, pk=meeting_id, via="api")
