"""The action workflow, stated here as its own specification (never read from workflows.py)
and checked both ways: the implementation's moves are exactly these, and every (state,
requested status, role) case driven through the real service succeeds or is refused as the
table says, changing nothing when refused."""

import pytest
from bs4 import BeautifulSoup
from django.db import transaction

from qaf.accounts.models import Role
from qaf.actions.models import Action, ActionStatus
from qaf.actions.services import action_update
from qaf.actions.tests.factories import ActionFactory
from qaf.actions.workflows import ACTION_WORKFLOW
from qaf.common.errors import IllegalTransition, Invalid, NotAllowed
from qaf.common.tests.workflow_spec import assert_moves_are

pytestmark = pytest.mark.django_db

OPEN, IN_PROGRESS, DONE, CANCELLED = "open", "in_progress", "done", "cancelled"
STATES = [OPEN, IN_PROGRESS, DONE, CANCELLED]

# The legal moves: (from, step, to).
LEGAL = {
    (OPEN, "start", IN_PROGRESS),
    (IN_PROGRESS, "reopen", OPEN),
    (OPEN, "complete", DONE),
    (IN_PROGRESS, "complete", DONE),
    (OPEN, "cancel", CANCELLED),
    (IN_PROGRESS, "cancel", CANCELLED),
}
# Who may take every step on an action owned by the practitioner and set in their team: the
# owner, the managers whose scope holds the team, the director and the QA unit. Nobody else.
MAY_UPDATE = {
    Role.PRACTITIONER,
    Role.TEAM_MANAGER,
    Role.SERVICE_MANAGER,
    Role.ASSISTANT_DIRECTOR,
    Role.DIRECTOR,
    Role.QA_OFFICER,
}
ROLES = list(Role)
EVIDENCE = "Visit recorded on the child's file on 3 March"


def test_the_workflow_allows_exactly_the_specified_moves():
    assert_moves_are(ACTION_WORKFLOW, LEGAL)
    assert ACTION_WORKFLOW.final == {DONE, CANCELLED}


class Rollback(Exception):
    pass


def _attempt(council, state, requested, role):
    """Update a fresh action in `state` to `requested` as `role`: (outcome, action after).
    The outcome is the error's type, or None when it succeeded. Nothing outlives the call."""
    outcome, after = None, None
    try:
        with transaction.atomic():
            action = ActionFactory(
                owner=council.users[Role.PRACTITIONER].staff,
                team=council.home_team,
                status=state,
                evidence="Earlier note" if state in (DONE, CANCELLED) else "",
            )
            before = Action.objects.values("status", "evidence", "completed_at").get(pk=action.pk)
            try:
                action_update(
                    action=action, by=council.users[role], status=requested, evidence=EVIDENCE
                )
            except (IllegalTransition, NotAllowed, Invalid) as error:
                outcome = type(error)
                unchanged = Action.objects.values("status", "evidence", "completed_at").get(
                    pk=action.pk
                )
                assert unchanged == before, f"a refused update changed the action: {unchanged}"
            after = Action.objects.get(pk=action.pk)
            raise Rollback
    except Rollback:
        pass
    return outcome, after


def _expected(state, requested, role):
    """What the specification says: (error type or None, status after)."""
    moves = {(s, t) for s, _, t in LEGAL}
    if requested == state:  # no step: recording progress on an open action only
        if state in (DONE, CANCELLED):
            return IllegalTransition, state
    elif (state, requested) not in moves:
        return IllegalTransition, state
    if role not in MAY_UPDATE:
        return NotAllowed, state
    return None, requested


@pytest.mark.parametrize("requested", STATES)
@pytest.mark.parametrize("state", STATES)
def test_every_state_requested_status_and_role_through_the_service(council, state, requested):
    for role in ROLES:
        error, status = _expected(state, requested, role)
        outcome, after = _attempt(council, state, requested, role)
        assert outcome is error, (state, requested, role, outcome)
        assert after.status == status, (state, requested, role)
        if error is None:
            assert after.evidence == EVIDENCE
            assert (after.completed_at is not None) == (status == DONE)


def test_done_needs_evidence_of_completion(council):
    action = ActionFactory(owner=council.users[Role.PRACTITIONER].staff, team=council.home_team)
    with pytest.raises(Invalid, match="Enter the evidence that the action is complete"):
        action_update(
            action=action, by=council.users[Role.PRACTITIONER], status=DONE, evidence="  "
        )
    action.refresh_from_db()
    assert action.status == OPEN


def test_an_unknown_status_is_invalid(council):
    action = ActionFactory(owner=council.users[Role.PRACTITIONER].staff)
    with pytest.raises(Invalid, match="Choose a status"):
        action_update(action=action, by=council.users[Role.QA_OFFICER], status="finished")


def test_pages_offer_exactly_the_statuses_the_person_may_reach(council, client_for):
    action = ActionFactory(
        owner=council.users[Role.PRACTITIONER].staff,
        team=council.home_team,
        status=ActionStatus.IN_PROGRESS,
        created_by=council.users[Role.CP_CHAIR],  # sees the action it set, may not move it
    )

    def offered(role):
        page = BeautifulSoup(client_for(role).get(f"/actions/{action.pk}/").content, "html.parser")
        return [i["value"] for i in page.select("input[name=status]")]

    assert offered(Role.PRACTITIONER) == [OPEN, IN_PROGRESS, DONE, CANCELLED]
    assert offered(Role.CP_CHAIR) == []
    action.status = DONE
    action.evidence = EVIDENCE
    action.save()
    assert offered(Role.PRACTITIONER) == []
