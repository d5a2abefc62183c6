"""JSON API for escalations: exactly the scoping of the pages (out of scope is 404). Domain
errors reach the client through the API's one exception handler (qaf.api.api): 422 for bad
input, 403 for a step the person may not take, 409 for a step not possible from the state."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from qaf.cases.selectors import child_get_visible
from qaf.common.permissions import api_gate

from . import services
from .selectors import (
    escalation_dashboard,
    escalation_get_visible,
    escalation_list_visible,
)
from .workflows import ESCALATION_WORKFLOW

router = Router(tags=["escalations"])


class StepOut(Schema):
    action: str
    from_status: str
    to_status: str
    by: str
    at: dt.datetime
    note: str

    @staticmethod
    def resolve_by(obj: Any) -> str:
        return obj.by.username


class AvailableStepOut(Schema):
    """A step the caller may take now: POST it to .../steps as `action`."""

    name: str
    label: str
    to_status: str
    reason: str
    reason_required: bool

    @staticmethod
    def resolve_to_status(obj: Any) -> str:
        return str(obj.target)


class EscalationOut(Schema):
    id: int
    reference: str
    child_id: int
    kind: str
    status: str
    source: str
    reason: str
    district_id: int | None
    team_id: int | None
    raised_at: dt.datetime
    deadline_on: dt.date
    deadline_at: dt.datetime
    signed_off_at: dt.datetime | None
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_reference(obj: Any) -> str:
        return obj.reference_code


class EscalationDetailOut(EscalationOut):
    steps: list[StepOut]
    available_steps: list[AvailableStepOut]

    @staticmethod
    def resolve_steps(obj: Any) -> list[Any]:
        return list(obj.steps.select_related("by"))

    @staticmethod
    def resolve_available_steps(obj: Any, context: Any) -> list[Any]:
        return ESCALATION_WORKFLOW.available(obj, by=context["request"].user)


class RaiseIn(Schema):
    child_id: int
    kind: str
    source: str
    reason: str


class StepIn(Schema):
    action: str
    note: str = ""
    actions: list[str] = []


class DistrictOut(Schema):
    district: str
    open: int
    overdue: int
    signed_off: int
    average_days_to_sign_off: float | None


class PeriodOut(Schema):
    period: str
    raised: int
    due: int
    in_time: int
    share_in_time: int | None


class DashboardOut(Schema):
    open: int
    overdue: int
    districts: list[DistrictOut]
    periods: list[PeriodOut]


@router.get("", response=list[EscalationOut])
@api_gate("accounts.signed_in")
@paginate
def list_escalations(request: HttpRequest) -> Any:
    """Escalations in your scope (an empty list for roles that see no child)."""
    return escalation_list_visible(user=request.user).order_by("deadline_at", "pk")


@router.get("/dashboard", response=DashboardOut)
@api_gate("escalations.view_dashboard")
def escalations_dashboard(request: HttpRequest) -> Any:
    """Council-wide aggregates: no child can be identified."""
    return escalation_dashboard()


@router.get("/{int:escalation_id}", response=EscalationDetailOut)
@api_gate("escalations.view_escalations")
def get_escalation(request: HttpRequest, escalation_id: int) -> Any:
    return escalation_get_visible(user=request.user, pk=escalation_id, via="api")


@router.post("", response={201: EscalationOut})
@api_gate("escalations.raise_escalation")
def raise_escalation(request: HttpRequest, payload: RaiseIn) -> Any:
    user: Any = request.user
    child = child_get_visible(user=user, pk=payload.child_id, via="api")
    escalation = services.escalation_raise(
        child=child,
        kind=payload.kind,
        raised_by=user,
        source=payload.source,
        reason=payload.reason,
    )
    return Status(201, escalation)


@router.post("/{int:escalation_id}/steps", response=EscalationDetailOut)
@api_gate("escalations.view_escalations")
def take_step(request: HttpRequest, escalation_id: int, payload: StepIn) -> Any:
    user: Any = request.user
    escalation = escalation_get_visible(user=user, pk=escalation_id, via="api")
    return services.escalation_take_step(
        escalation=escalation,
        step=payload.action,
        by=user,
        note=payload.note,
        actions=payload.actions,
    )
