"""Reads of escalations and practice reviews. Every child-level read is scoped."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from qaf.access_log.services import get_visible
from qaf.accounts.permissions import (
    is_assistant_director,
    is_qa_unit,
    is_service_manager,
    is_team_manager,
    sees_children,
)
from qaf.calendar import working_days_between
from qaf.cases.models import Child
from qaf.cases.selectors import child_get_visible, child_list_visible
from qaf.common import clock
from qaf.common.errors import NotFound
from qaf.organisation.models import District, JobRole, Staff
from qaf.organisation.selectors import ScopeKind, scope_for

from .models import (
    BEFORE_SIGN_OFF,
    FINISHED_STATES,
    ClosureDay,
    Escalation,
    EscalationStatus,
    PracticeReview,
    SecondPersonDecision,
    SecondPersonRequest,
)


def closure_days() -> frozenset[dt.date]:
    """The council's closure days, as the calendar's ``closures`` argument."""
    return frozenset(ClosureDay.objects.values_list("date", flat=True))


def closure_day_list() -> QuerySet[ClosureDay]:
    return ClosureDay.objects.select_related("created_by")


def closure_day_get(*, pk: int) -> ClosureDay:
    """A closure day (not child-level: nothing to log), or NotFound."""
    closure = ClosureDay.objects.filter(pk=pk).first()
    if closure is None:
        raise NotFound()
    return closure


def _base() -> QuerySet[Escalation]:
    return Escalation.objects.select_related(
        "child", "district__area", "district__service_manager", "team", "practitioner", "raised_by"
    )


def escalation_list_visible(*, user: Any) -> QuerySet[Escalation]:
    """Escalations this account may see; deny by default.

    QA unit and directors: all. Service managers: their district(s) and teams.
    Assistant directors: their area. Team managers: their team. Practitioners: their
    own cases. CP chairs and IROs: those they raised and their reviewed children.
    Elected members and partner auditors: none (aggregates only, on the dashboard).
    """
    scope = scope_for(user=user)
    escalations = _base()
    if scope.kind == ScopeKind.EVERYTHING:
        return escalations
    if scope.kind == ScopeKind.NOTHING or not sees_children(user):
        return escalations.none()
    staff_id = scope.staff_id
    if is_service_manager(user):
        return escalations.filter(
            Q(district__service_manager_id=staff_id) | Q(team_id__in=scope.team_ids)
        )
    if is_assistant_director(user):
        return escalations.filter(
            Q(district__area__assistant_director_id=staff_id) | Q(team_id__in=scope.team_ids)
        )
    if is_team_manager(user):
        return escalations.filter(team_id__in=scope.team_ids)
    if scope.kind == ScopeKind.OWN_CASELOAD:
        return escalations.filter(
            Q(practitioner_id=staff_id) | Q(child__in=child_list_visible(user=user))
        )
    if scope.kind == ScopeKind.REVIEWED_CASES:
        return escalations.filter(Q(raised_by=user) | Q(child__in=child_list_visible(user=user)))
    return escalations.none()


def escalation_get_visible(*, user: Any, pk: int, via: str = "page") -> Escalation:
    """One escalation in the person's scope (logged; NotFound otherwise)."""
    return get_visible(
        escalation_list_visible(user=user), user=user, pk=pk, object_type="escalation", via=via
    )


def escalation_list_open_first(*, user: Any) -> list[Escalation]:
    """Open escalations by deadline, then finished ones most recent first."""
    visible = escalation_list_visible(user=user)
    open_ = list(visible.exclude(status__in=FINISHED_STATES).order_by("deadline_at", "pk"))
    finished = list(visible.filter(status__in=FINISHED_STATES).order_by("-raised_at", "-pk")[:100])
    return open_ + finished


def escalation_is_overdue(*, escalation: Escalation, now: dt.datetime | None = None) -> bool:
    """Not signed off and past the end of its deadline day."""
    now = now or clock.now()
    return escalation.status in BEFORE_SIGN_OFF and now > escalation.deadline_at


def escalation_steps(*, escalation: Escalation) -> QuerySet[Any]:
    return escalation.steps.select_related("by")


def second_person_request_list(*, escalation: Escalation) -> QuerySet[SecondPersonRequest]:
    return escalation.requests.select_related("requested_by", "decided_by")


def second_person_request_pending(*, escalation: Escalation) -> SecondPersonRequest | None:
    return escalation.requests.filter(decision=SecondPersonDecision.PENDING).first()


def second_person_request_get_visible(
    *, user: Any, pk: int, via: str = "page"
) -> SecondPersonRequest:
    """A second-person request on an escalation in the person's scope (logged; NotFound
    otherwise)."""
    requests = SecondPersonRequest.objects.filter(
        escalation__in=escalation_list_visible(user=user)
    ).select_related("escalation__child", "requested_by")
    return get_visible(requests, user=user, pk=pk, object_type="second_person_request", via=via)


def second_person_request_list_awaiting(*, user: Any) -> QuerySet[SecondPersonRequest]:
    """Pending requests on escalations this account sees, asked by someone else."""
    return (
        SecondPersonRequest.objects.filter(
            decision=SecondPersonDecision.PENDING,
            escalation__in=escalation_list_visible(user=user),
        )
        .exclude(requested_by=user)
        .select_related("escalation__child", "requested_by")
    )


