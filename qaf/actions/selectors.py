"""Reads of actions, plans and meetings, scoped like every child-level read."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from qaf.access_log.services import get_visible
from qaf.accounts.permissions import is_manager, is_practitioner, sees_children
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
    if scope.kind == ScopeKind.NOTHING or not sees_children(user):
        return actions.none()
    own = Q(owner_id=scope.staff_id) | Q(created_by=user)
    if scope.kind == ScopeKind.TEAMS:
        return actions.filter(own | Q(team_id__in=scope.team_ids))
    return actions.filter(own)


def action_get_visible(*, user: Any, pk: int, via: str = "page") -> Action:
    """One action in the person's scope (logged; NotFound otherwise)."""
    return get_visible(
        action_list_visible(user=user), user=user, pk=pk, object_type="action", via=via
    )


def plan_action_get_visible(*, user: Any, pk: int, via: str = "page") -> Action:
    """One action of an action plan in the person's scope (logged; NotFound otherwise)."""
    return get_visible(
        action_list_visible(user=user).filter(plan__isnull=False),
        user=user,
        pk=pk,
        object_type="action",
        via=via,
    )


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

    if not sees_children(user):
        return Staff.objects.none()
    visible = staff_list_visible(user=user)
    if is_practitioner(user):
        return visible.filter(pk=user.staff.pk) if user.staff else Staff.objects.none()
    return visible


def supervisee_get_visible(*, user: Any, pk: int, via: str = "page") -> Staff:
    """Someone whose supervision agenda (which names children) this account may open."""
    return get_visible(
        supervisees_visible(user=user), user=user, pk=pk, object_type="staff", via=via
    )


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
    """Plans: managers (team manager and above) and the QA unit read them all."""
    if not is_manager(user):
        return ActionPlan.objects.none()
    return ActionPlan.objects.select_related("owner", "service", "area")


def action_plan_get_visible(*, user: Any, pk: int, via: str = "page") -> ActionPlan:
    return get_visible(
        action_plan_list_visible(user=user), user=user, pk=pk, object_type="action_plan", via=via
    )


def action_plan_actions(*, plan: ActionPlan, user: Any) -> QuerySet[Action]:
    """The plan's actions the person may see: each action keeps its own scope."""
    return action_list_visible(user=user).filter(plan=plan).order_by("due_date", "pk")


def meeting_list_visible(*, user: Any) -> QuerySet[Meeting]:
    """Meetings: managers (team manager and above) and the QA unit read them all."""
    if not is_manager(user):
        return Meeting.objects.none()
    return Meeting.objects.all()


def meeting_get_visible(*, user: Any, pk: int, via: str = "page") -> Meeting:
    return get_visible(
        meeting_list_visible(user=user), user=user, pk=pk, object_type="meeting", via=via
    )


def meeting_action_log(*, meeting: Meeting, user: Any) -> QuerySet[Action]:
    """The meeting's action log as far as the person may see it: each action keeps its own
    scope."""
    return (
        action_list_visible(user=user)
        .filter(meeting=meeting)
        .order_by("item_number", "item_letter")
    )


def meeting_carried_forward(*, meeting: Meeting, user: Any) -> QuerySet[Action]:
    """Open actions from earlier meetings of the same kind, in the person's scope: their status
    is carried forward."""
    return (
        action_list_visible(user=user)
        .filter(
            meeting__kind=meeting.kind,
            meeting__date__lt=meeting.date,
            status__in=OPEN_STATUSES,
        )
        .order_by("meeting__date", "item_number", "item_letter")
    )
