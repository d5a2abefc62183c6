"""The escalation workflow: every allowed move, in one table.

raised -> acknowledged -> actions_agreed -> actions_on_file -> signed_off -> closed,
and cancelled (with a reason) from any open state. Closing without sign-off is only
reachable through an approved second-person request.
"""

from dataclasses import dataclass

from qaf.accounts.models import Role

from .models import EscalationStatus as S


@dataclass(frozen=True)
class Transition:
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]  # account roles allowed to take this step (in scope)
    note_label: str = ""  # what the person records; empty means no note needed
    note_required: bool = False


MANAGERS = frozenset({Role.SERVICE_MANAGER, Role.ASSISTANT_DIRECTOR})
# Who may ask for, and approve, a downgrade or a close without sign-off.
AUTHORISERS = frozenset(
    {Role.SERVICE_MANAGER, Role.ASSISTANT_DIRECTOR, Role.DIRECTOR, Role.QA_OFFICER}
)

OPEN_STATES = frozenset(
    {S.RAISED, S.ACKNOWLEDGED, S.ACTIONS_AGREED, S.ACTIONS_ON_FILE, S.SIGNED_OFF}
)
BEFORE_SIGN_OFF = frozenset({S.RAISED, S.ACKNOWLEDGED, S.ACTIONS_AGREED, S.ACTIONS_ON_FILE})
FINISHED_STATES = frozenset({S.CLOSED, S.CANCELLED})

TRANSITIONS: dict[str, Transition] = {
    "acknowledge": Transition(
        "Acknowledge", frozenset({S.RAISED}), S.ACKNOWLEDGED, MANAGERS, "Comments"
    ),
    "agree_actions": Transition(
        "Record the discussion and agreed actions",
        frozenset({S.ACKNOWLEDGED}),
        S.ACTIONS_AGREED,
        MANAGERS,
        "Discussion with the practitioner and team manager",
        True,
    ),
    "confirm_on_file": Transition(
        "Confirm the actions are on the child's file",
        frozenset({S.ACTIONS_AGREED}),
        S.ACTIONS_ON_FILE,
        frozenset({Role.TEAM_MANAGER, Role.SERVICE_MANAGER}),
        "Where on the file",
        True,
    ),
    "sign_off": Transition(
        "Record management oversight and sign off",
        frozenset({S.ACTIONS_ON_FILE}),
        S.SIGNED_OFF,
        MANAGERS,
        "Management oversight",
        True,
    ),
    "close": Transition("Close", frozenset({S.SIGNED_OFF}), S.CLOSED, MANAGERS | {Role.QA_OFFICER}),
    "cancel": Transition(
        "Cancel",
        OPEN_STATES,
        S.CANCELLED,
        MANAGERS | {Role.QA_OFFICER},
        "Reason for cancelling",
        True,
    ),
    # No role takes this step directly: only an approved second-person request does.
    "close_without_sign_off": Transition(
        "Close without sign-off", BEFORE_SIGN_OFF, S.CLOSED, frozenset()
    ),
}


def transition_for(*, action: str, status: str) -> Transition | None:
    """The transition named ``action`` if it may leave ``status``; None if not allowed."""
    transition = TRANSITIONS.get(action)
    if transition is None or status not in transition.sources:
        return None
    return transition
