"""Feedback's workflows, stated again here as their own tables (never read from
qaf.feedback.workflows) and checked both ways: the implementation's moves equal the tables', and
every (state, step, person) case is driven through the real services, the legal ones changing
the record and every other one refused with the right error and changing nothing."""

import datetime as dt

import pytest
import time_machine

from qaf.accounts.models import Role
from qaf.common import clock
from qaf.common.errors import IllegalTransition, NotAllowed
from qaf.common.tests.workflow_spec import assert_moves_are, every_case
from qaf.feedback import services
from qaf.feedback.forms import new_submission_key
from qaf.feedback.models import Anonymity, Audience, FeedbackResponse, OpenLink, SafetyAlert
from qaf.feedback.tests.factories import CHILD_7_11_ANSWERS, PARENT_ANSWERS, open_link, request_for
from qaf.feedback.workflows import ALERT_WORKFLOW, OPEN_LINK_WORKFLOW, REQUEST_WORKFLOW

pytestmark = pytest.mark.django_db

# The specification ---------------------------------------------------------------------------

# A single-use link is answered once, while waiting. Expiry is the clock's, not a step.
REQUEST_MOVES = {("waiting", "answer", "answered")}
# An open link is closed once; nothing opens it again.
OPEN_LINK_MOVES = {("open", "close", "closed")}
# A safety alert is acknowledged once, saying what was done.
ALERT_MOVES = {("needs_action", "acknowledge", "acknowledged")}

# Who may close an open link: the QA unit any link, a manager only the one they published.
# (publisher role, closer) -> allowed; "self" is the publisher, "other" another account of the
# same role as the closer.
MAY_CLOSE = {
    (Role.QA_OFFICER, Role.QA_OFFICER): True,
    (Role.TEAM_MANAGER, "self"): True,
    (Role.SERVICE_MANAGER, "self"): True,
    (Role.QA_OFFICER, Role.TEAM_MANAGER): False,
    (Role.QA_OFFICER, Role.SERVICE_MANAGER): False,
    (Role.TEAM_MANAGER, Role.SERVICE_MANAGER): False,
    (Role.SERVICE_MANAGER, Role.TEAM_MANAGER): False,
    (Role.QA_OFFICER, Role.PRACTITIONER): False,
    (Role.QA_OFFICER, Role.DIRECTOR): False,
    (Role.QA_OFFICER, Role.ASSISTANT_DIRECTOR): False,
    (Role.QA_OFFICER, Role.CP_CHAIR): False,
    (Role.QA_OFFICER, Role.IRO): False,
    (Role.QA_OFFICER, Role.PARTNER_AUDITOR): False,
    (Role.QA_OFFICER, Role.ELECTED_MEMBER): False,
}
# Who may acknowledge a safety alert: the QA unit only.
MAY_ACKNOWLEDGE = {role: role == Role.QA_OFFICER for role in Role}


def test_the_implementations_moves_are_the_specifications():
    assert_moves_are(REQUEST_WORKFLOW, REQUEST_MOVES)
    assert_moves_are(OPEN_LINK_WORKFLOW, OPEN_LINK_MOVES)
    assert_moves_are(ALERT_WORKFLOW, ALERT_MOVES)


# Single-use survey links ---------------------------------------------------------------------


def _answer(request):
    return services.feedback_response_submit(
        target=request,
        answers=PARENT_ANSWERS,
        anonymity=Anonymity.ANONYMOUS,
        consent_to_quote=False,
        submission_key=new_submission_key(),
    )


def _request_in(council, state: str):
    request, token = request_for(
        council.users[Role.QA_OFFICER], audience=Audience.PARENT_CARER, child=council.own_child
    )
    if state == "answered":
        _answer(request)
        request.refresh_from_db()
    elif state == "expired":
        request.expires_at = clock.now() - dt.timedelta(seconds=1)
        request.save(update_fields=["expires_at"])
    assert request.status == state
    return request, token


