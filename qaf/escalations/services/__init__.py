"""Writes for escalations, practice reviews and closure days, by sub-domain:

- `raising`: raising a concern (and what an Inadequate grade proposes);
- `steps`: taking an escalation through ESCALATION_WORKFLOW (workflows.py);
- `second_person`: changes a second authorised person decides;
- `sweep`: the daily overdue reminders;
- `practice_reviews`: CP chairs' and IROs' quality assurance;
- `closure_days`: the council's closure days; `deadlines` and `notify` serve the others.

Other apps and this app's pages import from here.
"""

from .closure_days import closure_day_add, closure_day_remove
from .deadlines import WORKING_DAYS_TO_SIGN_OFF, escalation_deadline
from .practice_reviews import (
    practice_review_record,
    practice_review_start,
    practice_review_submit,
    practice_review_tool_key,
)
from .raising import EscalationProposal, escalation_propose_for_grade, escalation_raise
from .second_person import second_person_request_create, second_person_request_decide
from .steps import escalation_take_step
from .sweep import escalation_sweep

__all__ = [
    "WORKING_DAYS_TO_SIGN_OFF",
    "EscalationProposal",
    "closure_day_add",
    "closure_day_remove",
    "escalation_deadline",
    "escalation_propose_for_grade",
    "escalation_raise",
    "escalation_sweep",
    "escalation_take_step",
    "practice_review_record",
    "practice_review_start",
    "practice_review_submit",
    "practice_review_tool_key",
    "second_person_request_create",
    "second_person_request_decide",
]
