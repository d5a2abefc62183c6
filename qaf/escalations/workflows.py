"""The escalation workflow and the second-person request's (qaf.common.workflow).

raised -> acknowledged -> actions_agreed -> actions_on_file -> signed_off -> closed, and
cancelled (with a reason) from any open state. Ending an escalation without sign-off is a step
nobody takes alone when it is closing any concern before sign-off or cancelling a safeguarding
concern: only the second authorised person approving a request takes it.

Who may take each step is a rule of permissions.py; services enforce the table (`move`), pages
and the API ask it which steps to offer (`available`).
"""

from qaf.common.workflow import Step, Workflow

from .models import (
    BEFORE_SIGN_OFF,
    OPEN_STATES,
    Escalation,
    EscalationKind,
    SecondPersonDecision,
    SecondPersonRequestKind,
)
from .models import EscalationStatus as S
from .permissions import (
    agreed_by_second_person,
    cancels_alone,
    confirms_actions_on_file,
    decides_second_person,
    ends_escalation,
    manages_escalation,
)

ESCALATION_WORKFLOW = Workflow(
    name="escalation",
    noun="escalation",
    states=S,
    steps=[
        Step(
            "acknowledge",
            "Acknowledge",
            frozenset({S.RAISED}),
            S.ACKNOWLEDGED,
            manages_escalation,
            reason="Comments",
        ),
        Step(
            "agree_actions",
            "Record the discussion and agreed actions",
            frozenset({S.ACKNOWLEDGED}),
            S.ACTIONS_AGREED,
            manages_escalation,
            reason="Discussion with the practitioner and team manager",
            reason_required=True,
        ),
        Step(
            "confirm_on_file",
            "Confirm the actions are on the child's file",
            frozenset({S.ACTIONS_AGREED}),
            S.ACTIONS_ON_FILE,
            confirms_actions_on_file,
            reason="Where on the file",
            reason_required=True,
        ),
        Step(
            "sign_off",
            "Record management oversight and sign off",
            frozenset({S.ACTIONS_ON_FILE}),
            S.SIGNED_OFF,
            manages_escalation,
            reason="Management oversight",
            reason_required=True,
        ),
        Step("close", "Close", frozenset({S.SIGNED_OFF}), S.CLOSED, ends_escalation),
        Step(
            "cancel",
            "Cancel",
            OPEN_STATES,
            S.CANCELLED,
            cancels_alone,
            reason="Reason for cancelling",
            reason_required=True,
        ),
        Step(
            "close_without_sign_off",
            "Close without sign-off",
            BEFORE_SIGN_OFF,
            S.CLOSED,
            agreed_by_second_person(SecondPersonRequestKind.CLOSE_WITHOUT_SIGN_OFF),
        ),
        Step(
            "cancel_agreed",
            "Cancel, agreed by a second person",
            OPEN_STATES,
            S.CANCELLED,
            agreed_by_second_person(SecondPersonRequestKind.CANCEL),
        ),
    ],
    final=[S.CLOSED, S.CANCELLED],
    max_reason=5000,
)

# The escalation step an approved request takes (a downgrade changes the kind, not the state).
REQUEST_STEP: dict[str, str] = {
    SecondPersonRequestKind.CLOSE_WITHOUT_SIGN_OFF: "close_without_sign_off",
    SecondPersonRequestKind.CANCEL: "cancel_agreed",
}
# The step one person may not take alone, and the request that takes it instead.
INSTEAD: dict[str, str] = {
    "cancel": SecondPersonRequestKind.CANCEL,
    "cancel_agreed": SecondPersonRequestKind.CANCEL,
    "close_without_sign_off": SecondPersonRequestKind.CLOSE_WITHOUT_SIGN_OFF,
}


def request_refusal(escalation: Escalation, kind: str) -> str:
    """Why a request of this kind cannot be made on the escalation now ("" when it can)."""
    if kind == SecondPersonRequestKind.DOWNGRADE:
        if escalation.kind != EscalationKind.SAFEGUARDING:
            return "Only a safeguarding concern can be downgraded."
        if escalation.status not in BEFORE_SIGN_OFF:
            return "A concern can only be downgraded before it is signed off."
        return ""
    if kind == SecondPersonRequestKind.CLOSE_WITHOUT_SIGN_OFF:
        if escalation.status not in ESCALATION_WORKFLOW.steps[REQUEST_STEP[kind]].sources:
            return "Only an escalation not yet signed off can be closed this way."
        return ""
    if kind == SecondPersonRequestKind.CANCEL:
        if escalation.kind != EscalationKind.SAFEGUARDING:
            return "Only a safeguarding concern needs a second person to cancel it: use Cancel."
        if escalation.status not in ESCALATION_WORKFLOW.steps[REQUEST_STEP[kind]].sources:
            return "Only an open escalation can be cancelled."
        return ""
    return f"Unknown kind of request: {kind!r}"


def request_kinds_possible(escalation: Escalation) -> list[str]:
    """The kinds of second-person request the escalation's kind and state allow now."""
    return [k for k in SecondPersonRequestKind.values if not request_refusal(escalation, k)]


SECOND_PERSON_WORKFLOW = Workflow(
    name="second_person_request",
    noun="request",
    states=SecondPersonDecision,
    field="decision",
    steps=[
        Step(
            "approve",
            "Approve",
            frozenset({SecondPersonDecision.PENDING}),
            SecondPersonDecision.APPROVED,
            decides_second_person,
            reason="Comments",
        ),
        Step(
            "refuse",
            "Refuse",
            frozenset({SecondPersonDecision.PENDING}),
            SecondPersonDecision.REFUSED,
            decides_second_person,
            reason="Comments",
        ),
    ],
    final=[SecondPersonDecision.APPROVED, SecondPersonDecision.REFUSED],
    max_reason=5000,
)
