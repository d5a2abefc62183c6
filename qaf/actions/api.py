"""JSON API for actions, action plans and meetings, scoped exactly as the pages."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from qaf.common.errors import DomainError, IllegalTransition

from . import services
from .selectors import (
    action_get_visible,
    action_list_mine,
    action_list_visible,
    action_plan_get_visible,
    action_plan_list_visible,
    meeting_action_log,
    meeting_get_visible,
    meeting_list_visible,
)

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
    def resolve_actions(obj: Any) -> list[Any]:
        return list(obj.actions.order_by("due_date", "pk"))


class MeetingOut(Schema):
    id: int
    kind: str
    date: dt.date


class MeetingDetailOut(MeetingOut):
    minutes: str
    actions: list[ActionOut]

    @staticmethod
    def resolve_actions(obj: Any) -> list[Any]:
        return list(meeting_action_log(meeting=obj))


@router.get("", response=list[ActionOut])
@paginate
def list_actions(request: HttpRequest, mine: bool = False) -> Any:
    if mine:
        return action_list_mine(user=request.user)
    return action_list_visible(user=request.user).order_by("due_date", "pk")


@router.get("/{int:action_id}", response=ActionOut)
def get_action(request: HttpRequest, action_id: int) -> Any:
    action = action_get_visible(user=request.user, pk=action_id)
    if action is None:
        raise HttpError(404, "Not found")
    return action


@router.patch("/{int:action_id}", response=ActionOut)
def update_action(
    request: HttpRequest, action_id: int, payload: ActionUpdateIn | None = None
) -> Any:
    if payload is None:
        raise HttpError(400, 'Send a JSON body such as {"status": "done", "evidence": "..."}')
    action = action_get_visible(user=request.user, pk=action_id)
    if action is None:
        raise HttpError(404, "Not found")
    try:
        return services.action_update(
            action=action, by=request.user, status=payload.status, evidence=payload.evidence
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    except IllegalTransition as exc:
        raise HttpError(409, str(exc)) from exc
    except DomainError as exc:
        raise HttpError(400, str(exc)) from exc


@router.get("/plans", response=list[PlanOut])
@paginate
def list_plans(request: HttpRequest) -> Any:
    return action_plan_list_visible(user=request.user).order_by("title", "pk")


@router.get("/plans/{int:plan_id}", response=PlanDetailOut)
def get_plan(request: HttpRequest, plan_id: int) -> Any:
    plan = action_plan_get_visible(user=request.user, pk=plan_id)
    if plan is None:
        raise HttpError(404, "Not found")
    return plan


@router.get("/meetings", response=list[MeetingOut])
@paginate
def list_meetings(request: HttpRequest) -> Any:
    return meeting_list_visible(user=request.user).order_by("-date", "-pk")


@router.get("/meetings/{int:meeting_id}", response=MeetingDetailOut)
def get_meeting(request: HttpRequest, meeting_id: int) -> Any:
    meeting = meeting_get_visible(user=request.user, pk=meeting_id)
    if meeting is None:
        raise HttpError(404, "Not found")
    return meeting
