"""The audit cycle's four workflows, each one table (qaf.common.workflow.Workflow).

The services enforce them (`check` / `move`, then save and record history); pages and the API ask
`available(obj, by=user)` which steps to offer. Who may take each step is a rule from
permissions.py. docs/audit-cycle.md has the same tables for people; the tests state them again
(qaf/audits/tests/spec.py) and check both ways.

Audit: allocated -> in progress -> submitted -> in moderation -> finalised. The moderator may
return a submitted audit (or one in moderation) with a reason (returned -> in progress when the
auditor picks it up again); the QA unit may cancel any audit not yet final, with a reason.
Starting and finalising moderation are taken only by the moderation services, which keep the
moderation record in step.

Moderation: a draft the moderator saves as often as needed, then finalises (with the audit).

Cycle: planning (the sample may change) -> committed (audits exist; allocation from the pools)
-> closed (every audit final).

Sampled case: proposed by the rule, or added by hand; removed or exempted with a reason; a
removed or exempted case may be added back with a reason. Only while the cycle is planning.
"""

from __future__ import annotations

from qaf.common.workflow import Step, Workflow

from .models import (
    AUDIT_FINAL,
    IN_SAMPLE,
    AuditStatus,
    CycleStatus,
    ModerationStatus,
    SampleStatus,
)
from .permissions import (
    is_audit_auditor,
    is_audit_moderator,
    is_moderation_moderator,
    runs_audit_cycles,
)

A = AuditStatus
auditor = is_audit_auditor.test
moderator = is_audit_moderator.test
qa_unit = runs_audit_cycles.test

AUDIT_WORKFLOW = Workflow(
    name="audit",
    states=AuditStatus,
    noun="audit",
    final=AUDIT_FINAL,
    max_reason=20_000,
    steps=[
        Step("start", "Start the audit", frozenset({A.ALLOCATED}), A.IN_PROGRESS, auditor),
        Step("submit", "Submit the audit", frozenset({A.IN_PROGRESS}), A.SUBMITTED, auditor),
        Step(
            "resume",
            "Pick the returned audit up again",
            frozenset({A.RETURNED}),
            A.IN_PROGRESS,
            auditor,
        ),
        Step(
            "begin_moderation",
            "Start moderation",
            frozenset({A.SUBMITTED}),
            A.IN_MODERATION,
            moderator,
        ),
        Step(
            "return",
            "Return to the auditor",
            frozenset({A.SUBMITTED, A.IN_MODERATION}),
            A.RETURNED,
            moderator,
            reason="Reason for returning the audit",
            reason_required=True,
        ),
        Step(
            "finalise",
            "Finalise the moderation",
            frozenset({A.IN_MODERATION}),
            A.FINALISED,
            moderator,
        ),
        Step(
            "cancel",
            "Cancel the audit",
            frozenset(set(AuditStatus.values) - AUDIT_FINAL),
            A.CANCELLED,
            qa_unit,
            reason="Reason for cancelling the audit",
            reason_required=True,
        ),
    ],
)

# Steps only the moderation services take (moderation_start, moderation_finalise): never a bare
# step of the audit, so an audit is never in moderation without its moderation record, nor
# finalised without a finalised one.
MODERATION_STEPS = frozenset({"begin_moderation", "finalise"})

MODERATION_WORKFLOW = Workflow(
    name="moderation",
    states=ModerationStatus,
    noun="moderation",
    final=[ModerationStatus.FINALISED],
    steps=[
        Step(
            "save",
            "Save the moderation",
            frozenset({ModerationStatus.DRAFT}),
            ModerationStatus.DRAFT,
            is_moderation_moderator.test,
        ),
        Step(
            "finalise",
            "Finalise the moderation",
            frozenset({ModerationStatus.DRAFT}),
            ModerationStatus.FINALISED,
            is_moderation_moderator.test,
        ),
    ],
)

C = CycleStatus
CYCLE_WORKFLOW = Workflow(
    name="cycle",
    states=CycleStatus,
    noun="cycle",
    final=[C.CLOSED],
    steps=[
        # Redraw, change the rule, add, remove or exempt a case: the cycle stays in planning.
        Step("change_sample", "Change the sample", frozenset({C.PLANNING}), C.PLANNING, qa_unit),
        Step("commit", "Commit the cycle", frozenset({C.PLANNING}), C.COMMITTED, qa_unit),
        Step("allocate", "Allocate from the pools", frozenset({C.COMMITTED}), C.COMMITTED, qa_unit),
        Step("close", "Close the cycle", frozenset({C.COMMITTED}), C.CLOSED, qa_unit),
    ],
)

S = SampleStatus
OUT_OF_SAMPLE = frozenset({S.REMOVED, S.EXEMPTED})
SAMPLE_WORKFLOW = Workflow(
    name="sampled case",
    states=SampleStatus,
    noun="case",
    final=[],
    max_reason=500,
    steps=[
        Step(
            "remove",
            "Remove from the sample",
            frozenset(IN_SAMPLE),
            S.REMOVED,
            qa_unit,
            reason="Reason for removing the case",
            reason_required=True,
        ),
        Step(
            "exempt",
            "Approve an exemption",
            frozenset(IN_SAMPLE),
            S.EXEMPTED,
            qa_unit,
            reason="Reason for the exemption",
            reason_required=True,
        ),
        Step(
            "add",
            "Add back to the sample",
            OUT_OF_SAMPLE,
            S.ADDED,
            qa_unit,
            reason="Reason for adding the case",
            reason_required=True,
        ),
    ],
)
