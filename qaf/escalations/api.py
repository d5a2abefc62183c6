"""JSON API for escalations: exactly the scoping of the pages (out of scope is 404)."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import Status

from qaf.cases.selectors import child_get_visible
from qaf.common.errors import DomainError, IllegalTransition

from . import services
from .selectors import escalation_dashboard, escalation_get_visible, escalation_list_visible

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

    @staticmethod
    def resolve_steps(obj: Any) -> list[Any]:
        return list(obj.steps.select_related("by"))


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


def _refuse(exc: Exception) -> HttpError:
    if isinstance(exc, PermissionDenied):
        return HttpError(403, str(exc) or "Forbidden")
    if isinstance(exc, IllegalTransition):
        return HttpError(409, str(exc))
    return HttpError(400, str(exc))


@router.get("", response=list[EscalationOut])
@paginate
def list_escalations(request: HttpRequest) -> Any:
    return escalation_list_visible(user=request.user).order_by("deadline_at", "pk")


@router.get("/dashboard", response=DashboardOut)
def escalations_dashboard(request: HttpRequest) -> Any:
    """Council-wide aggregates: no child can be identified."""
    if getattr(request.user, "role", "") == "partner_auditor":
        raise HttpError(404, "Not found")
    return escalation_dashboard()


@router.get("/{int:escalation_id}", response=EscalationDetailOut)
def get_escalation(request: HttpRequest, escalation_id: int) -> Any:
    escalation = escalation_get_visible(user=request.user, pk=escalation_id, via="api")
    if escalation is None:
        raise HttpError(404, "Not found")
    return escalation


@router.post("", response={201: EscalationOut})
def raise_escalation(request: HttpRequest, payload: RaiseIn) -> Any:
    child = child_get_visible(user=request.user, pk=payload.child_id, via="api")
    if child is None:
        raise HttpError(404, "Not found")
    try:
        escalation = services.escalation_raise(
            child=child,
            kind=payload.kind,
            raised_by=request.user,
            source=payload.source,
            reason=payload.reason,
        )
    except (DomainError, PermissionDenied) as exc:
        raise _refuse(exc) from exc
    return Status(201, escalation)


@router.post("/{int:escalation_id}/steps", response=EscalationDetailOut)
def take_step(request: HttpRequest, escalation_id: int, payload: StepIn) -> Any:
    escalation = escalation_get_visible(user=request.user, pk=escalation_id, via="api")
    if escalation is None:
        raise HttpError(404, "Not found")
    try:
        if payload.action == "agree_actions":
            return services.escalation_agree_actions(
                escalation=escalation,
                by=request.user,
                discussion=payload.note,
                actions=payload.actions,
            )
        return services.escalation_transition(
            escalation=escalation, action=payload.action, by=request.user, note=payload.note
        )
    except (DomainError, PermissionDenied) as exc:
        raise _refuse(exc) from exc
