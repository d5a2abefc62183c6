"""Writes for the audit cycle: planning, sampling, allocation, audits, moderation, triads,
appreciative inquiry and the daily sweep of reminders.

Every state-changing function is atomic; emails go through ``notification_send`` (after commit).
An audit's status changes only in ``audit_transition`` (the table is ``transitions.TRANSITIONS``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.urls import reverse

from qaf.accounts.models import Role
from qaf.actions.models import Action, ActionSource
from qaf.actions.services import action_create
from qaf.cases.models import Child, Involvement
from qaf.common import clock
from qaf.common.errors import DomainError, IllegalTransition
from qaf.common.notifications import notification_send
from qaf.organisation.models import JobRole, Staff, Team, TeamMembership

from . import allocation as alloc
from .agreement import GRADE_ORDER, outcome_for
from .models import (
    IN_SAMPLE,
    ActionCheck,
    AllocationChange,
    AllocationRole,
    AppreciativeInquiry,
    Audit,
    AuditReminder,
    AuditStatus,
    AuditTransition,
    ConcernDecision,
    Cycle,
    CyclePhase,
    CycleStatus,
    CycleTemplate,
    Moderation,
    ModerationStatus,
    PhaseKind,
    PoolKind,
    PoolMember,
    Reflection,
    ReminderKind,
    SampledCase,
    SampleStatus,
    Triad,
)
from .sampling import STRATUM_FIELDS, Candidate, Criterion, SampleRule, draw_sample
from .transitions import AUDITOR_EDITABLE, FINAL_STATES, TRANSITIONS, transition_for

if TYPE_CHECKING:
    from qaf.escalations.models import Escalation
    from qaf.escalations.services import EscalationProposal

MAX_CONCERN_REASON = 5000

MAX_REASON = 500
MAX_TEXT = 20_000
REMINDER_DAYS_BEFORE = 3
GRADE_LABELS = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
}


# Conflicts ------------------------------------------------------------------------------------


class AuditConflict(DomainError):
    """Someone changed the record after the caller read it. `current` is the record as saved
    now; `attempted` what the caller tried to save. Nothing was saved; the page shows both."""

    def __init__(
        self, *, current: Cycle | Audit | Moderation, attempted: Mapping[str, Any]
    ) -> None:
        self.current = current
        self.attempted = dict(attempted)
        super().__init__(
            "This was changed by someone else after you opened the page. Your changes have not "
            "been saved: compare them with the saved version below and save again."
        )


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
        raise DomainError(f"Unknown cycle template: {template!r}")
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


# Sample rules ---------------------------------------------------------------------------------


def sample_rule_from_json(*, data: Mapping[str, Any], seed: int) -> SampleRule:
    """Build (and so validate) a SampleRule from its stored JSON. Bad rules raise DomainError."""
    try:
        criteria = tuple(
            Criterion(field=str(c["field"]), value=str(c["value"]))
            for c in data.get("include_criteria", [])
        )
        for c in criteria:
            if c.field not in STRATUM_FIELDS:
                raise ValueError(
                    f"A line of inquiry can match {', '.join(STRATUM_FIELDS)}, not {c.field!r}"
                )
        return SampleRule(
            seed=seed,
            per_stratum_quota=data.get("per_stratum_quota"),
            percentage=data.get("percentage"),
            strata=tuple(data.get("strata") or ("team",)),
            active_within_days=data.get("active_within_days"),
            exclude_audited_within_months=data.get("exclude_audited_within_months"),
            include_vulnerability_register=bool(data.get("include_vulnerability_register")),
            include_criteria=criteria,
            services=tuple(data.get("services") or ()),
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise DomainError(str(exc)) from exc


def candidate_list(*, today: dt.date, active_within_days: int | None = None) -> list[Candidate]:
    """Every involvement open today (or, with a window, closed within it), with its team,
    district, service and the child's last audit date: one query."""
    window_start = today - dt.timedelta(days=active_within_days or 0)
    last_audit = (
        Audit.objects.filter(child_id=OuterRef("child_id"), submitted_at__isnull=False)
        .exclude(status=AuditStatus.CANCELLED)
        .values("child_id")
        .annotate(last=Max("submitted_at"))
        .values("last")[:1]
    )
    rows = (
        Involvement.objects.filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=window_start))
        .annotate(last_audited=Subquery(last_audit))
        .values_list(
            "child_id",
            "pk",
            "team_id",
            "team__name",
            "team__district_id",
            "team__service__key",
            "kind",
            "start_date",
            "end_date",
            "child__on_vulnerability_register",
            "last_audited",
        )
        .order_by()
    )
    return [
        Candidate(
            child_id=r[0],
            involvement_id=r[1],
            team_id=r[2],
            team_name=r[3],
            district_id=r[4],
            service=r[5],
            kind=r[6],
            start_date=r[7],
            end_date=r[8],
            on_vulnerability_register=r[9],
            last_audited=r[10].date() if r[10] else None,
        )
        for r in rows
    ]


# Cycles ---------------------------------------------------------------------------------------