def staff_with_job_role(*, job_role: str) -> list[Staff]:
    return list(Staff.objects.filter(job_role=job_role, is_active=True))


def qa_copy_list() -> list[Staff]:
    """The QA service manager(s) and principal social worker(s), copied on every escalation."""
    return list(
        Staff.objects.filter(
            is_active=True,
            job_role__in=[JobRole.QA_MANAGER, JobRole.PRINCIPAL_SOCIAL_WORKER],
        )
    )


def practice_review_list_visible(*, user: Any) -> QuerySet[PracticeReview]:
    """Practice reviews on children this account sees (plus the reviewer's own): so the
    practitioner's team manager sees the appreciations and alerts about their team. A review
    whose QA form is still a draft: its reviewer and the QA unit only."""
    reviews = PracticeReview.objects.select_related("child", "reviewer", "alert")
    if not sees_children(user):
        return reviews.none()
    scope = scope_for(user=user)
    if scope.kind == ScopeKind.EVERYTHING:
        if is_qa_unit(user):
            return reviews
        return reviews.filter(Q(grade__gt="") | Q(reviewer_id=scope.staff_id))
    if scope.kind == ScopeKind.NOTHING:
        return reviews.none()
    # A draft (the QA form not yet submitted) only to its reviewer and the QA unit.
    return reviews.filter(
        Q(child__in=child_list_visible(user=user), grade__gt="") | Q(reviewer_id=scope.staff_id)
    )


def practice_review_get_visible(*, user: Any, pk: int, via: str = "page") -> PracticeReview:
    return get_visible(
        practice_review_list_visible(user=user),
        user=user,
        pk=pk,
        object_type="practice_review",
        via=via,
    )


def practice_review_draft_get_visible(*, user: Any, pk: int, via: str = "page") -> PracticeReview:
    """The person's own practice review whose QA form's outcome is not yet recorded: what its
    form pages work on (anyone else, or a recorded review: NotFound)."""
    drafts = (
        practice_review_list_visible(user=user)
        .filter(grade="", form__isnull=False, form__author_id=getattr(user, "pk", None))
        .select_related("form__tool_version__tool", "form__child", "form__author")
        .defer("form__tool_version__definition_data")
    )
    return get_visible(drafts, user=user, pk=pk, object_type="practice_review", via=via)


def child_find_visible(*, user: Any, council_child_id: str) -> Child | None:
    """The child with this council child ID among those the person sees (the read logged), or
    None: forms say so on the field."""
    match = child_list_visible(user=user).filter(council_child_id=council_child_id.strip()).first()
    return None if match is None else child_get_visible(user=user, pk=match.pk)


def children_reviewable(*, user: Any) -> QuerySet[Child]:
    return child_list_visible(user=user).order_by("council_child_id")


# Dashboard: aggregates only, no child can be identified.


@dataclass
class DistrictRow:
    district: str
    open: int = 0
    overdue: int = 0
    signed_off: int = 0
    sign_off_days: list[int] = field(default_factory=list)

    @property
    def average_days_to_sign_off(self) -> float | None:
        if not self.sign_off_days:
            return None
        return round(sum(self.sign_off_days) / len(self.sign_off_days), 1)


@dataclass
class PeriodRow:
    period: str
    raised: int = 0
    due: int = 0
    in_time: int = 0

    @property
    def share_in_time(self) -> int | None:
        """Percentage of escalations already due that were signed off by their deadline."""
        if not self.due:
            return None
        return round(100 * self.in_time / self.due)


def escalation_dashboard(*, closures: frozenset[dt.date] | None = None) -> dict[str, Any]:
    """Open and overdue escalations by district, working days to sign-off, and per month the
    share signed off within the deadline. Council-wide aggregates: safe for every role."""
    now = clock.now()
    closures = closure_days() if closures is None else closures
    rows: dict[str, DistrictRow] = {
        name: DistrictRow(name) for name in District.objects.values_list("name", flat=True)
    }
    periods: dict[str, PeriodRow] = defaultdict(lambda: PeriodRow(""))
    values = Escalation.objects.exclude(status=EscalationStatus.CANCELLED).values_list(
        "district__name", "status", "raised_at", "deadline_at", "signed_off_at"
    )
    for district, status, raised_at, deadline_at, signed_off_at in values:
        row = rows.setdefault(district or "No district", DistrictRow(district or "No district"))
        if status in BEFORE_SIGN_OFF:
            row.open += 1
            if now > deadline_at:
                row.overdue += 1
        if signed_off_at is not None:
            row.signed_off += 1
            row.sign_off_days.append(
                working_days_between(
                    timezone.localdate(raised_at),
                    timezone.localdate(signed_off_at),
                    closures=closures,
                )
            )
        local_raised = timezone.localtime(raised_at)
        key = f"{local_raised:%Y-%m}"
        period = periods[key]
        period.period = f"{local_raised:%B %Y}"
        period.raised += 1
        if signed_off_at is not None or now > deadline_at:
            period.due += 1
            if signed_off_at is not None and signed_off_at <= deadline_at:
                period.in_time += 1
    return {
        "districts": sorted(rows.values(), key=lambda r: r.district),
        "periods": [periods[k] for k in sorted(periods, reverse=True)],
        "open": sum(r.open for r in rows.values()),
        "overdue": sum(r.overdue for r in rows.values()),
    }
