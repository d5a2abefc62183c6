"""The one workflow helper: states, steps, who may take each, reason required, final states.

Every workflow in QAF (audits, moderations, cycles, samples, escalations, actions, tool versions,
case imports) is one `Workflow` in its app's `workflows.py`, enforced by that app's services and
asked by pages and the API which steps a person may take now (`Workflow.available`). A step's
`who` is a predicate `(user, obj) -> bool`, normally a named rule from the app's
`permissions.py`; a step nobody takes directly (reached only through another service, such as an
approved second-person request) has `who=nobody`.

The services own locking, saving and history; this module owns the rules:

    step = AUDIT_WORKFLOW.check(audit, "submit", by=user)   # IllegalTransition, NotAllowed, Invalid
    previous = AUDIT_WORKFLOW.move(audit, "submit", by=user) # check, then set the new state
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import IllegalTransition, Invalid, NotAllowed

Who = Callable[[Any, Any], bool]


def _may(who: Who, user: Any, obj: Any) -> bool:
    """Ask `who` about (user, obj). A rules predicate is asked through `.test`, which passes
    only the arguments it takes, so a person-only predicate such as `is_qa_unit` works too."""
    test = getattr(who, "test", None)
    return bool(test(user, obj) if callable(test) else who(user, obj))


def nobody(user: Any, obj: Any) -> bool:
    """For steps no person takes directly: only another service reaches them."""
    return False


def anyone(user: Any, obj: Any) -> bool:
    """For steps the system takes (a background job) or any caller the service has vetted."""
    return True


@dataclass(frozen=True)
class Step:
    name: str
    label: str  # what the button says: "Submit the audit"
    sources: frozenset[str]
    target: str
    who: Who = field(compare=False)
    reason: str = ""  # what the person writes with the step ("Reason for cancelling"); "" = nothing
    reason_required: bool = False

    def __post_init__(self) -> None:
        if self.reason_required and not self.reason:
            raise ValueError(f"step {self.name!r} requires a reason but does not name it")


class Workflow:
    """A state machine over one model's status field."""

    def __init__(
        self,
        *,
        name: str,
        states: Any,  # a TextChoices class: values and labels
        steps: Iterable[Step],
        final: Iterable[str],
        noun: str,  # how messages name the record: "audit", "escalation"
        field: str = "status",
        max_reason: int = 2000,
    ) -> None:
        self.name = name
        self.states = states
        self.noun = noun
        self.field = field
        self.max_reason = max_reason
        self.steps: dict[str, Step] = {}
        for step in steps:
            if step.name in self.steps:
                raise ValueError(f"{name}: step {step.name!r} defined twice")
            self.steps[step.name] = step
        self.final = frozenset(final)
        known = set(states.values)
        for step in self.steps.values():
            unknown = (step.sources | {step.target}) - known
            if unknown:
                raise ValueError(f"{name}: step {step.name!r} names unknown states {unknown}")
            if step.sources & self.final:
                raise ValueError(f"{name}: step {step.name!r} leaves a final state")
        if not self.final <= known:
            raise ValueError(f"{name}: unknown final states {self.final - known}")

    # Reading the table -------------------------------------------------------------------------

    @property
    def open_states(self) -> frozenset[str]:
        return frozenset(set(self.states.values) - self.final)

    def moves(self) -> set[tuple[str, str, str]]:
        """Every (from state, step, to state) the table allows, for docs and tests."""
        return {(s, step.name, step.target) for step in self.steps.values() for s in step.sources}

    def label_of(self, state: str) -> str:
        return str(self.states(state).label)

    def state_of(self, obj: Any) -> str:
        return str(getattr(obj, self.field))

    def step(self, name: str) -> Step:
        try:
            return self.steps[name]
        except KeyError:
            raise IllegalTransition(f"There is no step called {name!r}.") from None

    def can(self, obj: Any, name: str, *, by: Any) -> bool:
        """May `by` take step `name` on `obj` now? (State and person; not the reason.)"""
        step = self.steps.get(name)
        return step is not None and self.state_of(obj) in step.sources and _may(step.who, by, obj)

    def available(self, obj: Any, *, by: Any) -> list[Step]:
        """The steps `by` may take on `obj` now, in table order: what pages offer as buttons."""
        return [s for s in self.steps.values() if self.can(obj, s.name, by=by)]

    # Enforcing it ------------------------------------------------------------------------------

    def check(self, obj: Any, name: str, *, by: Any, reason: str = "") -> Step:
        """The step, if `by` may take it on `obj` now with this reason; else the refusal:
        IllegalTransition (not from this state), NotAllowed (not this person), Invalid (the
        reason is missing or too long)."""
        step = self.step(name)
        state = self.state_of(obj)
        if state not in step.sources:
            raise IllegalTransition(
                f"This {self.noun} is {self.label_of(state).lower()}: "
                f"“{step.label}” is not possible now."
            )
        if not _may(step.who, by, obj):
            raise NotAllowed(f"You cannot “{step.label.lower()}” on this {self.noun}.")
        text = (reason or "").strip()
        if step.reason_required and not text:
            raise Invalid(f"Enter the {step.reason.lower()}.")
        if len(text) > self.max_reason:
            raise Invalid(
                f"{step.reason or 'The reason'} must be {self.max_reason} characters or fewer."
            )
        return step

    def move(self, obj: Any, name: str, *, by: Any, reason: str = "") -> str:
        """Check the step, then set `obj`'s new state (the caller saves and records history).
        Returns the state it left."""
        step = self.check(obj, name, by=by, reason=reason)
        previous = self.state_of(obj)
        setattr(obj, self.field, step.target)
        return previous
