"""Reads for the audit cycle. Every read of an audit goes through audit_list_visible."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from qaf.access_log.services import AccessOutcome, access_log_record
from qaf.common import clock
from qaf.organisation.models import Staff
from qaf.organisation.selectors import ScopeKind, scope_for

from .agreement import GRADE_ORDER, Agreement, agreement, grade_distance
from .models import (
    AppreciativeInquiry,
    Audit,
    AuditStatus,
    Cycle,
    ModerationStatus,
    PoolKind,
    PoolMember,
    SampledCase,
    Triad,
)
from .transitions import FINAL_STATES

# Who other than the auditor sees an audit, and from when: once it is submitted.
VISIBLE_TO_OTHERS = (
    AuditStatus.SUBMITTED,
    AuditStatus.RETURNED,
    AuditStatus.IN_MODERATION,
    AuditStatus.FINALISED,
)


def _base() -> QuerySet[Audit]:
    return Audit.objects.select_related(
        "cycle",
        "child",
        "team__district__area",
        "team__service",
        "auditor",
        "moderator",
        "practitioner",
    )


def audit_list_visible(*, user: Any) -> QuerySet[Audit]:
    """QA unit and directors: every audit. The auditor and moderator: theirs. Once submitted,
    the practitioner of the case and managers of its team (team, district, area). Nobody else."""
    scope = scope_for(user=user)
    audits = _base()
    if scope.kind == ScopeKind.EVERYTHING:
        return audits
    if scope.kind == ScopeKind.NOTHING or not user.sees_children or user.staff_id is None:
        return audits.none()
    staff_id = user.staff_id
    mine = Q(auditor_id=staff_id) | Q(moderator_id=staff_id, status__in=VISIBLE_TO_OTHERS)
    if scope.kind == ScopeKind.TEAMS:
        mine |= Q(team_id__in=scope.team_ids, status__in=VISIBLE_TO_OTHERS)
    if scope.kind == ScopeKind.OWN_CASELOAD:
        mine |= Q(practitioner_id=staff_id, status__in=VISIBLE_TO_OTHERS)
    return audits.filter(mine)


def audit_get_visible(*, user: Any, pk: int, via: str = "page") -> Audit | None:
    audit = audit_list_visible(user=user).filter(pk=pk).first()
    access_log_record(
        user=user,
        object_type="audit",
        object_id=pk,
        via=via,
        outcome=AccessOutcome.ALLOWED if audit else AccessOutcome.NOT_FOUND,
    )
    return audit


def audit_list_for_auditor(*, staff: Staff) -> QuerySet[Audit]:
    return (
        _base()
        .filter(auditor=staff)
        .exclude(status=AuditStatus.CANCELLED)
        .order_by("due_date", "pk")
    )


def audit_list_for_moderator(*, staff: Staff) -> QuerySet[Audit]:
    return (
        _base()
        .filter(moderator=staff, status__in=VISIBLE_TO_OTHERS)
        .order_by("moderation_due_date", "pk")
    )


def is_pool_member(*, user: Any) -> bool:
    staff_id = getattr(user, "staff_id", None)
    if staff_id is None:
        return False
    return (
        PoolMember.objects.filter(staff_id=staff_id, active=True).exists()
        or Audit.objects.filter(Q(auditor_id=staff_id) | Q(moderator_id=staff_id)).exists()
    )


def cycle_list() -> QuerySet[Cycle]:
    return Cycle.objects.annotate(audit_count=Count("audits")).order_by("-start_date", "-pk")


def cycle_get(*, pk: int) -> Cycle | None:
    return Cycle.objects.filter(pk=pk).prefetch_related("phases").first()


def sample_list(*, cycle: Cycle) -> QuerySet[SampledCase]:
    return (
        SampledCase.objects.filter(cycle=cycle)
        .select_related("child", "team__district", "team__service", "decided_by")
        .order_by("team__name", "status", "child__council_child_id")
    )


def sample_counts(*, cycle: Cycle) -> dict[str, int]:
    return dict(
        SampledCase.objects.filter(cycle=cycle)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )


# Progress -------------------------------------------------------------------------------------

GROUPINGS = {
    "service": ("team__service__name",),
    "area": ("team__district__area__name",),
    "district": ("team__district__name",),
    "team": ("team__name",),
}


@dataclass(frozen=True)
class ProgressRow:
    name: str
    counts: dict[str, int]
    overdue: int
    total: int


def cycle_progress(*, cycle: Cycle, by: str = "team") -> list[ProgressRow]:
    """Counts of the cycle's audits per status and overdue, grouped: one aggregate query."""
    if by not in GROUPINGS:
        by = "team"
    today = clock.today()
    name_field = GROUPINGS[by][0]
    overdue = Q(
        status__in=(AuditStatus.ALLOCATED, AuditStatus.IN_PROGRESS, AuditStatus.RETURNED),
        due_date__lt=today,
    ) | Q(
        status__in=(AuditStatus.SUBMITTED, AuditStatus.IN_MODERATION), moderation_due_date__lt=today
    )
    aggregates = {f"n_{s}": Count("pk", filter=Q(status=s)) for s in AuditStatus.values}
    rows = (
        Audit.objects.filter(cycle=cycle)
        .values(name_field)
        .annotate(total=Count("pk"), overdue=Count("pk", filter=overdue), **aggregates)
        .order_by(name_field)
    )
    return [
        ProgressRow(
            name=r[name_field],
            counts={s: r[f"n_{s}"] for s in AuditStatus.values},
            overdue=r["overdue"],
            total=r["total"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class LoadRow:
    staff_id: int
    name: str
    capacity: int
    load: int
    open: int


def pool_load(*, cycle: Cycle, kind: str) -> list[LoadRow]:
    """Each pool member's audits in this cycle against their capacity for it."""
    from .services import pool_capacity_and_load

    field_name = "auditor_id" if kind == PoolKind.AUDITOR else "moderator_id"
    in_cycle = dict(
        Audit.objects.filter(cycle=cycle, **{f"{field_name}__isnull": False})
        .exclude(status=AuditStatus.CANCELLED)
        .values_list(field_name)
        .annotate(n=Count("pk"))
        .order_by()
    )
    open_in_cycle = dict(
        Audit.objects.filter(cycle=cycle, **{f"{field_name}__isnull": False})
        .exclude(status__in=FINAL_STATES)
        .values_list(field_name)
        .annotate(n=Count("pk"))
        .order_by()
    )
    capacity = pool_capacity_and_load(cycle=cycle, kind=kind)
    names = {
        s["pk"]: f"{s['given_name']} {s['family_name']}"
        for s in Staff.objects.filter(pk__in=set(capacity) | set(in_cycle)).values(
            "pk", "given_name", "family_name"
        )
    }
    rows = [
        LoadRow(
            staff_id=staff_id,
            name=names.get(staff_id, ""),
            capacity=capacity.get(staff_id, (0, 0))[0],
            load=in_cycle.get(staff_id, 0),
            open=open_in_cycle.get(staff_id, 0),
        )
        for staff_id in set(capacity) | set(in_cycle)
    ]
    return sorted(rows, key=lambda r: (-r.load / max(r.capacity, 1), r.name))


def pool_members(*, kind: str) -> QuerySet[PoolMember]:
    return PoolMember.objects.filter(kind=kind).select_related("staff")


# Agreement ------------------------------------------------------------------------------------

AGREEMENT_GROUPS = {
    "auditor": ("auditor__given_name", "auditor__family_name"),
    "team": ("team__name",),
    "area": ("team__district__area__name",),
    "service": ("team__service__name",),
}


@dataclass(frozen=True)
class AgreementRow:
    name: str
    result: Agreement


def _grade_pairs(audits: QuerySet[Audit], by: str) -> dict[str, list[tuple[str, str]]]:
    """group name -> (auditor grade, moderator grade) for every section and overall grade of
    finalised moderations."""
    fields = AGREEMENT_GROUPS[by]
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in audits.filter(moderation__status=ModerationStatus.FINALISED).values(
        *fields,
        "submitted_section_grades",
        "submitted_overall_grade",
        "moderation__section_grades",
        "moderation__overall_grade",
    ):
        name = " ".join(str(row[f]) for f in fields)
        for key, auditor_grade in (row["submitted_section_grades"] or {}).items():
            moderated = (row["moderation__section_grades"] or {}).get(key, {}).get("grade")
            if auditor_grade in GRADE_ORDER and moderated in GRADE_ORDER:
                groups[name].append((auditor_grade, moderated))
        if (
            row["submitted_overall_grade"] in GRADE_ORDER
            and row["moderation__overall_grade"] in GRADE_ORDER
        ):
            groups[name].append((row["submitted_overall_grade"], row["moderation__overall_grade"]))
    return groups


def moderation_agreement(*, by: str = "auditor", cycle: Cycle | None = None) -> list[AgreementRow]:
    if by not in AGREEMENT_GROUPS:
        by = "auditor"
    audits = Audit.objects.all()
    if cycle is not None:
        audits = audits.filter(cycle=cycle)
    groups = _grade_pairs(audits, by)
    return [AgreementRow(name, agreement(pairs)) for name, pairs in sorted(groups.items())]


def moderation_agreement_overall(*, cycle: Cycle | None = None) -> Agreement:
    audits = Audit.objects.all()
    if cycle is not None:
        audits = audits.filter(cycle=cycle)
    pairs = [p for group in _grade_pairs(audits, "service").values() for p in group]
    return agreement(pairs)


@dataclass(frozen=True)
class TriadProposal:
    audit: Audit
    variance: int  # total steps between auditor and moderator grades


def triad_proposals(*, cycle: Cycle, limit: int = 10) -> list[TriadProposal]:
    """Finalised audits of the cycle where auditor and moderator differed most, not yet
    discussed at a triad."""
    audits = (
        _base()
        .filter(cycle=cycle, status=AuditStatus.FINALISED, triads__isnull=True)
        .select_related("moderation")
    )
    proposals = []
    for audit in audits:
        moderation = audit.moderation
        variance = 0
        for key, grade in audit.submitted_section_grades.items():
            moderated = moderation.section_grades.get(key, {}).get("grade")
            if grade in GRADE_ORDER and moderated in GRADE_ORDER:
                variance += grade_distance(grade, moderated)
        if audit.submitted_overall_grade in GRADE_ORDER and moderation.overall_grade in GRADE_ORDER:
            variance += grade_distance(audit.submitted_overall_grade, moderation.overall_grade)
        if variance:
            proposals.append(TriadProposal(audit, variance))
    proposals.sort(key=lambda p: (-p.variance, p.audit.pk))
    return proposals[:limit]


def triad_list(*, cycle: Cycle) -> QuerySet[Triad]:
    return (
        Triad.objects.filter(cycle=cycle)
        .select_related("manager_one", "manager_two", "qa_member")
        .prefetch_related("audits")
    )


def inquiry_list(*, cycle: Cycle) -> QuerySet[AppreciativeInquiry]:
    return AppreciativeInquiry.objects.filter(cycle=cycle).select_related("team")
