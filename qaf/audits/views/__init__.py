"""The audit cycle's pages, one module per area: cycles (the QA unit's planning, sample,
progress, allocation and pools), audits (an audit and the auditor's work on it), moderation
(the moderator's), review (agreement, triads, appreciative inquiries); common holds what they
share. Every view has one gate (a named permission from permissions.py); views parse forms and
call selectors and services, and offer the steps the workflows say the person may take."""

from .audits import (
    action_new,
    audit_detail,
    audit_open,
    audit_pdf,
    audit_submit,
    concern,
    mine,
    reflection_new,
)
from .cycles import (
    audit_reallocate,
    cycle_allocate,
    cycle_commit,
    cycle_detail,
    cycle_draw,
    cycle_list,
    cycle_new,
    cycle_progress,
    cycle_rule,
    cycle_tools,
    pools,
    sample_add,
    sample_decide,
)
from .moderation import audit_return, finalise, moderate
from .review import agreement_page, inquiry_new, triad_new

__all__ = [
    "action_new",
    "agreement_page",
    "audit_detail",
    "audit_open",
    "audit_pdf",
    "audit_reallocate",
    "audit_return",
    "audit_submit",
    "concern",
    "cycle_allocate",
    "cycle_commit",
    "cycle_detail",
    "cycle_draw",
    "cycle_list",
    "cycle_new",
    "cycle_progress",
    "cycle_rule",
    "cycle_tools",
    "finalise",
    "inquiry_new",
    "mine",
    "moderate",
    "pools",
    "reflection_new",
    "sample_add",
    "sample_decide",
    "triad_new",
]
