"""The escalation workflow's rules, written down here independently of workflows.py: the legal
moves (from, step, to) and, for an escalation on a child every listed role sees, which roles
may take each step themselves. test_workflow.py and test_random_walks.py check the
implementation against these tables."""

from qaf.accounts.models import Role

RAISED, ACKNOWLEDGED, AGREED, ON_FILE = (
    "raised",
    "acknowledged",
    "actions_agreed",
    "actions_on_file",
)
SIGNED_OFF, CLOSED, CANCELLED = "signed_off", "closed", "cancelled"
STATES = [RAISED, ACKNOWLEDGED, AGREED, ON_FILE, SIGNED_OFF, CLOSED, CANCELLED]
BEFORE_SIGN_OFF = [RAISED, ACKNOWLEDGED, AGREED, ON_FILE]
OPEN = [*BEFORE_SIGN_OFF, SIGNED_OFF]
FINAL = {CLOSED, CANCELLED}

LEGAL = {
    (RAISED, "acknowledge", ACKNOWLEDGED),
    (ACKNOWLEDGED, "agree_actions", AGREED),
    (AGREED, "confirm_on_file", ON_FILE),
    (ON_FILE, "sign_off", SIGNED_OFF),
    (SIGNED_OFF, "close", CLOSED),
    *((state, "cancel", CANCELLED) for state in OPEN),
    *((state, "close_without_sign_off", CLOSED) for state in BEFORE_SIGN_OFF),
    *((state, "cancel_agreed", CANCELLED) for state in OPEN),
}
# Every move that ends an escalation other than closing it after sign-off.
ENDS_WITHOUT_SIGN_OFF = sorted(
    (state, step) for state, step, to in LEGAL if to in FINAL and step != "close"
)

SM, AD, TM = Role.SERVICE_MANAGER, Role.ASSISTANT_DIRECTOR, Role.TEAM_MANAGER
# Who takes each step alone, on an escalation in their scope. Closing before sign-off, and
# cancelling a safeguarding concern, are never one person's steps: only a second authorised
# person approving a request takes them (issue 17).
WHO = {
    "acknowledge": {SM, AD},
    "agree_actions": {SM, AD},
    "confirm_on_file": {TM, SM},
    "sign_off": {SM, AD},
    "close": {SM, AD, Role.QA_OFFICER},
    "cancel": {SM, AD, Role.QA_OFFICER},
    "close_without_sign_off": set(),
    "cancel_agreed": set(),
}
# Who may ask for a second person's agreement, and who may give it (never the one who asked).
AUTHORISERS = {SM, AD, Role.DIRECTOR, Role.QA_OFFICER}


def who_may(step: str, kind: str) -> set[str]:
    """The roles that take `step` alone on an escalation of `kind` in their scope: nobody ends
    a safeguarding concern alone except by closing it once signed off."""
    if kind == "safeguarding" and step == "cancel":
        return set()
    return WHO[step]