def _clean(text: str, what: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    text = (text or "").strip()
    if required and not text:
        raise DomainError(f"Enter {what}.")
    if len(text) > limit:
        raise DomainError(f"{what[0].upper()}{what[1:]} must be {limit} characters or fewer.")
    return text


def _require_qa(by: Any) -> None:
    if not getattr(by, "is_qa_unit", False):
        raise DomainError("Only the QA unit can plan and run audit cycles.")


def _require_planning(cycle: Cycle) -> None:
    if cycle.status != CycleStatus.PLANNING:
        raise DomainError("The cycle has been committed: its sample can no longer change.")


@transaction.atomic
def cycle_create(
    *,
    name: str,
    template: str,
    start_date: dt.date,
    rule: Mapping[str, Any] | None,
    seed: int,
    by: Any,
    exclude_own_district: bool = False,
) -> Cycle:
    _require_qa(by)
    name = _clean(name, "a name for the cycle", limit=160)
    if template not in CycleTemplate.values:
        raise DomainError("Choose a cycle template.")
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


def _lock_cycle(cycle: Cycle, expected_version: int | None) -> Cycle:
    locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if expected_version is not None and locked.row_version != expected_version:
        raise AuditConflict(current=locked, attempted={})
    return locked


@transaction.atomic
def cycle_update_rule(
    *,
    cycle: Cycle,
    rule: Mapping[str, Any],
    seed: int,
    exclude_own_district: bool,
    by: Any,
    expected_version: int,
) -> Cycle:
    _require_qa(by)
    sample_rule_from_json(data=rule, seed=seed)
    locked = _lock_cycle(cycle, expected_version)
    _require_planning(locked)
    locked.sample_rule = dict(rule)
    locked.seed = seed
    locked.exclude_own_district = exclude_own_district
    locked.row_version += 1
    locked.save()
    return locked


@dataclass
class DrawSummary:
    proposed: int
    excluded: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def cycle_draw_sample(*, cycle: Cycle, by: Any) -> DrawSummary:
    """(Re)draw the proposed sample from the stored rule and seed. Cases added, removed or
    exempted by hand keep their decision."""
    _require_qa(by)
    locked = _lock_cycle(cycle, None)
    _require_planning(locked)
    rule = sample_rule_from_json(data=locked.sample_rule, seed=locked.seed)
    candidates = candidate_list(today=locked.start_date, active_within_days=rule.active_within_days)
    result = draw_sample(candidates=candidates, rule=rule, today=locked.start_date)
    SampledCase.objects.filter(cycle=locked, status=SampleStatus.PROPOSED).delete()
    decided = set(SampledCase.objects.filter(cycle=locked).values_list("involvement_id", flat=True))
    SampledCase.objects.bulk_create(
        SampledCase(
            cycle=locked,
            child_id=s.candidate.child_id,
            involvement_id=s.candidate.involvement_id,
            team_id=s.candidate.team_id,
            reason=s.reason[:300],
        )
        for s in result.selections
        if s.candidate.involvement_id not in decided
    )
    locked.row_version += 1
    locked.save(update_fields=["row_version"])
    return DrawSummary(proposed=len(result.selections), excluded=result.excluded)


@transaction.atomic
def sampled_case_add(*, cycle: Cycle, council_child_id: str, reason: str, by: Any) -> SampledCase:
    _require_qa(by)
    reason = _clean(reason, "why this case is added", limit=MAX_REASON)
    locked = _lock_cycle(cycle, None)
    _require_planning(locked)
    child = Child.objects.filter(council_child_id=council_child_id.strip()).first()
    if child is None:
        raise DomainError(f"There is no child with council child ID {council_child_id.strip()}.")
    today = locked.start_date
    involvement = (
        Involvement.objects.filter(child=child, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("team")
        .order_by("-start_date")
        .first()
    )
    if involvement is None:
        raise DomainError(f"Child {child.council_child_id} has no open involvement to audit.")
    existing = SampledCase.objects.filter(cycle=locked, involvement=involvement).first()
    if existing is not None and existing.status in IN_SAMPLE:
        raise DomainError(f"Child {child.council_child_id} is already in the sample.")
    values = {
        "child": child,
        "team": involvement.team,
        "reason": "Added by hand",
        "status": SampleStatus.ADDED,
        "status_reason": reason,
        "decided_by": by,
        "decided_at": clock.now(),
    }
    if existing is not None:
        for key, value in values.items():
            setattr(existing, key, value)
        existing.save()
        return existing
    return SampledCase.objects.create(cycle=locked, involvement=involvement, **values)


@transaction.atomic
def sampled_case_decide(
    *, sampled_case: SampledCase, decision: str, reason: str, by: Any
) -> SampledCase:
    """Remove a case from the sample, or approve an exemption, with the reason."""
    _require_qa(by)
    if decision not in (SampleStatus.REMOVED, SampleStatus.EXEMPTED):
        raise DomainError("Choose whether to remove the case or approve an exemption.")
    what = "why the case is removed" if decision == SampleStatus.REMOVED else "the exemption reason"
    reason = _clean(reason, what, limit=MAX_REASON)
    _lock_cycle(sampled_case.cycle, None)
    _require_planning(sampled_case.cycle)
    locked = SampledCase.objects.select_for_update().get(pk=sampled_case.pk)
    if locked.status not in IN_SAMPLE:
        raise DomainError("This case is not in the sample.")
    locked.status = decision
    locked.status_reason = reason
    locked.decided_by = by
    locked.decided_at = clock.now()
    locked.save()
    return locked


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
def cycle_commit(*, cycle: Cycle, by: Any, expected_version: int) -> Cycle:
    """Fix the sample: one audit for each case in it, spread over the cycle's audit rounds,
    then allocate auditors and moderators from the pools. Committing twice commits once."""
    _require_qa(by)
    locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if locked.status == CycleStatus.COMMITTED and locked.row_version == expected_version + 1:
        return locked  # the same request again (double click, retry)
    if locked.row_version != expected_version:
        raise AuditConflict(current=locked, attempted={})
    _require_planning(locked)
    cases = list(
        SampledCase.objects.filter(cycle=locked, status__in=IN_SAMPLE)
        .select_related("involvement")
        .order_by("pk")
    )
    if not cases:
        raise DomainError("The sample is empty: draw the sample or add cases before committing.")
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
    locked.status = CycleStatus.COMMITTED
    locked.committed_at = now
    locked.row_version += 1
    locked.save()
    cycle_allocate(cycle=locked, by=by)
    return locked


@dataclass
class AllocationSummary:
    auditors: int
    moderators: int
    unallocated: dict[int, str]  # audit id -> reason


def _current_teams() -> dict[int, tuple[frozenset[int], frozenset[int]]]:
    """staff id -> (current team ids, their district ids)."""
    today = clock.today()
    teams: dict[int, set[int]] = defaultdict(set)
    districts: dict[int, set[int]] = defaultdict(set)
    for staff_id, team_id, district_id in (
        TeamMembership.objects.filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values_list("staff_id", "team_id", "team__district_id")
    ):
        teams[staff_id].add(team_id)
        districts[staff_id].add(district_id)
    return {s: (frozenset(teams[s]), frozenset(districts[s])) for s in teams}


def _cycle_months(cycle: Cycle, kind: str) -> int:
    days = sum((p.end_date - p.start_date).days + 1 for p in cycle.phases.all() if p.kind == kind)
    return max(1, round(days / 30))


def pool_capacity_and_load(*, cycle: Cycle, kind: str) -> dict[int, tuple[int, int]]:
    """staff id -> (capacity for this cycle, open audits already theirs in its span)."""
    months = _cycle_months(cycle, PhaseKind.AUDIT if kind == PoolKind.AUDITOR else "moderation")
    phases = list(cycle.phases.all())
    start = min((p.start_date for p in phases), default=cycle.start_date)
    end = max((p.end_date for p in phases), default=cycle.start_date)
    field_name = "auditor_id" if kind == PoolKind.AUDITOR else "moderator_id"
    due = "due_date" if kind == PoolKind.AUDITOR else "moderation_due_date"
    loads = dict(
        Audit.objects.exclude(status__in=FINAL_STATES)
        .filter(**{f"{due}__gte": start, f"{due}__lte": end, f"{field_name}__isnull": False})
        .values_list(field_name)
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        staff_id: (capacity * months, loads.get(staff_id, 0))
        for staff_id, capacity in PoolMember.objects.filter(
            kind=kind, active=True, staff__is_active=True
        ).values_list("staff_id", "monthly_capacity")
    }


@transaction.atomic
def cycle_allocate(*, cycle: Cycle, by: Any) -> AllocationSummary:
    """Give every audit of the cycle without an auditor (or moderator) one from the pool:
    never someone of the case's own team (or district, if the cycle says so), never over
    capacity, least loaded first, reproducibly (the cycle's seed)."""
    _require_qa(by)
    if cycle.status != CycleStatus.COMMITTED:
        raise DomainError("Commit the cycle before allocating.")
    teams = _current_teams()
    # Plain dicts: allocation writes the new auditor/moderator back by field name.
    audits: list[dict[str, Any]] = [
        dict(row)
        for row in Audit.objects.filter(cycle=cycle)
        .exclude(status__in=FINAL_STATES)
        .values("pk", "team_id", "team__district_id", "auditor_id", "moderator_id")
    ]
    unallocated: dict[int, str] = {}
    counts = {}
    now = clock.now()
    for kind, field_name in (
        (PoolKind.AUDITOR, "auditor_id"),
        (PoolKind.MODERATOR, "moderator_id"),
    ):
        capacity = pool_capacity_and_load(cycle=cycle, kind=kind)
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
    _notify_allocated(cycle, now)
    return AllocationSummary(
        auditors=counts.get(PoolKind.AUDITOR, 0),
        moderators=counts.get(PoolKind.MODERATOR, 0),
        unallocated=unallocated,
    )


def _save_assignments(assignments: Mapping[int, int], field_name: str) -> None:
    """Write audit -> staff assignments in a few batched UPDATEs (a CASE on the key) rather than
    one statement per pool member (about 590 for a county cycle; benchmarks/README.md)."""
    Audit.objects.bulk_update(
        [Audit(pk=key, **{field_name: staff_id}) for key, staff_id in assignments.items()],
        [field_name],
        batch_size=500,
    )


def _site() -> str:
    return getattr(settings, "QAF_SITE_URL", "").rstrip("/")


def _notify_allocated(cycle: Cycle, now: dt.datetime) -> None:
    """Tell each auditor how many audits they have in the cycle (one email each)."""
    rows = (
        Audit.objects.filter(cycle=cycle, auditor__isnull=False, status=AuditStatus.ALLOCATED)
        .values("auditor__email")
        .annotate(n=Count("pk"), due=Max("due_date"))
        .order_by()
    )
    link = _site() + reverse("audits:mine")
    for row in rows:
        if row["auditor__email"]:
            notification_send(
                to=[row["auditor__email"]],
                subject=f"Case audits allocated to you: {cycle.name}",
                body=(
                    f"You have {row['n']} case audit(s) to complete in {cycle.name}, the last "
                    f"due on {row['due']:%-d %B %Y}.\n\nSee them at {link}"
                ),
            )


def _staff_teams(staff: Staff) -> tuple[frozenset[int], frozenset[int]]:
    return _current_teams().get(staff.pk, (frozenset(), frozenset()))


@transaction.atomic
def audit_reallocate(
    *,
    audit: Audit,
    role: str,
    staff: Staff,
    reason: str,
    by: Any,
    override: bool = False,
) -> Audit:
    """Change the auditor or moderator by hand. Always with a reason; breaking the peer rule or
    going over capacity needs `override` as well, and the change records that it did."""
    _require_qa(by)
    reason = _clean(reason, "the reason for the change", limit=MAX_REASON)
    if role not in AllocationRole.values:
        raise DomainError("Choose auditor or moderator.")
    locked = Audit.objects.select_for_update().select_related("team", "cycle").get(pk=audit.pk)
    if locked.status in FINAL_STATES:
        raise IllegalTransition("A finalised or cancelled audit cannot be reallocated.")
    field_name = "auditor" if role == AllocationRole.AUDITOR else "moderator"
    if role == AllocationRole.MODERATOR and locked.status == AuditStatus.IN_MODERATION:
        raise IllegalTransition("The moderation has started: it cannot change moderator now.")
    if role == AllocationRole.AUDITOR and locked.status not in AUDITOR_EDITABLE:
        raise IllegalTransition("The audit has been submitted: it cannot change auditor now.")
    current = getattr(locked, f"{field_name}_id")
    if current == staff.pk:
        raise DomainError(f"{staff} is already the {field_name}.")
    if not staff.is_active:
        raise DomainError(f"{staff} has left: choose someone else.")
    problems = []
    team_ids, district_ids = _staff_teams(staff)
    if locked.team_id in team_ids:
        problems.append(f"{staff} is in the case's own team")
    if locked.cycle.exclude_own_district and locked.team.district_id in district_ids:
        problems.append(f"{staff} is in the case's own district")
    other = locked.moderator_id if field_name == "auditor" else locked.auditor_id
    if other == staff.pk:
        raise DomainError("The auditor and the moderator must be different people.")
    capacity = pool_capacity_and_load(
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
        raise DomainError(
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


# Pools ----------------------------------------------------------------------------------------


@transaction.atomic
def pool_member_save(
    *,
    kind: str,
    staff: Staff,
    monthly_capacity: int,
    trained_on: dt.date | None,
    active: bool,
    by: Any,
) -> PoolMember:
    _require_qa(by)
    if kind not in PoolKind.values:
        raise DomainError("Choose the auditor or moderator pool.")
    if not 0 <= monthly_capacity <= 50:
        raise DomainError("Monthly capacity must be between 0 and 50.")
    if trained_on is not None and trained_on > clock.today():
        raise DomainError("The training date must be today or in the past.")
    member, _ = PoolMember.objects.update_or_create(
        kind=kind,
        staff=staff,
        defaults={"monthly_capacity": monthly_capacity, "trained_on": trained_on, "active": active},
    )
    return member


# The audit state machine ----------------------------------------------------------------------


def _actor_ok(transition_actor: str, audit: Audit, by: Any) -> bool:
    staff_id = getattr(by, "staff_id", None)
    if transition_actor == "qa":
        return bool(getattr(by, "is_qa_unit", False))
    if transition_actor == "auditor":
        return staff_id is not None and audit.auditor_id == staff_id
    return staff_id is not None and audit.moderator_id == staff_id


def _record(audit: Audit, from_status: str, by: Any, reason: str) -> None:
    AuditTransition.objects.create(
        audit=audit,
        from_status=from_status,
        to_status=audit.status,
        by=by,
        at=clock.now(),
        reason=reason,
    )


def _repeat_of_last(locked: Audit, action: str, by: Any, expected_version: int | None) -> bool:
    """The same step asked for again by the same person from the page they read before it
    (a double click or a retry): answer with the result instead of an error."""
    if expected_version is None or locked.row_version != expected_version + 1:
        return False
    last = locked.transitions.order_by("-at", "-pk").first()
    return (
        last is not None
        and last.to_status == TRANSITIONS[action].target
        and last.by_id == getattr(by, "pk", None)
        and locked.status == TRANSITIONS[action].target
    )


# Steps only the moderation services take: they keep the moderation record in step.
MODERATION_STEPS = frozenset({"begin_moderation", "finalise"})


@transaction.atomic
def audit_transition(
    *,
    audit: Audit,
    action: str,
    by: Any,
    reason: str = "",
    expected_version: int | None = None,
) -> Audit:
    """Move an audit along the table in transitions.py. Illegal moves raise IllegalTransition
    and change nothing; every move is recorded (who, when, from, to, why). Starting and
    finalising moderation go through moderation_start and moderation_finalise, so an audit is
    never in moderation without its moderation record, nor finalised without a finalised one."""
    if action in MODERATION_STEPS:
        raise IllegalTransition(
            "Moderation is started and finalised from the moderation page, not as a bare step."
        )
    return _audit_move(
        audit=audit, action=action, by=by, reason=reason, expected_version=expected_version
    )


@transaction.atomic
def _audit_move(
    *,
    audit: Audit,
    action: str,
    by: Any,
    reason: str = "",
    expected_version: int | None = None,
) -> Audit:
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    if action in TRANSITIONS and _repeat_of_last(locked, action, by, expected_version):
        return locked
    transition = transition_for(action=action, status=locked.status)
    if not _actor_ok(transition.actor, locked, by):
        who = {"qa": "the QA unit", "auditor": "the auditor", "moderator": "the moderator"}
        raise IllegalTransition(f"Only {who[transition.actor]} can {transition.label.lower()}.")
    if expected_version is not None and locked.row_version != expected_version:
        raise AuditConflict(current=locked, attempted={"action": action, "reason": reason})
    if transition.reason_required:
        reason = _clean(reason, "the reason", limit=MAX_TEXT)
    if action == "start" and locked.auditor_id is None:
        raise IllegalTransition("The audit has no auditor yet.")
    from_status = locked.status
    now = clock.now()
    if action == "submit":
        _snapshot_grades(locked, by)
        locked.submitted_at = now
    if action == "finalise":
        locked.finalised_at = now
    locked.status = transition.target
    locked.row_version += 1
    locked.save()
    _record(locked, from_status, by, reason)
    _notify_transition(locked, action, reason)
    return locked


def _snapshot_grades(audit: Audit, by: Any) -> None:
    """Submit the audit's form through the tools engine and keep its grades on the audit."""
    from qaf.tools.services import form_response_submit

    form = audit.form
    if form is None:
        raise DomainError("Complete the audit form before submitting.")
    if not form.is_submitted:
        form = form_response_submit(response=form, by=by)
    # The tools engine keeps {"grade", "suggested", "reason"} per section; the audit keeps the
    # chosen grade alone (what moderation and the agreement statistics compare).
    audit.submitted_section_grades = {
        key: (entry.get("grade", "") if isinstance(entry, Mapping) else str(entry))
        for key, entry in form.section_grades.items()
    }
    audit.submitted_overall_grade = form.overall_grade


def _email(staff: Staff | None) -> list[str]:
    return [staff.email] if staff is not None and staff.email else []


def _team_manager_emails(team_id: int) -> list[str]:
    today = clock.today()
    return list(
        Staff.objects.filter(
            job_role=JobRole.TEAM_MANAGER,
            memberships__team_id=team_id,
            memberships__start_date__lte=today,
        )
        .filter(Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=today))
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def _link(audit: Audit) -> str:
    return _site() + reverse("audits:audit_detail", args=[audit.pk])


def _notify_transition(audit: Audit, action: str, reason: str) -> None:
    audit = Audit.objects.select_related(
        "auditor", "moderator", "practitioner", "team__district__service_manager"
    ).get(pk=audit.pk)
    ref = audit.reference
    if action == "submit":
        notification_send(
            to=_email(audit.practitioner),
            cc=_team_manager_emails(audit.team_id),
            subject=f"Case audit {ref} submitted",
            body=(
                f"The case audit {ref} of a child on your caseload has been submitted by the "
                f"auditor. You can read it and add a reflection at {_link(audit)}"
            ),
        )
        notification_send(
            to=_email(audit.moderator),
            subject=f"Case audit {ref} is ready for moderation",
            body=f"Moderation is due by {audit.moderation_due_date:%-d %B %Y}: {_link(audit)}",
        )
    elif action == "return":
        notification_send(
            to=_email(audit.auditor),
            subject=f"Case audit {ref} returned to you",
            body=f"The moderator returned the audit. Their reason:\n\n{reason}\n\n{_link(audit)}",
        )
    elif action == "finalise":
        service_manager = audit.team.district.service_manager
        notification_send(
            to=_email(service_manager),
            cc=_email(audit.auditor),
            subject=f"Case audit {ref} moderated and finalised",
            body=(
                f"The moderation of case audit {ref} is finalised. Outcome: "
                f"{audit.moderation.get_outcome_display()}. The finalised audit (with a PDF for "
                f"the child's record) is at {_link(audit)}"
            ),
        )


# Auditing -------------------------------------------------------------------------------------


@transaction.atomic
def audit_open_form(*, audit: Audit, by: Any) -> Audit:
    """The auditor opens the audit: start it (allocated -> in progress, returned -> in
    progress) and make sure it has its form on the cycle's tool for the case's service."""
    from qaf.tools.services import form_response_start

    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    if locked.auditor_id is None or locked.auditor_id != getattr(by, "staff_id", None):
        raise IllegalTransition("Only the auditor can work on this audit.")
    if locked.status == AuditStatus.ALLOCATED:
        locked = audit_transition(audit=locked, action="start", by=by)
    elif locked.status == AuditStatus.RETURNED:
        locked = audit_transition(audit=locked, action="resume", by=by)
        if locked.form is not None and locked.form.is_submitted:
            locked.form = _reopen_form(locked, by)
            locked.save(update_fields=["form"])
    elif locked.status != AuditStatus.IN_PROGRESS:
        raise IllegalTransition("This audit has been submitted: it cannot be changed now.")
    if locked.form is None:
        tool_version = cycle_tool_for(cycle=locked.cycle, service_id=locked.team.service_id)
        locked.form = form_response_start(
            tool_version=tool_version, author=by, child=locked.child, purpose="audit"
        )
        locked.save(update_fields=["form"])
    return locked


def _reopen_form(audit: Audit, by: Any) -> Any:
    """A returned audit: the auditor works on a new draft holding the returned answers (a
    submitted form never changes; the returned one stays in the history)."""
    from qaf.tools.services import form_response_start

    old = audit.form
    if old is None:
        raise DomainError("This audit has no form to reopen.")
    new = form_response_start(
        tool_version=old.tool_version, author=by, child=audit.child, purpose="audit"
    )
    new.answers = dict(old.answers)
    new.section_grades = dict(old.section_grades)
    new.overall_grade = old.overall_grade
    new.overall_grade_reason = old.overall_grade_reason
    new.save()
    return new


@transaction.atomic
def cycle_choose_tools(*, cycle: Cycle, choice: Mapping[int, int], by: Any) -> None:
    """service id -> published tool version id, for the cycle's audits."""
    from qaf.tools.models import ToolVersion, VersionStatus

    from .models import CycleTool

    _require_qa(by)
    locked = _lock_cycle(cycle, None)
    if locked.status == CycleStatus.CLOSED:
        raise DomainError("The cycle is closed.")
    versions = ToolVersion.objects.in_bulk(list(choice.values()))
    for service_id, version_id in choice.items():
        version = versions.get(version_id)
        if version is None or version.status != VersionStatus.PUBLISHED:
            raise DomainError("Choose a published tool version for each service.")
        existing = CycleTool.objects.filter(cycle=locked, service_id=service_id).first()
        started = Audit.objects.filter(
            cycle=locked, team__service_id=service_id, form__isnull=False
        ).exists()
        if existing is not None and existing.tool_version_id != version_id and started:
            raise DomainError(
                "Audits of this service have started on the chosen tool: it cannot change."
            )
        CycleTool.objects.update_or_create(
            cycle=locked, service_id=service_id, defaults={"tool_version_id": version_id}
        )


def cycle_tool_for(*, cycle: Cycle, service_id: int) -> Any:
    from .models import CycleTool

    chosen = CycleTool.objects.filter(cycle=cycle, service_id=service_id).select_related(
        "tool_version"
    )
    found = chosen.first()
    if found is None:
        raise DomainError(
            "The QA unit has not chosen a tool for this service in this cycle: ask them to."
        )
    return found.tool_version


@transaction.atomic
def audit_action_add(
    *, audit: Audit, by: Any, title: str, owner: Staff, due_date: dt.date, description: str = ""
) -> Action:
    """An action the auditor (or, during moderation, the moderator) sets on the case."""
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    staff_id = getattr(by, "staff_id", None)
    reference: Audit | Moderation
    if locked.status in AUDITOR_EDITABLE and locked.auditor_id == staff_id:
        source, reference = ActionSource.AUDIT, locked
    elif locked.status == AuditStatus.IN_MODERATION and locked.moderator_id == staff_id:
        source, reference = ActionSource.MODERATION, locked.moderation
    else:
        raise IllegalTransition(
            "Actions can be added by the auditor before submitting, or by "
            "the moderator during moderation."
        )
    if due_date < clock.today():
        raise DomainError("The due date must be today or in the future.")
    # The same action sent twice (double click, retry) is one action.
    same = [
        a
        for a in audit_actions(audit=locked)
        if a.title == title.strip() and a.owner_id == owner.pk and a.due_date == due_date
    ]
    if same:
        return same[0]
    return action_create(
        title=title,
        owner=owner,
        due_date=due_date,
        source=source,
        created_by=by,
        description=description,
        reference=reference,
        child=locked.child,
    )


@transaction.atomic
def reflection_add(*, audit: Audit, by: Any, text: str, idempotency_key: str) -> Reflection:
    """The practitioner (or their team manager) reflects on a submitted audit. The same form
    sent twice (same key) adds one reflection."""
    existing = Reflection.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.author_id != by.pk or existing.audit_id != audit.pk:
            raise DomainError("This form has already been used: reload the page.")
        return existing
    text = _clean(text, "your reflection")
    if audit.status in (AuditStatus.ALLOCATED, AuditStatus.IN_PROGRESS, AuditStatus.CANCELLED):
        raise IllegalTransition("Reflections can be added once the audit is submitted.")
    staff_id = getattr(by, "staff_id", None)
    allowed = staff_id is not None and (
        audit.practitioner_id == staff_id
        or (
            by.role == Role.TEAM_MANAGER
            and TeamMembership.objects.filter(staff_id=staff_id, team_id=audit.team_id)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=clock.today()))
            .exists()
        )
    )
    if not allowed:
        raise DomainError("Only the practitioner and their team manager can add a reflection.")
    try:
        with transaction.atomic():
            return Reflection.objects.create(
                audit=audit,
                author=by,
                text=text,
                created_at=clock.now(),
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        return Reflection.objects.get(idempotency_key=idempotency_key)


# Moderation -----------------------------------------------------------------------------------


@transaction.atomic
def moderation_start(*, audit: Audit, by: Any) -> Moderation:
    """The moderator opens a submitted audit: submitted -> in moderation, with the moderation
    record (one per audit, however often this is asked)."""
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    existing = Moderation.objects.filter(audit=locked).first()
    if locked.status == AuditStatus.IN_MODERATION and existing is not None:
        if locked.moderator_id != getattr(by, "staff_id", None):
            raise IllegalTransition("Only the moderator can moderate this audit.")
        return existing
    locked = _audit_move(audit=locked, action="begin_moderation", by=by)
    if locked.moderator_id is None:
        raise DomainError("This audit has no moderator.")
    now = clock.now()
    if existing is not None:  # a returned and resubmitted audit: moderate afresh
        existing.moderator_id = locked.moderator_id
        existing.section_grades = {}
        existing.overall_grade = existing.overall_reason = existing.outcome = ""
        existing.updated_at = now
        existing.row_version += 1
        existing.save()
        return existing
    return Moderation.objects.create(
        audit=locked,
        moderator_id=locked.moderator_id,
        created_at=now,
        updated_at=now,
    )


def _check_grades(
    audit: Audit, section_grades: Mapping[str, Mapping[str, str]], overall: str, overall_reason: str
) -> dict[str, dict[str, str]]:
    cleaned: dict[str, dict[str, str]] = {}
    for key, auditor_grade in audit.submitted_section_grades.items():
        entry = section_grades.get(key) or {}
        grade = (entry.get("grade") or "").strip()
        reason = (entry.get("reason") or "").strip()
        if not grade:
            continue
        if grade not in GRADE_ORDER:
            raise DomainError(f"Choose a grade for section {key}.")
        if grade != auditor_grade and not reason:
            raise DomainError(
                f"Give a reason for changing the grade of section {key} from "
                f"{GRADE_LABELS.get(auditor_grade, auditor_grade)} to {GRADE_LABELS[grade]}."
            )
        cleaned[key] = {"grade": grade, "reason": reason if grade != auditor_grade else ""}
    unknown = set(section_grades) - set(audit.submitted_section_grades)
    if unknown:
        raise DomainError(f"The audit has no section {sorted(unknown)[0]}.")
    if overall and overall not in GRADE_ORDER:
        raise DomainError("Choose an overall grade.")
    if overall and overall != audit.submitted_overall_grade and not overall_reason.strip():
        raise DomainError("Give a reason for changing the overall grade.")
    return cleaned


def audit_actions(*, audit: Audit) -> list[Action]:
    from django.contrib.contenttypes.models import ContentType

    return list(
        Action.objects.filter(
            reference_type=ContentType.objects.get_for_model(Audit), reference_id=str(audit.pk)
        ).select_related("owner")
    )


@transaction.atomic
def moderation_save(
    *,
    moderation: Moderation,
    by: Any,
    expected_version: int,
    meeting_date: dt.date | None,
    attendees: str,
    section_grades: Mapping[str, Mapping[str, str]],
    overall_grade: str,
    overall_reason: str,
    action_checks: Mapping[str, str],
    notes: str = "",
) -> Moderation:
    locked = Moderation.objects.select_for_update().select_related("audit").get(pk=moderation.pk)
    if locked.moderator_id != getattr(by, "staff_id", None):
        raise IllegalTransition("Only the moderator can change this moderation.")
    if (
        locked.status == ModerationStatus.FINALISED
        or locked.audit.status != AuditStatus.IN_MODERATION
    ):
        raise IllegalTransition("This moderation is finalised: it can no longer change.")
    attempted = {
        "meeting_date": meeting_date,
        "attendees": attendees,
        "section_grades": dict(section_grades),
        "overall_grade": overall_grade,
        "overall_reason": overall_reason,
        "notes": notes,
    }
    if locked.row_version != expected_version:
        raise AuditConflict(current=locked, attempted=attempted)
    if meeting_date is not None and meeting_date > clock.today():
        raise DomainError("The meeting date must be today or in the past.")
    action_ids = {str(a.pk) for a in audit_actions(audit=locked.audit)}
    for key, value in action_checks.items():
        if key not in action_ids:
            raise DomainError("That action is not one of the auditor's actions.")
        if value and value not in ActionCheck.values:
            raise DomainError("Mark each action done, not done or not yet due.")
    locked.section_grades = _check_grades(
        locked.audit, section_grades, overall_grade, overall_reason
    )
    locked.meeting_date = meeting_date
    locked.attendees = _clean(attendees, "who attended", required=False, limit=2000)
    locked.overall_grade = overall_grade
    locked.overall_reason = (
        overall_reason.strip() if overall_grade != locked.audit.submitted_overall_grade else ""
    )
    locked.action_checks = {k: v for k, v in action_checks.items() if v}
    locked.notes = _clean(notes, "notes", required=False)
    locked.outcome = (
        outcome_for(
            auditor_grade=locked.audit.submitted_overall_grade, moderator_grade=overall_grade
        )
        if overall_grade and locked.audit.submitted_overall_grade in GRADE_ORDER
        else ""
    )
    locked.updated_at = clock.now()
    locked.row_version += 1
    locked.save()
    return locked


def moderation_missing(*, moderation: Moderation) -> list[str]:
    """What must be recorded before finalising, as messages for the page."""
    audit = moderation.audit
    missing = []
    if moderation.meeting_date is None:
        missing.append("Enter the date of the moderation meeting")
    if not moderation.attendees.strip():
        missing.append("Enter who attended the moderation meeting")
    for key in audit.submitted_section_grades:
        if key not in moderation.section_grades:
            missing.append(f"Agree or change the grade of section {key}")
    if not moderation.overall_grade:
        missing.append("Agree or change the overall grade")
    for action in audit_actions(audit=audit):
        if str(action.pk) not in moderation.action_checks:
            missing.append(f"Mark the action “{action.title}” done, not done or not yet due")
    return missing


@transaction.atomic
def moderation_finalise(
    *, moderation: Moderation, by: Any, expected_version: int, confirmed_outcome: str
) -> Moderation:
    """Finalise: the outcome (agreed / upgraded / downgraded, derived from the grades) is
    confirmed by the moderator; the service manager and the auditor are sent the result."""
    locked = Moderation.objects.select_for_update().select_related("audit").get(pk=moderation.pk)
    if locked.status == ModerationStatus.FINALISED and locked.row_version == expected_version + 1:
        return locked  # the same request again
    if locked.moderator_id != getattr(by, "staff_id", None):
        raise IllegalTransition("Only the moderator can finalise this moderation.")
    if locked.status == ModerationStatus.FINALISED:
        raise IllegalTransition("This moderation is already finalised.")
    if locked.row_version != expected_version:
        raise AuditConflict(current=locked, attempted={"outcome": confirmed_outcome})
    missing = moderation_missing(moderation=locked)
    if missing:
        raise DomainError("The moderation cannot be finalised yet: " + "; ".join(missing) + ".")
    if confirmed_outcome != locked.outcome:
        raise DomainError(
            f"The grades make the outcome {locked.get_outcome_display().lower()}: confirm that "
            "outcome, or change the grades."
        )
    now = clock.now()
    locked.status = ModerationStatus.FINALISED
    locked.finalised_at = now
    locked.finalised_by = by
    locked.row_version += 1
    locked.save()
    _audit_move(audit=locked.audit, action="finalise", by=by)
    return locked


# Triads and appreciative inquiry --------------------------------------------------------------


MANAGER_ROLES = {JobRole.TEAM_MANAGER, JobRole.SERVICE_MANAGER, JobRole.ASSISTANT_DIRECTOR}
QA_ROLES = {
    JobRole.QA_MANAGER,
    JobRole.PRACTICE_DEVELOPMENT_MANAGER,
    JobRole.STANDARDS_OFFICER,
    JobRole.PRINCIPAL_SOCIAL_WORKER,
}


@transaction.atomic
def triad_record(
    *,
    cycle: Cycle,
    audits: Sequence[Audit],
    manager_one: Staff,
    manager_two: Staff,
    qa_member: Staff,
    date: dt.date,
    discussion: str,
    variance_reasons: str,
    learning: str,
    by: Any,
    idempotency_key: str,
) -> Triad:
    existing = Triad.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    _require_qa(by)
    if not audits:
        raise DomainError("Choose at least one moderated audit the triad discussed.")
    if any(a.cycle_id != cycle.pk or a.status != AuditStatus.FINALISED for a in audits):
        raise DomainError("A triad discusses finalised audits of this cycle only.")
    if manager_one.pk == manager_two.pk:
        raise DomainError("Choose two different managers.")
    for m in (manager_one, manager_two):
        if m.job_role not in MANAGER_ROLES:
            raise DomainError(f"{m} is not a manager: a triad is two managers and a QA member.")
    if qa_member.job_role not in QA_ROLES:
        raise DomainError(f"{qa_member} is not in the QA unit.")
    if date > clock.today():
        raise DomainError("The date of the triad must be today or in the past.")
    values = {
        "discussion": _clean(discussion, "what the triad discussed"),
        "variance_reasons": _clean(variance_reasons, "the reasons for the variance"),
        "learning": _clean(learning, "the learning"),
    }
    try:
        with transaction.atomic():
            triad = Triad.objects.create(
                cycle=cycle,
                manager_one=manager_one,
                manager_two=manager_two,
                qa_member=qa_member,
                date=date,
                created_by=by,
                created_at=clock.now(),
                idempotency_key=idempotency_key,
                **values,
            )
            triad.audits.set(audits)
    except IntegrityError:  # the same form at the same moment (PostgreSQL's unique index)
        return Triad.objects.get(idempotency_key=idempotency_key)
    return triad


@transaction.atomic
def appreciative_inquiry_record(
    *,
    cycle: Cycle,
    team: Team,
    date: dt.date,
    went_well: str,
    made_it_work: str,
    better_next_time: str,
    by: Any,
    idempotency_key: str,
) -> AppreciativeInquiry:
    existing = AppreciativeInquiry.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    staff_id = getattr(by, "staff_id", None)
    own_team = (
        staff_id is not None
        and by.role == Role.TEAM_MANAGER
        and TeamMembership.objects.filter(
            staff_id=staff_id, team=team, end_date__isnull=True
        ).exists()
    )
    if not (getattr(by, "is_qa_unit", False) or own_team):
        raise DomainError("The QA unit or the team's manager records the appreciative inquiry.")
    if not Audit.objects.filter(cycle=cycle, team=team).exists():
        raise DomainError(f"{team} has no audits in {cycle}.")
    if date > clock.today():
        raise DomainError("The date must be today or in the past.")
    values = {
        "went_well": _clean(went_well, "what went well"),
        "made_it_work": _clean(made_it_work, "what made it work"),
        "better_next_time": _clean(better_next_time, "what could be better next time"),
    }
    try:
        with transaction.atomic():
            return AppreciativeInquiry.objects.create(
                cycle=cycle,
                team=team,
                date=date,
                created_by=by,
                created_at=clock.now(),
                idempotency_key=idempotency_key,
                **values,
            )
    except IntegrityError:  # the same form at the same moment (PostgreSQL's unique index)
        return AppreciativeInquiry.objects.get(idempotency_key=idempotency_key)


@transaction.atomic
def cycle_close(*, cycle: Cycle, by: Any) -> Cycle:
    _require_qa(by)
    locked = _lock_cycle(cycle, None)
    if locked.status != CycleStatus.COMMITTED:
        raise DomainError("Only a committed cycle can be closed.")
    if Audit.objects.filter(cycle=locked).exclude(status__in=FINAL_STATES).exists():
        raise DomainError("Every audit must be finalised or cancelled before closing the cycle.")
    locked.status = CycleStatus.CLOSED
    locked.row_version += 1
    locked.save()
    return locked


# The daily sweep ------------------------------------------------------------------------------


def _send_once(
    audit: Audit, kind: str, to: list[str], cc: list[str], subject: str, body: str
) -> bool:
    if not to and not cc:
        return False
    try:
        with transaction.atomic():
            AuditReminder.objects.create(
                audit=audit, kind=kind, sent_at=clock.now(), recipients=", ".join(to + cc)[:500]
            )
    except IntegrityError:
        return False
    return notification_send(to=to, cc=cc, subject=subject, body=body)


@transaction.atomic
def audit_sweep() -> dict[str, int]:
    """Reminders before the due date, and an overdue notice to the auditor's line manager.
    Each is recorded and sent once, so running the sweep twice sends nothing more."""
    today = clock.today()
    soon = today + dt.timedelta(days=REMINDER_DAYS_BEFORE)
    sent = {"due_soon": 0, "overdue": 0, "moderation_due_soon": 0}
    auditing = Audit.objects.filter(
        status__in=AUDITOR_EDITABLE, auditor__isnull=False
    ).select_related("auditor__line_manager")
    for audit in auditing.filter(due_date__gte=today, due_date__lte=soon).exclude(
        reminders__kind=ReminderKind.DUE_SOON
    ):
        if _send_once(
            audit,
            ReminderKind.DUE_SOON,
            _email(audit.auditor),
            [],
            f"Case audit {audit.reference} is due on {audit.due_date:%-d %B %Y}",
            f"Please complete and submit the audit by {audit.due_date:%-d %B %Y}: {_link(audit)}",
        ):
            sent["due_soon"] += 1
    for audit in auditing.filter(due_date__lt=today).exclude(reminders__kind=ReminderKind.OVERDUE):
        manager = audit.auditor.line_manager if audit.auditor else None
        if _send_once(
            audit,
            ReminderKind.OVERDUE,
            _email(manager),
            _email(audit.auditor),
            f"Case audit {audit.reference} is overdue",
            f"The case audit allocated to {audit.auditor} was due on "
            f"{audit.due_date:%-d %B %Y} and has not been submitted: {_link(audit)}",
        ):
            sent["overdue"] += 1
    for audit in (
        Audit.objects.filter(
            status__in=(AuditStatus.SUBMITTED, AuditStatus.IN_MODERATION),
            moderator__isnull=False,
            moderation_due_date__gte=today,
            moderation_due_date__lte=soon,
        )
        .exclude(reminders__kind=ReminderKind.MODERATION_DUE_SOON)
        .select_related("moderator")
    ):
        if _send_once(
            audit,
            ReminderKind.MODERATION_DUE_SOON,
            _email(audit.moderator),
            [],
            f"Moderation of case audit {audit.reference} is due",
            f"Please finalise the moderation by {audit.moderation_due_date:%-d %B %Y}: "
            f"{_link(audit)}",
        ):
            sent["moderation_due_soon"] += 1
    return sent


# Concerns an Inadequate grade proposes ---------------------------------------------------------


def _inadequate_parts(audit: Audit) -> list[str]:
    """Which submitted grades are Inadequate: section keys, then "overall"."""
    parts = [key for key, grade in audit.submitted_section_grades.items() if grade == "inadequate"]
    if audit.submitted_overall_grade == "inadequate":
        parts.append("overall")
    return parts


def audit_concern_reason_parts(*, audit: Audit) -> list[str]:
    """The submitted grades that are Inadequate (section keys, then "overall"): any one
    proposes a concern."""
    return _inadequate_parts(audit)


def audit_concern_reason(*, audit: Audit, section_titles: Mapping[str, str]) -> str:
    """The concern's description as proposed to the auditor (they may edit it)."""
    parts = _inadequate_parts(audit)
    named = [
        "the overall grade" if p == "overall" else f"the {section_titles.get(p, p)} section"
        for p in parts
    ]
    return (
        f"Case audit {audit.reference} graded {', '.join(named)} Inadequate. "
        "The practice needs to be looked at now."
    )


def _require_auditor(audit: Audit, by: Any) -> None:
    staff_id = getattr(by, "staff_id", None)
    if staff_id is None or audit.auditor_id != staff_id:
        raise IllegalTransition("Only the audit's auditor can decide whether to raise a concern.")
    if audit.submitted_at is None:
        raise DomainError("Submit the audit before deciding whether to raise a concern.")


def audit_concern_propose(
    *, audit: Audit, by: Any, reason: str, kind: str = "practice"
) -> EscalationProposal | None:
    """The concern an Inadequate section or overall grade proposes (not saved), or None when no
    submitted grade is Inadequate or the auditor has already decided."""
    from qaf.escalations.models import EscalationSource, PracticeGrade
    from qaf.escalations.services import escalation_propose_for_grade

    _require_auditor(audit, by)
    if audit.concern_decision:
        return None
    grade = (
        PracticeGrade.INADEQUATE
        if _inadequate_parts(audit)
        else (audit.submitted_overall_grade or PracticeGrade.GOOD)
    )
    return escalation_propose_for_grade(
        child=audit.child,
        grade=grade,
        raised_by=by,
        source=EscalationSource.AUDIT,
        reason=reason,
        kind=kind,
        reference=audit,
    )


def audit_concern_escalation(*, audit: Audit) -> Escalation | None:
    """The concern raised from this audit, if any."""
    from django.contrib.contenttypes.models import ContentType

    from qaf.escalations.models import Escalation

    return (
        Escalation.objects.filter(
            reference_type=ContentType.objects.get_for_model(Audit), reference_id=str(audit.pk)
        )
        .order_by("pk")
        .first()
    )


@transaction.atomic
def audit_concern_raise(*, audit: Audit, by: Any, kind: str, reason: str) -> Escalation:
    """The auditor confirms the proposed concern: the escalation is raised (pointing back to the
    audit) and the decision recorded. Asking again returns the same escalation."""
    locked = Audit.objects.select_for_update().select_related("child").get(pk=audit.pk)
    _require_auditor(locked, by)
    if locked.concern_decision == ConcernDecision.RAISED:
        existing = audit_concern_escalation(audit=locked)
        if existing is None:
            raise DomainError("The concern raised from this audit cannot be found.")
        return existing
    if locked.concern_decision == ConcernDecision.DECLINED:
        raise DomainError("You have already decided not to raise a concern from this audit.")
    proposal = audit_concern_propose(audit=locked, by=by, reason=reason, kind=kind)
    if proposal is None:
        raise DomainError("No grade in this audit is Inadequate: there is no concern to raise.")
    escalation = proposal.confirm()
    locked.concern_decision = ConcernDecision.RAISED
    locked.concern_decided_at = clock.now()
    locked.save(update_fields=["concern_decision", "concern_decided_at"])
    return escalation


@transaction.atomic
def audit_concern_decline(*, audit: Audit, by: Any, reason: str) -> Audit:
    """The auditor decides an Inadequate grade needs no concern raised, and says why."""
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    _require_auditor(locked, by)
    reason = (reason or "").strip()
    if locked.concern_decision == ConcernDecision.DECLINED:
        return locked  # the same request again
    if locked.concern_decision == ConcernDecision.RAISED:
        raise DomainError("A concern has already been raised from this audit.")
    if not _inadequate_parts(locked):
        raise DomainError("No grade in this audit is Inadequate: there is no concern to decline.")
    if not reason:
        raise DomainError("Enter why you are not raising a concern.")
    if len(reason) > MAX_CONCERN_REASON:
        raise DomainError(
            f"The reason for not raising a concern must be {MAX_CONCERN_REASON} characters or "
            "fewer."
        )
    locked.concern_decision = ConcernDecision.DECLINED
    locked.concern_decline_reason = reason
    locked.concern_decided_at = clock.now()
    locked.save(update_fields=["concern_decision", "concern_decline_reason", "concern_decided_at"])
    return locked
