"""Planning and running a cycle: templates and their phases, the tools, committing (one audit per
sampled case, then allocation) and closing. The QA unit's work (CYCLE_WORKFLOW)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from qaf.accounts.models import User
from qaf.common import clock
from qaf.common.errors import Conflict, IllegalTransition, Invalid
from qaf.tools.models import ToolVersion, VersionStatus

from ..models import (
    AUDIT_FINAL,
    IN_SAMPLE,
    Audit,
    AuditStatus,
    AuditTransition,
    Cycle,
    CyclePhase,
    CycleStatus,
    CycleTemplate,
    CycleTool,
    PhaseKind,
    SampledCase,
)
from ..workflows import CYCLE_WORKFLOW
from .allocations import allocate_from_pools
from .common import AuditConflict, clean_text, lock_cycle, require_qa_unit
from .samples import sample_rule_from_json

# Templates and phases -------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    days_in_month = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return dt.date(year, month, min(day.day, days_in_month[month - 1]))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


# (kind, round, start offset, length); offsets in months ("m") or weeks ("w").
_PHASES: dict[str, tuple[str, tuple[tuple[str, int, int, int], ...]]] = {
    CycleTemplate.TRI_ANNUAL: (
        "m",
        (
            (PhaseKind.AUDIT, 1, 0, 1),
            (PhaseKind.MODERATION, 1, 1, 1),
            (PhaseKind.APPRECIATIVE_INQUIRY, 1, 1, 1),
            (PhaseKind.AUDIT, 2, 2, 1),
            (PhaseKind.MODERATION, 2, 3, 1),
            (PhaseKind.TRIAD, 2, 3, 1),
        ),
    ),
    CycleTemplate.BI_MONTHLY: (
        "m",
        (
            (PhaseKind.AUDIT, 1, 0, 1),
            (PhaseKind.MODERATION, 1, 1, 1),
            (PhaseKind.APPRECIATIVE_INQUIRY, 1, 1, 1),
        ),
    ),
    CycleTemplate.HALF_OPEN_TWICE_YEARLY: (
        "m",
        (
            (PhaseKind.AUDIT, 1, 0, 2),
            (PhaseKind.MODERATION, 1, 2, 1),
            (PhaseKind.APPRECIATIVE_INQUIRY, 1, 2, 1),
            (PhaseKind.TRIAD, 1, 3, 1),
        ),
    ),
    CycleTemplate.TEN_PERCENT_SIX_WEEKLY: (
        "w",
        (
            (PhaseKind.AUDIT, 1, 0, 3),
            (PhaseKind.MODERATION, 1, 3, 3),
            (PhaseKind.APPRECIATIVE_INQUIRY, 1, 3, 3),
        ),
    ),
    CycleTemplate.DIP_SAMPLE: (
        "w",
        ((PhaseKind.AUDIT, 1, 0, 2), (PhaseKind.MODERATION, 1, 2, 2)),
    ),
}

# What each template samples unless the QA unit says otherwise.
DEFAULT_RULES: dict[str, dict[str, Any]] = {
    CycleTemplate.TRI_ANNUAL: {"per_stratum_quota": 2, "strata": ["team"]},
    CycleTemplate.BI_MONTHLY: {"per_stratum_quota": 1, "strata": ["team"]},
    CycleTemplate.HALF_OPEN_TWICE_YEARLY: {"percentage": 50, "strata": ["team"]},
    CycleTemplate.TEN_PERCENT_SIX_WEEKLY: {
        "percentage": 10,
        "strata": ["service", "kind"],
        "active_within_days": 183,
    },
    CycleTemplate.DIP_SAMPLE: {"per_stratum_quota": 1, "strata": ["team"]},
}


@dataclass(frozen=True)
class PhasePlan:
    kind: str
    round: int
    start_date: dt.date
    end_date: dt.date


def cycle_phases_for(*, template: str, start_date: dt.date) -> list[PhasePlan]:
    if template not in _PHASES:
        raise Invalid(f"Unknown cycle template: {template!r}")
    unit, phases = _PHASES[template]
    plans = []
    for kind, round_, offset, length in phases:
        if unit == "m":
            start = _add_months(start_date, offset)
            end = _add_months(start_date, offset + length) - dt.timedelta(days=1)
        else:
            start = start_date + dt.timedelta(weeks=offset)
            end = start_date + dt.timedelta(weeks=offset + length) - dt.timedelta(days=1)
        plans.append(PhasePlan(kind, round_, start, end))
    return plans


# Cycles ---------------------------------------------------------------------------------------


@transaction.atomic
def cycle_create(
    *,
    name: str,
    template: str,
    start_date: dt.date,
    rule: Mapping[str, Any] | None,
    seed: int,
    by: User,
    exclude_own_district: bool = False,
) -> Cycle:
    require_qa_unit(by)
    name = clean_text(name, "a name for the cycle", limit=160)
    if template not in CycleTemplate.values:
        raise Invalid("Choose a cycle template.")
    rule_data = dict(rule if rule is not None else DEFAULT_RULES[template])
    sample_rule_from_json(data=rule_data, seed=seed)
    cycle = Cycle.objects.create(
        name=name,
        template=template,
        start_date=start_date,
        sample_rule=rule_data,
        seed=seed,
        exclude_own_district=exclude_own_district,
        created_by=by,
        created_at=clock.now(),
    )
    CyclePhase.objects.bulk_create(
        CyclePhase(
            cycle=cycle,
            order=i,
            kind=p.kind,
            round=p.round,
            start_date=p.start_date,
            end_date=p.end_date,
        )
        for i, p in enumerate(cycle_phases_for(template=template, start_date=start_date), 1)
    )
    return cycle


@transaction.atomic
def cycle_choose_tools(*, cycle: Cycle, choice: Mapping[int, int], by: User) -> None:
    """service id -> published tool version id, for the cycle's audits. Possible until the
    cycle is closed, but never for a service whose audits have started on another tool."""
    require_qa_unit(by)
    locked = lock_cycle(cycle)
    if locked.status in CYCLE_WORKFLOW.final:
        raise IllegalTransition("The cycle is closed: its tools can no longer change.")
    versions = ToolVersion.objects.in_bulk(list(choice.values()))
    for service_id, version_id in choice.items():
        version = versions.get(version_id)
        if version is None or version.status != VersionStatus.PUBLISHED:
            raise Invalid("Choose a published tool version for each service.")
        existing = CycleTool.objects.filter(cycle=locked, service_id=service_id).first()
        started = Audit.objects.filter(
            cycle=locked, team__service_id=service_id, form__isnull=False
        ).exists()
        if existing is not None and existing.tool_version_id != version_id and started:
            raise Conflict(
                "Audits of this service have started on the chosen tool: it cannot change."
            )
        CycleTool.objects.update_or_create(
            cycle=locked, service_id=service_id, defaults={"tool_version_id": version_id}
        )


def cycle_tool_for(*, cycle: Cycle, service_id: int) -> ToolVersion:
    """The tool version the cycle's audits of a service use; Conflict until one is chosen."""
    found = (
        CycleTool.objects.filter(cycle=cycle, service_id=service_id)
        .select_related("tool_version")
        .first()
    )
    if found is None:
        raise Conflict(
            "The QA unit has not chosen a tool for this service in this cycle: ask them to."
        )
    return found.tool_version


