"""The escalation state machine: every step from the one table, nothing else."""

import itertools

import pytest
import time_machine
from django.core import mail

from qaf.accounts.models import Role
from qaf.actions.models import Action, ActionSource
from qaf.common.errors import Conflict, IllegalTransition, Invalid, NotAllowed
from qaf.escalations.models import (
    Escalation,
    EscalationKind,
    EscalationStatus,
    EscalationStep,
    SecondPersonDecision,
    SecondPersonRequestKind,
)
from qaf.escalations.services import (
    escalation_take_step,
    second_person_request_create,
    second_person_request_decide,
)
from qaf.escalations.tests.conftest import at
from qaf.escalations.workflows import ESCALATION_WORKFLOW

pytestmark = pytest.mark.django_db

S = EscalationStatus
HAPPY_PATH = [
    ("acknowledge", Role.SERVICE_MANAGER, S.ACKNOWLEDGED),
    ("agree_actions", Role.SERVICE_MANAGER, S.ACTIONS_AGREED),
    ("confirm_on_file", Role.TEAM_MANAGER, S.ACTIONS_ON_FILE),
    ("sign_off", Role.SERVICE_MANAGER, S.SIGNED_OFF),
    ("close", Role.SERVICE_MANAGER, S.CLOSED),
]


def step(council, escalation, action, role, note="Recorded on the file."):
    user = council.users[role]
    return escalation_take_step(
        escalation=escalation, step=action, by=user, note=note, actions=["Visit within 5 days"]
    )


def walk_to(council, escalation, status):
    for action, role, _target in HAPPY_PATH:
        if escalation.status == status:
            return escalation
        escalation = step(council, escalation, action, role)
    assert escalation.status == status
    return escalation


def test_happy_path_timestamps_each_step_with_who(council, raise_on):
    escalation = raise_on(at(2026, 3, 2, 10, 0))
    with time_machine.travel(at(2026, 3, 2, 15, 0), tick=False):
        for action, role, target in HAPPY_PATH:
            escalation = step(council, escalation, action, role)
            assert escalation.status == target
    steps = list(
        EscalationStep.objects.filter(escalation=escalation).values_list("action", "by__username")
    )
    assert steps == [
        ("raise", "qa-officer"),
        ("acknowledge", "service-manager"),
        ("agree_actions", "service-manager"),
        ("confirm_on_file", "team-manager"),
        ("sign_off", "service-manager"),
        ("close", "service-manager"),
    ]
    assert escalation.signed_off_at == at(2026, 3, 2, 15, 0)


def test_agreed_actions_become_tracked_actions_for_the_worker(council, raise_on):
    escalation = walk_to(council, raise_on(at(2026, 3, 2, 10, 0)), S.ACKNOWLEDGED)
    escalation_take_step(
        escalation=escalation,
        step="agree_actions",
        by=council.users[Role.SERVICE_MANAGER],
        note="Met the worker and the manager.",
        actions=["Visit the child", "  ", "Update the plan"],
    )
    actions = Action.objects.filter(source=ActionSource.ESCALATION).order_by("pk")
    assert [a.title for a in actions] == ["Visit the child", "Update the plan"]
    assert {a.owner for a in actions} == {council.users[Role.PRACTITIONER].staff}
    assert {a.due_date for a in actions} == {escalation.deadline_on}
    assert {a.child for a in actions} == {council.own_child}


ALL_ACTIONS = [a for a in ESCALATION_WORKFLOW.steps if a != "close_without_sign_off"]
STATUS_ORDER = [
    S.RAISED,
    S.ACKNOWLEDGED,
    S.ACTIONS_AGREED,
    S.ACTIONS_ON_FILE,
    S.SIGNED_OFF,
    S.CLOSED,
]


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (status, action)
        for status, action in itertools.product(STATUS_ORDER, ALL_ACTIONS)
        if status not in ESCALATION_WORKFLOW.steps[action].sources
    ],
)
def test_every_illegal_step_raises_and_changes_nothing(council, raise_on, status, action):
    escalation = walk_to(council, raise_on(at(2026, 3, 2, 10, 0)), status)
    before = (escalation.status, EscalationStep.objects.count(), Action.objects.count())
    role = next((r for a, r, _ in HAPPY_PATH if a == action), Role.SERVICE_MANAGER)
    with pytest.raises(IllegalTransition, match="is not possible now"):
        step(council, escalation, action, role)
    escalation.refresh_from_db()
    assert (escalation.status, EscalationStep.objects.count(), Action.objects.count()) == before


