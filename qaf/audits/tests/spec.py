"""The audit cycle's workflow rules, written down for the tests: the legal moves (from, step, to)
of each workflow and who may take each step. docs/audit-cycle.md says the same for people.

Nothing here is read from qaf.audits.workflows: the tests check the implementation against these
tables both ways (qaf/common/tests/workflow_spec.py, and every case driven through the real
services), so a move added to or dropped from the implementation alone fails a test.
"""

from __future__ import annotations

from qaf.common.errors import IllegalTransition, NotAllowed

# The people the tests ask, by what they are to the record.
AUDITOR = "auditor"  # the audit's auditor (a team manager of another team)
MODERATOR = "moderator"  # the audit's moderator (a service manager)
QA_UNIT = "qa_unit"  # a QA officer
PRACTITIONER = "practitioner"  # the worker whose case is audited
OTHER = "other"  # a manager who may read the audit but has no part in it
AUDIT_ACTORS = (AUDITOR, MODERATOR, QA_UNIT, PRACTITIONER, OTHER)

# The audit ---------------------------------------------------------------------------------

AUDIT_STATES = (
    "allocated",
    "in_progress",
    "submitted",
    "returned",
    "in_moderation",
    "finalised",
    "cancelled",
)
AUDIT_FINAL = {"finalised", "cancelled"}
AUDIT_MOVES = {
    ("allocated", "start", "in_progress"),
    ("in_progress", "submit", "submitted"),
    ("returned", "resume", "in_progress"),
    ("submitted", "begin_moderation", "in_moderation"),
    ("submitted", "return", "returned"),
    ("in_moderation", "return", "returned"),
    ("in_moderation", "finalise", "finalised"),
    ("allocated", "cancel", "cancelled"),
    ("in_progress", "cancel", "cancelled"),
    ("submitted", "cancel", "cancelled"),
    ("returned", "cancel", "cancelled"),
    ("in_moderation", "cancel", "cancelled"),
}
AUDIT_TAKEN_BY = {
    "start": {AUDITOR},
    "submit": {AUDITOR},
    "resume": {AUDITOR},
    "begin_moderation": {MODERATOR},
    "return": {MODERATOR},
    "finalise": {MODERATOR},
    "cancel": {QA_UNIT},
}
AUDIT_REASON_REQUIRED = {"return", "cancel"}
# Taken only through the moderation services (moderation_start, moderation_finalise), never as
# a bare step of the audit (audit_transition, the API's steps endpoint).
MODERATION_ONLY_STEPS = {"begin_moderation", "finalise"}
# The auditor may still change what they wrote (open the form, add actions).
AUDITOR_EDITABLE = {"allocated", "in_progress", "returned"}

# The moderation ----------------------------------------------------------------------------

MODERATION_STATES = ("draft", "finalised")
MODERATION_FINAL = {"finalised"}
MODERATION_MOVES = {
    ("draft", "save", "draft"),
    ("draft", "finalise", "finalised"),
}
MODERATION_TAKEN_BY = {"save": {MODERATOR}, "finalise": {MODERATOR}}

# The cycle ---------------------------------------------------------------------------------

CYCLE_STATES = ("planning", "committed", "closed")
CYCLE_FINAL = {"closed"}
CYCLE_MOVES = {
    ("planning", "change_sample", "planning"),
    ("planning", "commit", "committed"),
    ("committed", "allocate", "committed"),
    ("committed", "close", "closed"),
}
CYCLE_TAKEN_BY = {step: {QA_UNIT} for _, step, _ in CYCLE_MOVES}
CYCLE_ACTORS = (QA_UNIT, AUDITOR, OTHER)

# A sampled case ----------------------------------------------------------------------------

SAMPLE_STATES = ("proposed", "added", "removed", "exempted")
SAMPLE_FINAL: set[str] = set()
SAMPLE_MOVES = {
    ("proposed", "remove", "removed"),
    ("added", "remove", "removed"),
    ("proposed", "exempt", "exempted"),
    ("added", "exempt", "exempted"),
    ("removed", "add", "added"),
    ("exempted", "add", "added"),
}
SAMPLE_TAKEN_BY = {"remove": {QA_UNIT}, "exempt": {QA_UNIT}, "add": {QA_UNIT}}
SAMPLE_REASON_REQUIRED = {"remove", "exempt", "add"}
SAMPLE_ACTORS = (QA_UNIT, AUDITOR, OTHER)


def expected(
    moves: set[tuple[str, str, str]],
    taken_by: dict[str, set[str]],
    state: str,
    step: str,
    actor: str,
) -> str | type[Exception]:
    """What asking for `step` from `state` as `actor` must give: the new state, or the error.
    A move the table does not have is refused whoever asks (IllegalTransition, a 409); a legal
    move asked for by someone who may not take it is NotAllowed (a 403)."""
    target = {(s, st): t for s, st, t in moves}.get((state, step))
    if target is None:
        return IllegalTransition
    if actor not in taken_by[step]:
        return NotAllowed
    return target


def sources(moves: set[tuple[str, str, str]], step: str) -> set[str]:
    return {s for s, st, _ in moves if st == step}
