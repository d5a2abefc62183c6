"""The escalation workflow and the second-person rule, checked against the specification in
spec.py (written independently of workflows.py) both ways: the implementation's moves are
exactly the specified ones, and every (kind, state, step, role) case driven through the real
services succeeds with the right state and step record, or is refused with the right error and
changes nothing."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from qaf.accounts.models import Role
from qaf.actions.models import Action, ActionSource
from qaf.common.errors import Conflict, IllegalTransition, Invalid, NotAllowed
from qaf.common.tests.workflow_spec import assert_moves_are, every_case
from qaf.escalations.models import (
    Escalation,
    EscalationKind,
    EscalationSource,
    EscalationStep,
    SecondPersonDecision,
    SecondPersonRequest,
    SecondPersonRequestKind,
)
from qaf.escalations.services import (
    escalation_take_step,
    second_person_request_create,
    second_person_request_decide,
)
from qaf.escalations.tests.conftest import at
from qaf.escalations.tests.spec import (
    ACKNOWLEDGED,
    AGREED,
    AUTHORISERS,
    BEFORE_SIGN_OFF,
    CANCELLED,
    CLOSED,
    ENDS_WITHOUT_SIGN_OFF,
    FINAL,
    LEGAL,
    ON_FILE,
    OPEN,
    RAISED,
    SIGNED_OFF,
    STATES,
    who_may,
)
from qaf.escalations.workflows import ESCALATION_WORKFLOW, SECOND_PERSON_WORKFLOW

pytestmark = pytest.mark.django_db

KINDS = [EscalationKind.SAFEGUARDING, EscalationKind.PRACTICE]
ROLES = list(Role)
NOTE = "Recorded on the child's file."
HAPPY_PATH = [
    ("acknowledge", Role.SERVICE_MANAGER, ACKNOWLEDGED),
    ("agree_actions", Role.SERVICE_MANAGER, AGREED),
    ("confirm_on_file", Role.TEAM_MANAGER, ON_FILE),
    ("sign_off", Role.SERVICE_MANAGER, SIGNED_OFF),
    ("close", Role.SERVICE_MANAGER, CLOSED),
]


class Rollback(Exception):
    pass


def escalation_in(council, state, kind=EscalationKind.SAFEGUARDING):
    """An escalation on the practitioner's child (home team, in every listed role's scope but
    the CP chair's and IRO's), put in `state` directly: what is tested is the step from it."""
    team = council.home_team
    escalation = Escalation.objects.create(
        child=council.own_child,
        kind=kind,
        status=state,
        source=EscalationSource.AUDIT,
        reason="No visits recorded for eight weeks.",
        district=team.district,
        team=team,
        practitioner=council.users[Role.PRACTITIONER].staff,
        raised_by=council.users[Role.QA_OFFICER],
        raised_at=at(2026, 3, 2, 10, 0),
        deadline_on=dt.date(2026, 3, 3),
        deadline_at=at(2026, 3, 3, 23, 59, 59),
    )
    EscalationStep.objects.create(
        escalation=escalation,
        action="raise",
        to_status=RAISED,
        by=escalation.raised_by,
        at=escalation.raised_at,
    )
    return escalation


def take(council, escalation, step, role, note=NOTE):
    return escalation_take_step(
        escalation=escalation,
        step=step,
        by=council.users[role],
        note=note,
        actions=["Visit the child within 5 days"],
    )


def snapshot(escalation):
    escalation.refresh_from_db()
    return (
        escalation.status,
        escalation.kind,
        escalation.signed_off_at,
        escalation.closed_at,
        escalation.steps.count(),
        Action.objects.count(),
    )


# The table ---------------------------------------------------------------------------------


def test_the_workflow_allows_exactly_the_specified_moves():
    assert_moves_are(ESCALATION_WORKFLOW, LEGAL)
    assert ESCALATION_WORKFLOW.final == FINAL


def test_the_second_person_request_is_decided_once():
    assert_moves_are(
        SECOND_PERSON_WORKFLOW,
        {("pending", "approve", "approved"), ("pending", "refuse", "refused")},
    )


# Every case through the service --------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("state", "step", "target"), every_case(ESCALATION_WORKFLOW, LEGAL))
def test_every_state_step_and_role_through_the_service(council, kind, state, step, target):
    """For each role: the step succeeds (right state, one step record, stamped) exactly when
    the specification allows the move and the role takes the step alone; otherwise it is
    refused with IllegalTransition (wrong state, checked first) or NotAllowed, changing
    nothing."""
    for role in ROLES:
        if target is None:
            expected = IllegalTransition
        elif role in who_may(step, kind):
            expected = None
        else:
            expected = NotAllowed
        try:
            with transaction.atomic():
                escalation = escalation_in(council, state, kind)
                before = snapshot(escalation)
                try:
                    take(council, escalation, step, role)
                except (IllegalTransition, NotAllowed, Invalid) as error:
                    assert type(error) is expected, (kind, state, step, role, error)
                    assert snapshot(escalation) == before, (kind, state, step, role)
                else:
                    assert expected is None, (kind, state, step, role, "was allowed")
                    escalation.refresh_from_db()
                    assert escalation.status == target
                    record = escalation.steps.order_by("pk").last()
                    assert (record.action, record.from_status, record.to_status, record.by) == (
                        step,
                        state,
                        target,
                        council.users[role],
                    )
                    assert (escalation.signed_off_at is not None) == (target == SIGNED_OFF)
                    assert (escalation.closed_at is not None) == (target in FINAL)
                raise Rollback
        except Rollback:
            pass


@pytest.mark.parametrize(
    ("step", "state", "label"),
    [
        ("agree_actions", ACKNOWLEDGED, "discussion with the practitioner and team manager"),
        ("confirm_on_file", AGREED, "where on the file"),
        ("sign_off", ON_FILE, "management oversight"),
        ("cancel", RAISED, "reason for cancelling"),
    ],
)
def test_steps_that_need_a_reason_are_refused_without_one(council, step, state, label):
    escalation = escalation_in(council, state, EscalationKind.PRACTICE)
    role = next(iter(sorted(who_may(step, EscalationKind.PRACTICE))))
    before = snapshot(escalation)
    with pytest.raises(Invalid, match=f"Enter the {label}"):
        take(council, escalation, step, role, note="   ")
    assert snapshot(escalation) == before


def test_agreeing_actions_needs_at_least_one_action(council):
    escalation = escalation_in(council, ACKNOWLEDGED)
    with pytest.raises(Invalid, match="Enter at least one agreed action"):
        escalation_take_step(
            escalation=escalation,
            step="agree_actions",
            by=council.users[Role.SERVICE_MANAGER],
            note="Talked",
            actions=["  "],
        )
    assert snapshot(escalation)[0] == ACKNOWLEDGED


def test_the_managers_of_another_area_are_refused(council):
    far = escalation_in(council, RAISED)
    far.district, far.team = council.other_area_team.district, council.other_area_team
    far.child = council.far_child
    far.save()
    for role in (Role.SERVICE_MANAGER, Role.ASSISTANT_DIRECTOR):
        with pytest.raises(NotAllowed, match="You cannot “acknowledge”"):
            take(council, far, "acknowledge", role)


# The second-person rule ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("state", "step"), ENDS_WITHOUT_SIGN_OFF)
def test_no_one_ends_a_safeguarding_concern_without_sign_off_alone(council, kind, state, step):
    """Issue 17: every step that ends an escalation other than closing it after sign-off
    (cancelling, closing without sign-off) is, for a safeguarding concern, refused to every
    role acting alone; a practice concern may still be cancelled by a manager or the QA unit."""
    alone = {Role.SERVICE_MANAGER, Role.ASSISTANT_DIRECTOR, Role.QA_OFFICER}
    for role in ROLES:
        may = kind == EscalationKind.PRACTICE and step == "cancel" and role in alone
        try:
            with transaction.atomic():
                escalation = escalation_in(council, state, kind)
                before = snapshot(escalation)
                if may:
                    take(council, escalation, step, role)
                    assert snapshot(escalation)[0] == CANCELLED
                else:
                    with pytest.raises(NotAllowed, match=r"You cannot|second authorised person"):
                        take(council, escalation, step, role)
                    assert snapshot(escalation) == before
                raise Rollback
        except Rollback:
            pass


def test_cancelling_a_safeguarding_concern_alone_points_to_the_second_person(council):
    escalation = escalation_in(council, ACKNOWLEDGED, EscalationKind.SAFEGUARDING)
    with pytest.raises(NotAllowed, match="needs a second authorised person"):
        take(council, escalation, "cancel", Role.SERVICE_MANAGER, note="Raised on the wrong child")
    escalation.refresh_from_db()
    assert escalation.status == ACKNOWLEDGED


# The requests a second person decides, and the states they may be asked from (by kind).
REQUESTS = {
    SecondPersonRequestKind.DOWNGRADE: {
        EscalationKind.SAFEGUARDING: set(BEFORE_SIGN_OFF),
        EscalationKind.PRACTICE: set(),
    },
    SecondPersonRequestKind.CLOSE_WITHOUT_SIGN_OFF: {
        EscalationKind.SAFEGUARDING: set(BEFORE_SIGN_OFF),
        EscalationKind.PRACTICE: set(BEFORE_SIGN_OFF),
    },
    # A practice concern is cancelled by one person; a safeguarding concern only this way.
    "cancel": {EscalationKind.SAFEGUARDING: set(OPEN), EscalationKind.PRACTICE: set()},
}
# What an approved request leaves: (status after, kind after, the step recorded).
APPROVED = {
    SecondPersonRequestKind.DOWNGRADE: (None, EscalationKind.PRACTICE, "downgrade"),
    SecondPersonRequestKind.CLOSE_WITHOUT_SIGN_OFF: (CLOSED, None, "close_without_sign_off"),
    "cancel": (CANCELLED, None, "cancel_agreed"),
}


@pytest.mark.parametrize("request_kind", sorted(REQUESTS))
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("state", STATES)
def test_each_request_from_each_state_asked_by_one_and_approved_by_another(
    council, request_kind, kind, state
):
    escalation = escalation_in(council, state, kind)
    asker, decider = council.users[Role.DIRECTOR], council.users[Role.SERVICE_MANAGER]
    before = snapshot(escalation)
    if state not in REQUESTS[request_kind][kind]:
        with pytest.raises(IllegalTransition, match=r"(?i)\bonly\b"):
            second_person_request_create(
                escalation=escalation, kind=request_kind, by=asker, reason="Duplicate"
            )
        assert snapshot(escalation) == before
        assert not SecondPersonRequest.objects.exists()
        return
    request = second_person_request_create(
        escalation=escalation, kind=request_kind, by=asker, reason="Duplicate"
    )
    assert snapshot(escalation) == before  # asking changes nothing
    second_person_request_decide(request=request, by=decider, approve=True)
    escalation.refresh_from_db()
    status, new_kind, recorded = APPROVED[request_kind]
    assert escalation.status == (status or state)
    assert escalation.kind == (new_kind or kind)
    record = escalation.steps.order_by("pk").last()
    assert (record.action, record.by) == (recorded, decider)
    request.refresh_from_db()
    assert (request.decision, request.decided_by) == (SecondPersonDecision.APPROVED, decider)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_ask_and_who_may_decide(council, role):
    """Authorised people in scope ask; another authorised person decides, never the asker."""
    escalation = escalation_in(council, RAISED)
    user = council.users[role]
    kind = SecondPersonRequestKind.CLOSE_WITHOUT_SIGN_OFF
    if role in AUTHORISERS:
        mine = second_person_request_create(escalation=escalation, kind=kind, by=user, reason="x")
        with pytest.raises(NotAllowed, match="you asked for this change"):
            second_person_request_decide(request=mine, by=user, approve=True)
        mine.delete()
    else:
        with pytest.raises(NotAllowed, match="can ask for this change"):
            second_person_request_create(escalation=escalation, kind=kind, by=user, reason="x")
    asker = Role.DIRECTOR if role != Role.DIRECTOR else Role.QA_OFFICER
    theirs = second_person_request_create(
        escalation=escalation, kind=kind, by=council.users[asker], reason="Duplicate"
    )
    if role in AUTHORISERS:
        second_person_request_decide(request=theirs, by=user, approve=False)
        theirs.refresh_from_db()
        assert (theirs.decision, theirs.decided_by) == (SecondPersonDecision.REFUSED, user)
    else:
        with pytest.raises(NotAllowed, match="You cannot “approve” on this request"):
            second_person_request_decide(request=theirs, by=user, approve=True)
        theirs.refresh_from_db()
        assert theirs.decision == SecondPersonDecision.PENDING
    escalation.refresh_from_db()
    assert escalation.status == RAISED


def test_a_decided_request_cannot_be_decided_again(council):
    escalation = escalation_in(council, RAISED)
    request = second_person_request_create(
        escalation=escalation,
        kind=SecondPersonRequestKind.CLOSE_WITHOUT_SIGN_OFF,
        by=council.users[Role.QA_OFFICER],
        reason="Duplicate",
    )
    second_person_request_decide(
        request=request, by=council.users[Role.SERVICE_MANAGER], approve=False
    )
    with pytest.raises(IllegalTransition, match="This request is refused"):
        second_person_request_decide(request=request, by=council.users[Role.DIRECTOR], approve=True)
    escalation.refresh_from_db()
    assert escalation.status == RAISED


def test_approval_after_the_escalation_moved_on_changes_nothing(council):
    escalation = escalation_in(council, ON_FILE)
    request = second_person_request_create(
        escalation=escalation,
        kind=SecondPersonRequestKind.CLOSE_WITHOUT_SIGN_OFF,
        by=council.users[Role.QA_OFFICER],
        reason="Child moved away",
    )
    take(council, escalation, "sign_off", Role.SERVICE_MANAGER)
    with pytest.raises(IllegalTransition, match="can no longer be approved"):
        second_person_request_decide(
            request=request, by=council.users[Role.ASSISTANT_DIRECTOR], approve=True
        )
    request.refresh_from_db()
    escalation.refresh_from_db()
    assert (request.decision, escalation.status) == (SecondPersonDecision.PENDING, SIGNED_OFF)


def test_only_one_request_waits_at_a_time(council):
    escalation = escalation_in(council, RAISED, EscalationKind.PRACTICE)
    qa = council.users[Role.QA_OFFICER]
    kind = SecondPersonRequestKind.CLOSE_WITHOUT_SIGN_OFF
    second_person_request_create(escalation=escalation, kind=kind, by=qa, reason="x")
    with pytest.raises(Conflict, match="already waiting"):
        second_person_request_create(escalation=escalation, kind=kind, by=qa, reason="y")


def test_a_downgrade_recomputes_the_deadline_as_a_practice_concern(council, raise_on):
    escalation = raise_on(at(2025, 12, 24, 10, 0))
    request = second_person_request_create(
        escalation=escalation,
        kind=SecondPersonRequestKind.DOWNGRADE,
        by=council.users[Role.SERVICE_MANAGER],
        reason="No risk of harm",
    )
    second_person_request_decide(request=request, by=council.users[Role.QA_OFFICER], approve=True)
    escalation.refresh_from_db()
    assert escalation.kind == EscalationKind.PRACTICE
    assert str(escalation.deadline_on) == "2026-01-05"


# The whole journey, its records and its emails ------------------------------------------------


def test_happy_path_timestamps_each_step_with_who(council, raise_on):
    escalation = raise_on(at(2026, 3, 2, 10, 0))
    with time_machine.travel(at(2026, 3, 2, 15, 0), tick=False):
        for step, role, target in HAPPY_PATH:
            escalation = take(council, escalation, step, role)
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


def test_agreed_actions_become_tracked_actions_for_the_worker(council):
    escalation = escalation_in(council, ACKNOWLEDGED)
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


def test_sign_off_notifies_the_assistant_director(council, django_capture_on_commit_callbacks):
    escalation = escalation_in(council, ON_FILE)
    with django_capture_on_commit_callbacks(execute=True):
        take(council, escalation, "sign_off", Role.SERVICE_MANAGER)
    director = council.home_team.district.area.assistant_director
    assert [m.to for m in mail.outbox] == [[director.email]]
    assert "signed off" in mail.outbox[0].body


def test_routing_comes_from_the_childs_open_involvement(council, raise_on):
    escalation = raise_on(at(2026, 3, 2, 10, 0), child=council.district_child)
    assert escalation.district == council.sibling_team.district
    assert escalation.team == council.sibling_team
    assert Escalation.objects.count() == 1
