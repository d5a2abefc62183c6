"""The audit workflow: every allowed move, in one table.

allocated -> in_progress -> submitted -> in_moderation -> finalised; a moderator may return a
submitted audit (or one in moderation) to the auditor with a reason (returned -> in_progress
when the auditor picks it up again); the QA unit may cancel any audit not yet finalised.
Finalised and cancelled are final: nothing changes an audit after that.
"""

from dataclasses import dataclass

from qaf.common.errors import IllegalTransition

from .models import AuditStatus as S


@dataclass(frozen=True)
class Transition:
    label: str
    sources: frozenset[str]
    target: str
    actor: str  # "auditor", "moderator" or "qa": who may take the step
    reason_required: bool = False


TRANSITIONS: dict[str, Transition] = {
    "start": Transition("Start the audit", frozenset({S.ALLOCATED}), S.IN_PROGRESS, "auditor"),
    "submit": Transition("Submit the audit", frozenset({S.IN_PROGRESS}), S.SUBMITTED, "auditor"),
    "resume": Transition(
        "Pick the returned audit up again", frozenset({S.RETURNED}), S.IN_PROGRESS, "auditor"
    ),
    "begin_moderation": Transition(
        "Start moderation", frozenset({S.SUBMITTED}), S.IN_MODERATION, "moderator"
    ),
    "return": Transition(
        "Return to the auditor",
        frozenset({S.SUBMITTED, S.IN_MODERATION}),
        S.RETURNED,
        "moderator",
        reason_required=True,
    ),
    "finalise": Transition(
        "Finalise the moderation", frozenset({S.IN_MODERATION}), S.FINALISED, "moderator"
    ),
    "cancel": Transition(
        "Cancel the audit",
        frozenset({S.ALLOCATED, S.IN_PROGRESS, S.SUBMITTED, S.RETURNED, S.IN_MODERATION}),
        S.CANCELLED,
        "qa",
        reason_required=True,
    ),
}

FINAL_STATES = frozenset({S.FINALISED, S.CANCELLED})
# States in which the auditor may still change what they wrote.
AUDITOR_EDITABLE = frozenset({S.ALLOCATED, S.IN_PROGRESS, S.RETURNED})
OPEN_STATES = frozenset(set(S.values) - FINAL_STATES)


def transition_for(*, action: str, status: str) -> Transition:
    """The transition for `action` from `status`, or IllegalTransition."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise IllegalTransition(f"There is no step called {action!r}.")
    if status not in transition.sources:
        raise IllegalTransition(
            f"An audit that is {S(status).label.lower()} cannot be moved by "
            f"“{transition.label.lower()}”."
        )
    return transition
