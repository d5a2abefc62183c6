"""Writes for the audit cycle, one module per sub-domain:

| module | what |
|---|---|
| cycles | templates and phases, tools, committing and closing a cycle |
| samples | the sample rule, the draw, cases added, removed or exempted by hand |
| allocations | allocation from the pools, reallocation by hand, the pools |
| auditing | the audit's workflow steps, the auditor's form and actions, reflections |
| moderation | starting, saving and finalising a moderation |
| triads | triad audits and appreciative inquiries |
| concerns | the concern an Inadequate grade proposes |
| sweep | the daily reminders |
| notifications | the emails (after commit) |
| common | the conflict error, text rules, locking a cycle |

Every state-changing service here is atomic and owns its transaction; the helpers they share
(`auditing.audit_move`, `allocations.allocate_from_pools`) run inside the caller's transaction
and are not exported. The workflows are in `workflows.py`, who may do what in `permissions.py`.
Callers import from here.
"""

from .allocations import (
    AllocationSummary,
    audit_reallocate,
    cycle_allocate,
    pool_member_save,
)
from .auditing import (
    audit_action_add,
    audit_open_form,
    audit_transition,
    reflection_add,
)
from .common import MAX_REASON, MAX_TEXT, AuditConflict
from .concerns import (
    MAX_CONCERN_REASON,
    audit_concern_decline,
    audit_concern_propose,
    audit_concern_raise,
    audit_concern_reason,
)
from .cycles import (
    DEFAULT_RULES,
    PhasePlan,
    cycle_choose_tools,
    cycle_close,
    cycle_commit,
    cycle_create,
    cycle_phases_for,
    cycle_tool_for,
)
from .moderation import (
    GRADE_LABELS,
    moderation_finalise,
    moderation_missing,
    moderation_save,
    moderation_start,
)
from .samples import (
    DrawSummary,
    cycle_draw_sample,
    cycle_update_rule,
    sample_rule_from_json,
    sampled_case_add,
    sampled_case_decide,
)
from .sweep import REMINDER_DAYS_BEFORE, audit_sweep
from .triads import appreciative_inquiry_record, triad_record

__all__ = [
    "DEFAULT_RULES",
    "GRADE_LABELS",
    "MAX_CONCERN_REASON",
    "MAX_REASON",
    "MAX_TEXT",
    "REMINDER_DAYS_BEFORE",
    "AllocationSummary",
    "AuditConflict",
    "DrawSummary",
    "PhasePlan",
    "appreciative_inquiry_record",
    "audit_action_add",
    "audit_concern_decline",
    "audit_concern_propose",
    "audit_concern_raise",
    "audit_concern_reason",
    "audit_open_form",
    "audit_reallocate",
    "audit_sweep",
    "audit_transition",
    "cycle_allocate",
    "cycle_choose_tools",
    "cycle_close",
    "cycle_commit",
    "cycle_create",
    "cycle_draw_sample",
    "cycle_phases_for",
    "cycle_tool_for",
    "cycle_update_rule",
    "moderation_finalise",
    "moderation_missing",
    "moderation_save",
    "moderation_start",
    "pool_member_save",
    "reflection_add",
    "sample_rule_from_json",
    "sampled_case_add",
    "sampled_case_decide",
    "triad_record",
]
