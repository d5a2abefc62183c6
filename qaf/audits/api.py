"""The audit cycle API, under /api/v1/audits/.

The same scoping as the pages, through the same selectors and the same named permissions
(permissions.py): cycles, their samples, allocations (pool load), progress and triads are the
QA unit's (anyone else gets 404); audits and their moderation are visible to exactly the
accounts that see them on screen (``audit_list_visible``), and every read of one is written to
the access log with ``via = api``. Out of scope is 404.

The one write is a step of an audit's workflow, with the version read. Refusals are the
services' typed errors, answered by the API's one exception handler (qaf/api/api.py): 403 for a
step that is not the caller's to take, 404 out of scope, 409 for a stale version or a step not
possible from the audit's state, 422 for a bad input (a missing reason).

(No `from __future__ import annotations`: ninja reads the operations' annotations through the
gate's wrapper, which cannot resolve names given as strings.)
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from qaf.common.errors import Invalid
from qaf.common.permissions import api_gate

from . import selectors, services
from .models import Audit, Cycle, PoolKind
from .permissions import signed_in
from .workflows import AUDIT_WORKFLOW, MODERATION_STEPS

router = Router(tags=["audit cycle"])


class PhaseOut(Schema):
    kind: str
    round: int
    start_date: dt.date
    end_date: dt.date


class CycleOut(Schema):
    id: int
    name: str
    template: str
    start_date: dt.date
    status: str
    sample_rule: dict[str, Any]
    seed: int
    exclude_own_district: bool
    committed_at: dt.datetime | None
    row_version: int
    phases: list[PhaseOut]

    @staticmethod
    def resolve_phases(obj: Cycle) -> list[Any]:
        return list(obj.phases.all())


class SampledCaseOut(Schema):
    id: int
    child_id: int
    council_child_id: str
    team: str
    reason: str
    status: str
    status_reason: str

    @staticmethod
    def resolve_council_child_id(obj: Any) -> str:
        return obj.child.council_child_id

    @staticmethod
    def resolve_team(obj: Any) -> str:
        return obj.team.name


class LoadOut(Schema):
    staff_id: int
    name: str
    capacity: int
    load: int
    open: int


class AllocationsOut(Schema):
    auditors: list[LoadOut]
    moderators: list[LoadOut]


class ProgressOut(Schema):
    name: str
    counts: dict[str, int]
    overdue: int
    total: int


class TriadOut(Schema):
    id: int
    date: dt.date
    audit_ids: list[int]
    discussion: str
    variance_reasons: str
    learning: str

    @staticmethod
    def resolve_audit_ids(obj: Any) -> list[int]:
        return sorted(a.pk for a in obj.audits.all())


class AuditOut(Schema):
    id: int
    reference: str
    cycle_id: int
    child_id: int
    team: str
    status: str
    auditor_id: int | None
    moderator_id: int | None
    practitioner_id: int | None
    due_date: dt.date
    moderation_due_date: dt.date
    submitted_section_grades: dict[str, str]
    submitted_overall_grade: str
    submitted_at: dt.datetime | None
    finalised_at: dt.datetime | None
    row_version: int
    steps: list[str]  # the steps this account may take now through POST .../steps

    @staticmethod
    def resolve_team(obj: Audit) -> str:
        return obj.team.name

    @staticmethod
    def resolve_steps(obj: Audit, context: Any) -> list[str]:
        user = signed_in(context["request"])
        offered = AUDIT_WORKFLOW.available(obj, by=user)
        return [s.name for s in offered if s.name not in MODERATION_STEPS]


class ModerationOut(Schema):
    audit_id: int
    moderator_id: int
    status: str
    meeting_date: dt.date | None
    attendees: str
    section_grades: dict[str, Any]
    overall_grade: str
    overall_reason: str
    action_checks: dict[str, str]
    outcome: str
    finalised_at: dt.datetime | None
    row_version: int


class ErrorOut(Schema):
    detail: str


class StepIn(Schema):
    action: str
    row_version: int
    reason: str = ""


@router.get("/cycles", response=list[CycleOut])
@paginate
@api_gate("audits.plan_cycles")
def list_cycles(request: HttpRequest) -> Any:
    return selectors.cycle_list().prefetch_related("phases")


@router.get("/cycles/{int:cycle_id}", response={200: CycleOut, 404: ErrorOut})
@api_gate("audits.plan_cycles")
def get_cycle(request: HttpRequest, cycle_id: int) -> Any:
    return selectors.cycle_get(pk=cycle_id)


@router.get("/cycles/{int:cycle_id}/sample", response=list[SampledCaseOut])
@paginate
@api_gate("audits.plan_cycles")
def list_sample(request: HttpRequest, cycle_id: int) -> Any:
    return selectors.sample_list(cycle=selectors.cycle_get(pk=cycle_id)).order_by("pk")


@router.get("/cycles/{int:cycle_id}/allocations", response={200: AllocationsOut, 404: ErrorOut})
@api_gate("audits.plan_cycles")
def get_allocations(request: HttpRequest, cycle_id: int) -> Any:
    cycle = selectors.cycle_get(pk=cycle_id)
    return {
        "auditors": selectors.pool_load(cycle=cycle, kind=PoolKind.AUDITOR),
        "moderators": selectors.pool_load(cycle=cycle, kind=PoolKind.MODERATOR),
    }


@router.get(
    "/cycles/{int:cycle_id}/progress",
    response={200: list[ProgressOut], 404: ErrorOut, 422: ErrorOut},
)
@api_gate("audits.plan_cycles")
def get_progress(request: HttpRequest, cycle_id: int, by: str = "team") -> Any:
    if by not in selectors.GROUPINGS:
        raise Invalid(f"Group by one of {', '.join(selectors.GROUPINGS)}.")
    return selectors.cycle_progress(cycle=selectors.cycle_get(pk=cycle_id), by=by)


@router.get("/cycles/{int:cycle_id}/triads", response={200: list[TriadOut], 404: ErrorOut})
@api_gate("audits.plan_cycles")
def list_triads(request: HttpRequest, cycle_id: int) -> Any:
    return list(selectors.triad_list(cycle=selectors.cycle_get(pk=cycle_id)))


@router.get("", response=list[AuditOut])
@paginate
@api_gate("accounts.signed_in")  # the list is scoped: empty for a role that sees no audit
def list_audits(request: HttpRequest) -> Any:
    return selectors.audit_list_visible(user=signed_in(request)).order_by("pk")


@router.get("/{int:audit_id}", response={200: AuditOut, 404: ErrorOut})
@api_gate("audits.view_audits")
def get_audit(request: HttpRequest, audit_id: int) -> Any:
    return selectors.audit_get_visible(user=signed_in(request), pk=audit_id, via="api")


@router.get("/{int:audit_id}/moderation", response={200: ModerationOut, 404: ErrorOut})
@api_gate("audits.view_audits")
def get_moderation(request: HttpRequest, audit_id: int) -> Any:
    audit = selectors.audit_get_visible(user=signed_in(request), pk=audit_id, via="api")
    return selectors.moderation_get(audit=audit)


@router.post(
    "/{int:audit_id}/steps",
    response={200: AuditOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
@api_gate("audits.view_audits")
def take_audit_step(request: HttpRequest, audit_id: int, payload: StepIn) -> Any:
    """Start, submit, resume, return or cancel (moderation is started and finalised on its
    page). 403: not a step this account may take on this audit; 409: the version is stale
    (nothing saved) or the step is not possible from the audit's state; 422: a missing or too
    long reason, or an incomplete form. The same step sent twice with the same version is
    taken once."""
    user = signed_in(request)
    audit = selectors.audit_get_visible(user=user, pk=audit_id, via="api")
    return services.audit_transition(
        audit=audit,
        action=payload.action,
        by=user,
        reason=payload.reason,
        expected_version=payload.row_version,
    )
