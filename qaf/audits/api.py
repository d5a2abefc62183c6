"""The audit cycle API, under /api/v1/audits/.

The same scoping as the pages, through the same selectors: cycles, their samples, allocations
(pool load), progress and triads are the QA unit's (anyone else gets 404); audits and their
moderation are visible to exactly the accounts that see them on screen (``audit_list_visible``),
and every read of one is written to the access log with ``via = api``. Out of scope is 404.

The one write is a step of an audit's workflow, with the version read: a stale version answers
409 with the saved record, an illegal step 409, a bad input (a missing reason) 422.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from qaf.common.errors import DomainError, IllegalTransition

from . import selectors, services
from .models import Audit, Cycle, Moderation, PoolKind

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

    @staticmethod
    def resolve_team(obj: Audit) -> str:
        return obj.team.name


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


class StepIn(Schema):
    action: str
    row_version: int
    reason: str = ""


def _cycle(request: HttpRequest, cycle_id: int) -> Cycle:
    if not request.user.is_qa_unit:  # type: ignore[union-attr]
        raise HttpError(404, "Not found")
    cycle = selectors.cycle_get(pk=cycle_id)
    if cycle is None:
        raise HttpError(404, "Not found")
    return cycle


def _audit(request: HttpRequest, audit_id: int) -> Audit:
    audit = selectors.audit_get_visible(user=request.user, pk=audit_id, via="api")
    if audit is None:
        raise HttpError(404, "Not found")
    return audit


@router.get("/cycles", response=list[CycleOut])
@paginate
def list_cycles(request: HttpRequest) -> Any:
    if not request.user.is_qa_unit:  # type: ignore[union-attr]
        raise HttpError(404, "Not found")
    return selectors.cycle_list().prefetch_related("phases")


@router.get("/cycles/{int:cycle_id}", response=CycleOut)
def get_cycle(request: HttpRequest, cycle_id: int) -> Any:
    return _cycle(request, cycle_id)


@router.get("/cycles/{int:cycle_id}/sample", response=list[SampledCaseOut])
@paginate
def list_sample(request: HttpRequest, cycle_id: int) -> Any:
    return selectors.sample_list(cycle=_cycle(request, cycle_id)).order_by("pk")


@router.get("/cycles/{int:cycle_id}/allocations", response=AllocationsOut)
def get_allocations(request: HttpRequest, cycle_id: int) -> Any:
    cycle = _cycle(request, cycle_id)
    return {
        "auditors": selectors.pool_load(cycle=cycle, kind=PoolKind.AUDITOR),
        "moderators": selectors.pool_load(cycle=cycle, kind=PoolKind.MODERATOR),
    }


@router.get("/cycles/{int:cycle_id}/progress", response=list[ProgressOut])
def get_progress(request: HttpRequest, cycle_id: int, by: str = "team") -> Any:
    if by not in selectors.GROUPINGS:
        raise HttpError(422, f"Group by one of {', '.join(selectors.GROUPINGS)}.")
    return selectors.cycle_progress(cycle=_cycle(request, cycle_id), by=by)


@router.get("/cycles/{int:cycle_id}/triads", response=list[TriadOut])
def list_triads(request: HttpRequest, cycle_id: int) -> Any:
    return list(selectors.triad_list(cycle=_cycle(request, cycle_id)))


@router.get("", response=list[AuditOut])
@paginate
def list_audits(request: HttpRequest) -> Any:
    return selectors.audit_list_visible(user=request.user).order_by("pk")


@router.get("/{int:audit_id}", response=AuditOut)
def get_audit(request: HttpRequest, audit_id: int) -> Any:
    return _audit(request, audit_id)


@router.get("/{int:audit_id}/moderation", response=ModerationOut)
def get_moderation(request: HttpRequest, audit_id: int) -> Any:
    audit = _audit(request, audit_id)
    moderation = Moderation.objects.filter(audit=audit).first()
    if moderation is None:
        raise HttpError(404, "Not found")
    return moderation


@router.post("/{int:audit_id}/steps", response=AuditOut)
def take_audit_step(request: HttpRequest, audit_id: int, payload: StepIn) -> Any:
    """Start, submit, resume, return or cancel (moderation is started and finalised on its
    page). The same step sent twice with the same version is taken once."""
    audit = _audit(request, audit_id)
    try:
        return services.audit_transition(
            audit=audit,
            action=payload.action,
            by=request.user,
            reason=payload.reason,
            expected_version=payload.row_version,
        )
    except services.AuditConflict as e:
        raise HttpError(409, f"{e} (saved version {e.current.row_version})") from None
    except IllegalTransition as e:
        raise HttpError(409, str(e)) from None
    except DomainError as e:
        raise HttpError(422, str(e)) from None
