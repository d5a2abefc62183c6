"""Object kinds for qaf.actions routes: actions, plan actions, plans, meetings and supervisees."""

from typing import Any

from qaf.accounts.models import Role
from qaf.actions.tests.factories import ActionFactory, ActionPlanFactory, MeetingFactory
from qaf.organisation.tests.factories import StaffFactory, TeamMembershipFactory
from tests.access_matrix.objects import ANONYMOUS

EVERYTHING = {Role.QA_OFFICER, Role.DIRECTOR}
MEETING_ROLES = {
    Role.QA_OFFICER,
    Role.DIRECTOR,
    Role.ASSISTANT_DIRECTOR,
    Role.SERVICE_MANAGER,
    Role.TEAM_MANAGER,
}
NO_ACTIONS = {Role.PARTNER_AUDITOR, Role.ELECTED_MEMBER, ANONYMOUS}


def _action_pair(council: Any, role: str, **kwargs: Any) -> tuple[int | None, int | None]:
    """The role's own action (all actions for the QA unit and directors) and a stranger's."""
    stranger = ActionFactory(**kwargs)
    if role in NO_ACTIONS:
        return None, stranger.pk
    if role in EVERYTHING:
        return stranger.pk, None
    mine = ActionFactory(owner=council.users[role].staff, **kwargs)
    return mine.pk, stranger.pk


def action(council: Any, role: str) -> tuple[int | None, int | None]:
    return _action_pair(council, role)


def plan_action(council: Any, role: str) -> tuple[int | None, int | None]:
    return _action_pair(council, role, plan=ActionPlanFactory())


def plan(council: Any, role: str) -> tuple[int | None, int | None]:
    made = ActionPlanFactory()
    return (made.pk, None) if role in MEETING_ROLES else (None, made.pk)


def meeting(council: Any, role: str) -> tuple[int | None, int | None]:
    made = MeetingFactory()
    return (made.pk, None) if role in MEETING_ROLES else (None, made.pk)


def supervisee(council: Any, role: str) -> tuple[int | None, int | None]:
    """Someone whose supervision agenda the role may open, and someone whose it may not."""
    worker = council.users[Role.PRACTITIONER].staff
    far = StaffFactory()
    TeamMembershipFactory(staff=far, team=council.other_area_team)
    if role == Role.PRACTITIONER:
        return worker.pk, council.users[Role.TEAM_MANAGER].staff.pk
    if role in {Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.ASSISTANT_DIRECTOR}:
        return worker.pk, far.pk
    if role in EVERYTHING:
        return far.pk, None
    return None, worker.pk


KINDS = {
    "action": action,
    "plan_action": plan_action,
    "action_plan": plan,
    "meeting": meeting,
    "supervisee": supervisee,
}