def _audit_rounds(cycle: Cycle) -> dict[int, tuple[dt.date, dt.date]]:
    """round -> (audit due date, moderation due date)."""
    phases = list(cycle.phases.all())
    rounds: dict[int, tuple[dt.date, dt.date]] = {}
    for phase in phases:
        if phase.kind == PhaseKind.AUDIT:
            moderation = next(
                (p for p in phases if p.kind == PhaseKind.MODERATION and p.round == phase.round),
                None,
            )
            rounds[phase.round] = (
                phase.end_date,
                moderation.end_date if moderation else phase.end_date,
            )
    return rounds


@transaction.atomic
def cycle_commit(*, cycle: Cycle, by: User, expected_version: int) -> Cycle:
    """Fix the sample: one audit for each case in it, spread over the cycle's audit rounds,
    then allocate auditors and moderators from the pools, all in this one transaction.
    Committing twice (a double click, a retry) commits once."""
    locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
    repeat = locked.status == CycleStatus.COMMITTED and locked.row_version == expected_version + 1
    if repeat and CYCLE_WORKFLOW.step("commit").who(by, locked):
        return locked  # the same request again (a double click, a retry)
    CYCLE_WORKFLOW.check(locked, "commit", by=by)
    if locked.row_version != expected_version:
        raise AuditConflict(current=locked, attempted={})
    cases = list(
        SampledCase.objects.filter(cycle=locked, status__in=IN_SAMPLE)
        .select_related("involvement")
        .order_by("pk")
    )
    if not cases:
        raise Conflict("The sample is empty: draw the sample or add cases before committing.")
    rounds = _audit_rounds(locked)
    round_keys = sorted(rounds)
    now = clock.now()
    audits = Audit.objects.bulk_create(
        Audit(
            cycle=locked,
            sampled_case=case,
            child_id=case.child_id,
            involvement_id=case.involvement_id,
            team_id=case.team_id,
            practitioner_id=case.involvement.allocated_worker_id,
            due_date=rounds[round_keys[i % len(round_keys)]][0],
            moderation_due_date=rounds[round_keys[i % len(round_keys)]][1],
        )
        for i, case in enumerate(cases)
    )
    if not all(a.pk for a in audits):  # backends without RETURNING
        audits = list(Audit.objects.filter(cycle=locked))
    AuditTransition.objects.bulk_create(
        AuditTransition(
            audit=a,
            from_status="",
            to_status=AuditStatus.ALLOCATED,
            by=by,
            at=now,
            reason="Cycle committed",
        )
        for a in audits
    )
    CYCLE_WORKFLOW.move(locked, "commit", by=by)
    locked.committed_at = now
    locked.row_version += 1
    locked.save()
    allocate_from_pools(cycle=locked)
    return locked


@transaction.atomic
def cycle_close(*, cycle: Cycle, by: User) -> Cycle:
    """Close a committed cycle once every audit in it is finalised or cancelled."""
    locked = lock_cycle(cycle)
    CYCLE_WORKFLOW.check(locked, "close", by=by)
    if Audit.objects.filter(cycle=locked).exclude(status__in=AUDIT_FINAL).exists():
        raise Conflict("Every audit must be finalised or cancelled before closing the cycle.")
    CYCLE_WORKFLOW.move(locked, "close", by=by)
    locked.row_version += 1
    locked.save()
    return locked
