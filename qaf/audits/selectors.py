"""Reads for the audit cycle. Every read of an audit goes through audit_list_visible; one audit
by key through audit_get_visible (logged, NotFound when out of scope)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery

from qaf.access_log.services import get_visible
from qaf.accounts.models import User
from qaf.accounts.permissions import sees_children
from qaf.actions.models import Action
from qaf.cases.models import Involvement
from qaf.common import clock
from qaf.common.errors import NotFound
from qaf.organisation.models import Service, Staff, Team, TeamMembership
from qaf.organisation.selectors import ScopeKind, scope_for
from qaf.tools.models import ToolVersion, VersionStatus

from .agreement import GRADE_ORDER, Agreement, agreement, grade_distance
from .models import (
    AUDIT_FINAL,
    AUDIT_SHARED,
    AppreciativeInquiry,
    Audit,
    AuditStatus,
    Cycle,
    CycleStatus,
    CycleTool,
    Moderation,
    ModerationStatus,
    PhaseKind,
    PoolKind,
    PoolMember,
    SampledCase,
    Triad,
)
from .sampling import Candidate

if TYPE_CHECKING:
    from qaf.escalations.models import Escalation


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


def audit_list_visible(*, user: User) -> QuerySet[Audit]:
    """QA unit and directors: every audit. The auditor: theirs. Once submitted (and not
    cancelled), the moderator, the practitioner of the case and managers of its team (team,
    district, area). Nobody else."""
    scope = scope_for(user=user)
    audits = _base()
    if scope.kind == ScopeKind.EVERYTHING:
        return audits
    if scope.kind == ScopeKind.NOTHING or not sees_children.test(user) or user.staff_id is None:
        return audits.none()
    staff_id = user.staff_id
    mine = Q(auditor_id=staff_id) | Q(moderator_id=staff_id, status__in=AUDIT_SHARED)
    if scope.kind == ScopeKind.TEAMS:
        mine |= Q(team_id__in=scope.team_ids, status__in=AUDIT_SHARED)
    if scope.kind == ScopeKind.OWN_CASELOAD:
        mine |= Q(practitioner_id=staff_id, status__in=AUDIT_SHARED)
    return audits.filter(mine)


def audit_get_visible(*, user: User, pk: int, via: str = "page") -> Audit:
    """One audit the person may read, the read logged; NotFound otherwise."""
    return get_visible(
        audit_list_visible(user=user), user=user, pk=pk, object_type="audit", via=via
    )


def moderation_get(*, audit: Audit) -> Moderation:
    """The moderation of an audit already read through audit_get_visible; NotFound if there is
    none yet."""
    found = Moderation.objects.filter(audit=audit).first()
    if found is None:
        raise NotFound()
    return found


def moderation_of(*, audit: Audit) -> Moderation | None:
    return Moderation.objects.filter(audit=audit).first()


def audit_actions(*, audit: Audit) -> list[Action]:
    """The actions set on the case from this audit (by the auditor, and during moderation)."""
    return list(
        Action.objects.filter(
            reference_type=ContentType.objects.get_for_model(Audit), reference_id=str(audit.pk)
        ).select_related("owner")
    )


def audit_concern_escalation(*, audit: Audit) -> Escalation | None:
    """The concern raised from this audit, if any."""
    from qaf.escalations.models import Escalation

    return (
        Escalation.objects.filter(
            reference_type=ContentType.objects.get_for_model(Audit), reference_id=str(audit.pk)
        )
        .order_by("pk")
        .first()
    )


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
        .filter(moderator=staff, status__in=AUDIT_SHARED)
        .order_by("moderation_due_date", "pk")
    )


def cycle_list() -> QuerySet[Cycle]:
    return Cycle.objects.annotate(audit_count=Count("audits")).order_by("-start_date", "-pk")


def cycle_get(*, pk: int) -> Cycle:
    """One cycle (cycles hold no child's record: the gate is the QA unit's); NotFound if none."""
    found = Cycle.objects.filter(pk=pk).prefetch_related("phases").first()
    if found is None:
        raise NotFound()
    return found


def cycle_list_reported() -> QuerySet[Cycle]:
    """Cycles past planning: the ones with audits to report on."""
    return Cycle.objects.exclude(status=CycleStatus.PLANNING)


def cycle_tools(*, cycle: Cycle) -> QuerySet[CycleTool]:
    return CycleTool.objects.filter(cycle=cycle).select_related("service", "tool_version__tool")


def cycle_tool_choice(*, cycle: Cycle) -> dict[int, int]:
    """service id -> the tool version chosen for it."""
    return dict(CycleTool.objects.filter(cycle=cycle).values_list("service_id", "tool_version_id"))


def published_tool_versions() -> list[ToolVersion]:
    return list(ToolVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("tool"))


def service_list() -> list[Service]:
    return list(Service.objects.all())


def cycle_teams(*, cycle: Cycle) -> QuerySet[Team]:
    """The teams with audits in the cycle (who may hold an appreciative inquiry)."""
    return Team.objects.filter(pk__in=Audit.objects.filter(cycle=cycle).values("team_id"))


def cycle_finalised_audits(*, cycle: Cycle) -> QuerySet[Audit]:
    return Audit.objects.filter(cycle=cycle, status=AuditStatus.FINALISED).select_related("child")


def cycle_unallocated_audits(*, cycle: Cycle) -> QuerySet[Audit]:
    return (
        Audit.objects.filter(cycle=cycle, auditor__isnull=True)
        .exclude(status=AuditStatus.CANCELLED)
        .select_related("child", "team")
    )


def sampled_case_get(*, cycle: Cycle, pk: int) -> SampledCase:
    found = SampledCase.objects.filter(cycle=cycle, pk=pk).select_related("child", "team").first()
    if found is None:
        raise NotFound()
    return found


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


def open_involvement(*, child_id: int, on: dt.date) -> Involvement | None:
    """The child's latest involvement open on the day (what a case added by hand audits)."""
    return (
        Involvement.objects.filter(child_id=child_id, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .select_related("team")
        .order_by("-start_date")
        .first()
    )


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


def staff_current_teams() -> dict[int, tuple[frozenset[int], frozenset[int]]]:
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
    months = _cycle_months(
        cycle, PhaseKind.AUDIT if kind == PoolKind.AUDITOR else PhaseKind.MODERATION
    )
    phases = list(cycle.phases.all())
    start = min((p.start_date for p in phases), default=cycle.start_date)
    end = max((p.end_date for p in phases), default=cycle.start_date)
    field_name = "auditor_id" if kind == PoolKind.AUDITOR else "moderator_id"
    due = "due_date" if kind == PoolKind.AUDITOR else "moderation_due_date"
    loads = dict(
        Audit.objects.exclude(status__in=AUDIT_FINAL)
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


def pool_load(*, cycle: Cycle, kind: str) -> list[LoadRow]:
    """Each pool member's audits in this cycle against their capacity for it."""
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
        .exclude(status__in=AUDIT_FINAL)
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
