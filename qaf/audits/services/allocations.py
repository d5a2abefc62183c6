"""Who audits and who moderates: allocation from the pools, changes by hand, and the pools."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from qaf.accounts.models import User
from qaf.common import clock
from qaf.common.errors import IllegalTransition, Invalid, NotAllowed
from qaf.common.permissions import allowed
from qaf.organisation.models import Staff

from .. import allocation as alloc
from .. import selectors
from ..models import (
    AUDIT_FINAL,
    AUDITOR_EDITABLE,
    AllocationChange,
    AllocationRole,
    Audit,
    AuditStatus,
    Cycle,
    PoolKind,
    PoolMember,
)
from ..workflows import CYCLE_WORKFLOW
from .common import MAX_REASON, clean_text, lock_cycle, require_qa_unit
from .notifications import notify_allocated


@dataclass
class AllocationSummary:
    auditors: int
    moderators: int
    unallocated: dict[int, str]  # audit id -> reason


def allocate_from_pools(*, cycle: Cycle) -> AllocationSummary:
    """Give every open audit of a committed cycle without an auditor (or moderator) one from
    the pool: never someone of the case's own team (or district, if the cycle says so), never
    over capacity, least loaded first, reproducibly (the cycle's seed). Runs inside the caller's
    transaction (cycle_commit, cycle_allocate), which has checked the cycle's workflow."""
    teams = selectors.staff_current_teams()
    # Plain dicts: allocation writes the new auditor/moderator back by field name.
    audits: list[dict[str, Any]] = [
        dict(row)
        for row in Audit.objects.filter(cycle=cycle)
        .exclude(status__in=AUDIT_FINAL)
        .values("pk", "team_id", "team__district_id", "auditor_id", "moderator_id")
    ]
    unallocated: dict[int, str] = {}
    counts = {}
    for kind, field_name in (
        (PoolKind.AUDITOR, "auditor_id"),
        (PoolKind.MODERATOR, "moderator_id"),
    ):
        capacity = selectors.pool_capacity_and_load(cycle=cycle, kind=kind)
        pool = [
            alloc.PoolMember(
                staff_id=staff_id,
                team_ids=teams.get(staff_id, (frozenset(), frozenset()))[0],
                district_ids=teams.get(staff_id, (frozenset(), frozenset()))[1],
                capacity=cap,
                load=load,
            )
            for staff_id, (cap, load) in capacity.items()
        ]
        todo = [
            alloc.CaseToAllocate(
                key=a["pk"], team_id=a["team_id"], district_id=a["team__district_id"]
            )
            for a in audits
            if a[field_name] is None
        ]
        result = alloc.allocate(
            cases=todo,
            pool=pool,
            exclude_own_district=cycle.exclude_own_district,
            seed=cycle.seed + (0 if kind == PoolKind.AUDITOR else 1),
        )
        assignments = dict(result.assignments)
        if kind == PoolKind.MODERATOR:
            auditor_of = {a["pk"]: a["auditor_id"] for a in audits}
            for key, staff_id in list(assignments.items()):
                if auditor_of.get(key) == staff_id:
                    del assignments[key]
                    result.unallocated[key] = "The only moderator left is the audit's auditor"
        _save_assignments(assignments, field_name)
        for a in audits:
            if a["pk"] in assignments:
                a[field_name] = assignments[a["pk"]]
        counts[kind] = len(assignments)
        for key, why in result.unallocated.items():
            label = "No auditor" if kind == PoolKind.AUDITOR else "No moderator"
            unallocated[key] = f"{label}: {why}"
    notify_allocated(cycle)
    return AllocationSummary(
        auditors=counts.get(PoolKind.AUDITOR, 0),
        moderators=counts.get(PoolKind.MODERATOR, 0),
        unallocated=unallocated,
    )


@transaction.atomic
def cycle_allocate(*, cycle: Cycle, by: User) -> AllocationSummary:
    """Allocate what is still unallocated in a committed cycle (after the pools changed)."""
    locked = lock_cycle(cycle)
    CYCLE_WORKFLOW.check(locked, "allocate", by=by)
    return allocate_from_pools(cycle=locked)


def _save_assignments(assignments: Mapping[int, int], field_name: str) -> None:
    """Write audit -> staff assignments in a few batched UPDATEs (a CASE on the key) rather than
    one statement per pool member (about 590 for a county cycle; benchmarks/README.md)."""
    Audit.objects.bulk_update(
        [Audit(pk=key, **{field_name: staff_id}) for key, staff_id in assignments.items()],
        [field_name],
        batch_size=500,
    )


@transaction.atomic
def audit_reallocate(
    *,
    audit: Audit,
    role: str,
    staff: Staff,
    reason: str,
    by: User,
    override: bool = False,
) -> Audit:
    """Change the auditor or moderator by hand. Always with a reason; breaking the peer rule or
    going over capacity needs `override` as well, and the change records that it did."""
    require_qa_unit(by)
    reason = clean_text(reason, "the reason for the change", limit=MAX_REASON)
    if role not in AllocationRole.values:
        raise Invalid("Choose auditor or moderator.")
    locked = Audit.objects.select_for_update().select_related("team", "cycle").get(pk=audit.pk)
    if not allowed(by, "audits.reallocate_audit", locked):
        raise IllegalTransition("A finalised or cancelled audit cannot be reallocated.")
    field_name = "auditor" if role == AllocationRole.AUDITOR else "moderator"
    if role == AllocationRole.MODERATOR and locked.status == AuditStatus.IN_MODERATION:
        raise IllegalTransition("The moderation has started: it cannot change moderator now.")
    if role == AllocationRole.AUDITOR and locked.status not in AUDITOR_EDITABLE:
        raise IllegalTransition("The audit has been submitted: it cannot change auditor now.")
    current = getattr(locked, f"{field_name}_id")
    if current == staff.pk:
        raise Invalid(f"{staff} is already the {field_name}.")
    if not staff.is_active:
        raise Invalid(f"{staff} has left: choose someone else.")
    problems = []
    team_ids, district_ids = selectors.staff_current_teams().get(
        staff.pk, (frozenset(), frozenset())
    )
    if locked.team_id in team_ids:
        problems.append(f"{staff} is in the case's own team")
    if locked.cycle.exclude_own_district and locked.team.district_id in district_ids:
        problems.append(f"{staff} is in the case's own district")
    other = locked.moderator_id if field_name == "auditor" else locked.auditor_id
    if other == staff.pk:
        raise Invalid("The auditor and the moderator must be different people.")
    capacity = selectors.pool_capacity_and_load(
        cycle=locked.cycle,
        kind=PoolKind.AUDITOR if field_name == "auditor" else PoolKind.MODERATOR,
    )
    if staff.pk not in capacity:
        problems.append(f"{staff} is not an active member of the {field_name} pool")
    elif capacity[staff.pk][1] >= capacity[staff.pk][0]:
        problems.append(
            f"{staff} is at capacity ({capacity[staff.pk][1]} of {capacity[staff.pk][0]})"
        )
    if problems and not override:
        raise Invalid(
            "; ".join(problems) + ". To allocate anyway, confirm the override and say why."
        )
    AllocationChange.objects.create(
        audit=locked,
        role=role,
        from_staff_id=current,
        to_staff=staff,
        overrides_rule=bool(problems),
        reason=reason if not problems else f"{reason} (overrides: {'; '.join(problems)})",
        by=by,
        at=clock.now(),
    )
    setattr(locked, field_name, staff)
    locked.row_version += 1
    locked.save()
    return locked


@transaction.atomic
def pool_member_save(
    *,
    kind: str,
    staff: Staff,
    monthly_capacity: int,
    trained_on: dt.date | None,
    active: bool,
    by: User,
) -> PoolMember:
    if not allowed(by, "audits.manage_pools"):
        raise NotAllowed("Only the QA unit can change the auditor and moderator pools.")
    if kind not in PoolKind.values:
        raise Invalid("Choose the auditor or moderator pool.")
    if not 0 <= monthly_capacity <= 50:
        raise Invalid("Monthly capacity must be between 0 and 50.")
    if trained_on is not None and trained_on > clock.today():
        raise Invalid("The training date must be today or in the past.")
    member, _ = PoolMember.objects.update_or_create(
        kind=kind,
        staff=staff,
        defaults={"monthly_capacity": monthly_capacity, "trained_on": trained_on, "active": active},
    )
    return member
