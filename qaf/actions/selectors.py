"""Reads of actions, plans and meetings, scoped like every child-level read."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from qaf.accounts.models import Role
from qaf.common import clock
from qaf.organisation.models import Staff
from qaf.organisation.selectors import ScopeKind, scope_for

from .models import OPEN_STATUSES, Action, ActionPlan, ActionSource, Meeting

# A practitioner's practice actions that follow through to supervision.
SUPERVISION_SOURCES = (
    ActionSource.AUDIT,
    ActionSource.MODERATION,
    ActionSource.ESCALATION,
    ActionSource.PRACTICE_ALERT,
)
LEADERSHIP_ROLES = frozenset(
    {Role.QA_OFFICER, Role.DIRECTOR, Role.ASSISTANT_DIRECTOR, Role.SERVICE_MANAGER}
)
MEETING_ROLES = LEADERSHIP_ROLES | {Role.TEAM_MANAGER}


def _base() -> QuerySet[Action]:
    return Action.objects.select_related(
        "owner", "team__service", "team__district__area", "child", "plan", "meeting"
    )


def action_list_visible(*, user: Any) -> QuerySet[Action]:
    """QA unit and directors: all. Managers: actions of their teams and their own.
    Everyone else: their own. Elected members and partner auditors: none."""
    scope = scope_for(user=user)
    actions = _base()
    if scope.kind == ScopeKind.EVERYTHING:
        return actions
    if scope.kind == ScopeKind.NOTHING or not user.sees_children:
        return actions.none()
    own = Q(owner_id=scope.staff_id) | Q(created_by=user)
    if scope.kind == ScopeKind.TEAMS:
        return actions.filter(own | Q(team_id__in=scope.team_ids))
    return actions.filter(own)


def action_get_visible(*, user: Any, pk: int) -> Action | None:
    return action_list_visible(user=user).filter(pk=pk).first()


def overdue_first(actions: QuerySet[Action]) -> QuerySet[Action]:
    """Overdue open actions first (oldest due first), then other open ones, then closed."""
    today = clock.today()
    return actions.annotate(
        rank=Case(
            When(status__in=OPEN_STATUSES, due_date__lt=today, then=Value(0)),
            When(status__in=OPEN_STATUSES, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("rank", "due_date", "pk")


def action_list_mine(*, user: Any) -> QuerySet[Action]:
    if user.staff is None:
        return Action.objects.none()
    return overdue_first(_base().filter(owner=user.staff))


def supervision_agenda(*, staff: Staff) -> QuerySet[Action]:
    """A practitioner's open practice actions, for their next supervision."""
    return overdue_first(
        _base().filter(owner=staff, status__in=OPEN_STATUSES, source__in=SUPERVISION_SOURCES)
    )


def supervisees_visible(*, user: Any) -> QuerySet[Staff]:
    """People whose supervision agenda this account may open: itself, and the staff of the
    teams in its scope (everyone for the QA unit)."""
    from qaf.organisation.selectors import staff_list_visible

    if not user.sees_children:
        return Staff.objects.none()
    visible = staff_list_visible(user=user)
    if user.role == Role.PRACTITIONER:
        return visible.filter(pk=user.staff.pk) if user.staff else Staff.objects.none()
    return visible


def recommendations(
    *, user: Any, source: str = "", service_id: int | None = None, area_id: int | None = None
) -> QuerySet[Action]:
    """The "getting to outstanding" view: every recommendation, overdue first."""
    actions = action_list_visible(user=user)
    if source:
        actions = actions.filter(source=source)
    if service_id:
        actions = actions.filter(Q(team__service_id=service_id) | Q(plan__service_id=service_id))
    if area_id:
        actions = actions.filter(Q(team__district__area_id=area_id) | Q(plan__area_id=area_id))
    return overdue_first(actions)


def overdue_summary(*, user: Any) -> dict[str, list[tuple[str, int]]]:
    """Counts of overdue open actions by owner, team and source (most first)."""
    today = clock.today()
    overdue = action_list_visible(user=user).filter(status__in=OPEN_STATUSES, due_date__lt=today)
    by_owner: Counter[str] = Counter()
    by_team: Counter[str] = Counter()
    by_source: Counter[str] = Counter()
    labels = dict(ActionSource.choices)
    for action in overdue:
        by_owner[action.owner.full_name] += 1
        by_team[action.team.name if action.team else "No team"] += 1
        by_source[labels[action.source]] += 1
    return {
        "owner": sorted(by_owner.items(), key=lambda kv: (-kv[1], kv[0])),
        "team": sorted(by_team.items(), key=lambda kv: (-kv[1], kv[0])),
        "source": sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0])),
    }


def action_plan_list_visible(*, user: Any) -> QuerySet[ActionPlan]:
    if user.role not in MEETING_ROLES:
        return ActionPlan.objects.none()
    return ActionPlan.objects.select_related("owner", "service", "area")


def action_plan_get_visible(*, user: Any, pk: int) -> ActionPlan | None:
    return action_plan_list_visible(user=user).filter(pk=pk).first()


def meeting_list_visible(*, user: Any) -> QuerySet[Meeting]:
    if user.role not in MEETING_ROLES:
        return Meeting.objects.none()
    return Meeting.objects.all()


def meeting_get_visible(*, user: Any, pk: int) -> Meeting | None:
    return meeting_list_visible(user=user).filter(pk=pk).first()


def meeting_action_log(*, meeting: Meeting) -> QuerySet[Action]:
    return meeting.actions.select_related("owner").order_by("item_number", "item_letter")


def meeting_carried_forward(*, meeting: Meeting) -> QuerySet[Action]:
    """Open actions from earlier meetings of the same kind: their status is carried forward."""
    return (
        Action.objects.filter(
            meeting__kind=meeting.kind,
            meeting__date__lt=meeting.date,
            status__in=OPEN_STATUSES,
        )
        .select_related("owner", "meeting")
        .order_by("meeting__date", "item_number", "item_letter")
    )