def test_no_sign_off_before_the_actions_are_on_file(council, raise_on):
    escalation = walk_to(council, raise_on(at(2026, 3, 2, 10, 0)), S.ACTIONS_AGREED)
    with pytest.raises(IllegalTransition, match="is actions agreed: “Record management oversight"):
        step(council, escalation, "sign_off", Role.SERVICE_MANAGER)


def test_cancel_needs_a_reason_and_works_from_any_open_state(council, raise_on):
    escalation = walk_to(council, raise_on(at(2026, 3, 2, 10, 0)), S.ACTIONS_AGREED)
    with pytest.raises(Invalid, match="reason for cancelling"):
        step(council, escalation, "cancel", Role.SERVICE_MANAGER, note="  ")
    escalation.refresh_from_db()
    assert escalation.status == S.ACTIONS_AGREED
    escalation = step(
        council, escalation, "cancel", Role.SERVICE_MANAGER, note="Raised on the wrong child"
    )
    assert escalation.status == S.CANCELLED


@pytest.mark.parametrize(
    ("action", "role"),
    [
        ("acknowledge", Role.PRACTITIONER),
        ("acknowledge", Role.TEAM_MANAGER),
        ("acknowledge", Role.QA_OFFICER),
        ("confirm_on_file", Role.PRACTITIONER),
    ],
)
def test_wrong_role_is_refused(council, raise_on, action, role):
    escalation = raise_on(at(2026, 3, 2, 10, 0))
    if action == "confirm_on_file":
        escalation = walk_to(council, escalation, S.ACTIONS_AGREED)
    with pytest.raises(NotAllowed, match="You cannot"):
        escalation_take_step(escalation=escalation, step=action, by=council.users[role], note="x")


def test_service_manager_of_another_district_is_refused(council, raise_on):
    escalation = raise_on(at(2026, 3, 2, 10, 0), child=council.far_child)
    with pytest.raises(NotAllowed, match="You cannot “acknowledge”"):
        escalation_take_step(
            escalation=escalation, step="acknowledge", by=council.users[Role.SERVICE_MANAGER]
        )


def test_close_without_sign_off_cannot_be_taken_directly(council, raise_on):
    escalation = raise_on(at(2026, 3, 2, 10, 0))
    with pytest.raises(NotAllowed, match="You cannot “close without sign-off”"):
        escalation_take_step(
            escalation=escalation,
            step="close_without_sign_off",
            by=council.users[Role.QA_OFFICER],
        )


# The second-person rule


def test_downgrade_needs_a_second_person_and_recomputes_the_deadline(council, raise_on):
    escalation = raise_on(at(2025, 12, 24, 10, 0))
    asker = council.users[Role.SERVICE_MANAGER]
    request = second_person_request_create(
        escalation=escalation,
        kind=SecondPersonRequestKind.DOWNGRADE,
        by=asker,
        reason="No risk of harm",
    )
    with pytest.raises(NotAllowed, match="second person"):
        second_person_request_decide(request=request, by=asker, approve=True)
    escalation.refresh_from_db()
    assert escalation.kind == EscalationKind.SAFEGUARDING
    second_person_request_decide(request=request, by=council.users[Role.QA_OFFICER], approve=True)
    escalation.refresh_from_db()
    request.refresh_from_db()
    assert escalation.kind == EscalationKind.PRACTICE
    assert str(escalation.deadline_on) == "2026-01-05"
    assert request.decision == SecondPersonDecision.APPROVED
    assert request.decided_by == council.users[Role.QA_OFFICER]