@pytest.mark.parametrize(("state", "step", "target"), every_case(REQUEST_WORKFLOW, REQUEST_MOVES))
def test_every_request_case_through_the_survey_service(council, state, step, target):
    request, token = _request_in(council, state)
    responses = FeedbackResponse.objects.count()
    if target is None:
        with pytest.raises(IllegalTransition, match="“Answer the survey” is not possible now"):
            _answer(request)
        assert FeedbackResponse.objects.count() == responses
    else:
        _answer(request)
        request.refresh_from_db()
        assert request.status == target
        assert FeedbackResponse.objects.count() == responses + 1
        assert services.link_find(token=token) is None  # answered: it never opens again


def test_a_link_opens_only_while_it_can_be_answered(council):
    request, token = request_for(council.users[Role.QA_OFFICER], audience=Audience.PARTNER)
    assert services.link_find(token=token) == request
    with time_machine.travel(request.expires_at):
        assert services.link_find(token=token) is None  # expired at that instant


# Open links ----------------------------------------------------------------------------------


def _link_in(council, state: str, publisher: str) -> OpenLink:
    link, _ = open_link(council.users[publisher], audience=Audience.PARENT_CARER)
    if state == "closed":
        services.open_link_close(link=link, by=council.users[Role.QA_OFFICER])
        link.refresh_from_db()
    assert link.status == state
    return link


def _closer(council, publisher: str, closer: str):
    if closer == "self":
        return council.users[publisher]
    return council.users[closer]


@pytest.mark.parametrize(
    ("state", "step", "target"), every_case(OPEN_LINK_WORKFLOW, OPEN_LINK_MOVES)
)
@pytest.mark.parametrize(("publisher", "closer"), sorted(MAY_CLOSE, key=str))
def test_every_open_link_case_through_the_service(council, state, step, target, publisher, closer):
    link = _link_in(council, state, publisher)
    by = _closer(council, publisher, closer)
    if target is None:
        with pytest.raises(IllegalTransition, match="This open link is closed"):
            services.open_link_close(link=link, by=by)
    elif not MAY_CLOSE[(publisher, closer)]:
        with pytest.raises(NotAllowed, match="You cannot “close this link” on this open link"):
            services.open_link_close(link=link, by=by)
        link.refresh_from_db()
        assert link.status == state and link.closed_at is None
    else:
        services.open_link_close(link=link, by=by)
        link.refresh_from_db()
        assert link.status == target and link.closed_at is not None


def test_the_close_button_is_offered_exactly_to_those_who_may_close(council):
    for (publisher, closer), may in MAY_CLOSE.items():
        link = _link_in(council, "open", publisher)
        by = _closer(council, publisher, closer)
        offered = [s.name for s in OPEN_LINK_WORKFLOW.available(link, by=by)]
        assert offered == (["close"] if may else []), (publisher, closer)


# Safety alerts -------------------------------------------------------------------------------


def _alert_in(council, state: str) -> SafetyAlert:
    link, _ = open_link(council.users[Role.QA_OFFICER])
    alert = services.feedback_response_submit(
        target=link,
        answers={**CHILD_7_11_ANSWERS, "feel_safe": "no"},
        anonymity=Anonymity.ANONYMOUS,
        consent_to_quote=False,
        submission_key=new_submission_key(),
    ).alert
    assert alert is not None
    if state == "acknowledged":
        alert = services.safety_alert_acknowledge(
            alert=alert, by=council.users[Role.QA_OFFICER], action_taken="Duty team told"
        )
    assert alert.status == state
    return alert


@pytest.mark.parametrize(("state", "step", "target"), every_case(ALERT_WORKFLOW, ALERT_MOVES))
@pytest.mark.parametrize("role", list(Role))
def test_every_alert_case_through_the_service(council, state, step, target, role):
    alert = _alert_in(council, state)
    by = council.users[role]
    if target is None:
        with pytest.raises(IllegalTransition, match="This alert is acknowledged"):
            services.safety_alert_acknowledge(alert=alert, by=by, action_taken="Called the school")
    elif not MAY_ACKNOWLEDGE[role]:
        with pytest.raises(NotAllowed, match="You cannot “acknowledge the alert” on this alert"):
            services.safety_alert_acknowledge(alert=alert, by=by, action_taken="Called the school")
        alert.refresh_from_db()
        assert alert.status == state and alert.action_taken == ""
    else:
        done = services.safety_alert_acknowledge(
            alert=alert, by=by, action_taken="Called the school"
        )
        assert done.status == target
        assert done.acknowledged_by == by and done.action_taken == "Called the school"