def test_close_without_sign_off_when_approved(council, raise_on):
    escalation = walk_to(council, raise_on(at(2026, 3, 2, 10, 0)), S.ACKNOWLEDGED)
    request = second_person_request_create(
        escalation=escalation,
        kind=SecondPersonRequestKind.CLOSE_WITHOUT_SIGN_OFF,
        by=council.users[Role.QA_OFFICER],
        reason="Child moved out of the county",
    )
    second_person_request_decide(
        request=request, by=council.users[Role.SERVICE_MANAGER], approve=True
    )
    escalation.refresh_from_db()
    assert escalation.status == S.CLOSED
    assert escalation.signed_off_at is None
    assert escalation.steps.last().action == "close_without_sign_off"


def test_refused_request_changes_nothing_and_cannot_be_decided_twice(council, raise_on):
    escalation = raise_on(at(2026, 3, 2, 10, 0))
    request = second_person_request_create(
        escalation=escalation,
        kind=SecondPersonRequestKind.CLOSE_WITHOUT_SIGN_OFF,
        by=council.users[Role.QA_OFFICER],
        reason="Duplicate",
    )
    second_person_request_decide(
        request=request, by=council.users[Role.SERVICE_MANAGER], approve=False
    )
    escalation.refresh_from_db()
    assert escalation.status == S.RAISED
    with pytest.raises(IllegalTransition, match="This request is refused"):
        second_person_request_decide(request=request, by=council.users[Role.DIRECTOR], approve=True)


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.TEAM_MANAGER, Role.CP_CHAIR])
def test_unauthorised_roles_cannot_ask_or_decide(council, raise_on, role):
    escalation = raise_on(at(2026, 3, 2, 10, 0))
    with pytest.raises(NotAllowed, match="can ask for this change"):
        second_person_request_create(
            escalation=escalation,
            kind=SecondPersonRequestKind.DOWNGRADE,
            by=council.users[role],
            reason="x",
        )
    request = second_person_request_create(
        escalation=escalation,
        kind=SecondPersonRequestKind.DOWNGRADE,
        by=council.users[Role.QA_OFFICER],
        reason="x",
    )
    with pytest.raises(NotAllowed, match="You cannot “approve” on this request"):
        second_person_request_decide(request=request, by=council.users[role], approve=True)


def test_only_one_pending_request_and_only_safeguarding_downgrades(council, raise_on):
    escalation = raise_on(at(2026, 3, 2, 10, 0), kind=EscalationKind.PRACTICE)
    qa = council.users[Role.QA_OFFICER]
    with pytest.raises(IllegalTransition, match="Only a safeguarding concern"):
        second_person_request_create(
            escalation=escalation, kind=SecondPersonRequestKind.DOWNGRADE, by=qa, reason="x"
        )
    second_person_request_create(
        escalation=escalation,
        kind=SecondPersonRequestKind.CLOSE_WITHOUT_SIGN_OFF,
        by=qa,
        reason="x",
    )
    with pytest.raises(Conflict, match="already waiting"):
        second_person_request_create(
            escalation=escalation,
            kind=SecondPersonRequestKind.CLOSE_WITHOUT_SIGN_OFF,
            by=qa,
            reason="y",
        )


# Routing


def test_raise_notifies_the_service_manager_copying_qa_and_psw(council, psw, raise_on):
    raise_on(at(2026, 3, 2, 10, 0))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    district = council.home_team.district
    assert message.to == [district.service_manager.email]
    qa = council.users[Role.QA_OFFICER].staff
    assert set(message.cc) == {qa.email, psw.email}
    assert council.own_child.family_name not in message.body  # the ID only, never a name
    assert council.own_child.council_child_id in message.body


def test_sign_off_notifies_the_assistant_director(
    council, raise_on, django_capture_on_commit_callbacks
):
    escalation = walk_to(council, raise_on(at(2026, 3, 2, 10, 0)), S.ACTIONS_ON_FILE)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        step(council, escalation, "sign_off", Role.SERVICE_MANAGER)
    director = council.home_team.district.area.assistant_director
    assert [m.to for m in mail.outbox] == [[director.email]]
    assert "signed off" in mail.outbox[0].body


def test_routing_comes_from_the_childs_open_involvement(council, raise_on):
    escalation = raise_on(at(2026, 3, 2, 10, 0), child=council.district_child)
    assert escalation.district == council.sibling_team.district
    assert escalation.team == council.sibling_team
    assert Escalation.objects.count() == 1
