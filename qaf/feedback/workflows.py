"""Feedback's workflows (qaf.common.workflow), enforced by feedback's services.

- A single-use survey link is answered once, while it is waiting; it expires by the clock (no
  step: the date passes), and an answered or expired link never opens again.
- An open link (poster, leaflet) is closed by the QA unit, or by the manager who published it;
  a closed link stays closed.
- A safety alert in the duty inbox is acknowledged by the QA unit, saying what was done.

The states are worked out from the records' dates and flags (the models' `status`), so the
services check a step here and then set those fields themselves.
"""

from typing import Any

from qaf.common.permissions import allowed
from qaf.common.workflow import Step, Who, Workflow, anyone

from .models import MAX_TEXT, AlertStatus, OpenLinkStatus, RequestStatus


def holds(perm: str) -> Who:
    """A step's `who`: the named permission (feedback.permissions) for this person and record.
    (Asked by name because a rules predicate of the person alone, like the role predicates,
    fails when the workflow calls it as `who(user, obj)`.)"""

    def who(user: Any, obj: Any) -> bool:
        return allowed(user, perm, obj)

    return who


REQUEST_WORKFLOW = Workflow(
    name="feedback request",
    states=RequestStatus,
    noun="survey link",
    steps=[
        # The person answering has no account: holding the link is what lets them answer.
        Step(
            "answer",
            "Answer the survey",
            frozenset({RequestStatus.WAITING}),
            RequestStatus.ANSWERED,
            who=anyone,
        ),
    ],
    final=[RequestStatus.ANSWERED, RequestStatus.EXPIRED],
)

OPEN_LINK_WORKFLOW = Workflow(
    name="open link",
    states=OpenLinkStatus,
    noun="open link",
    steps=[
        Step(
            "close",
            "Close this link",
            frozenset({OpenLinkStatus.OPEN}),
            OpenLinkStatus.CLOSED,
            who=holds("feedback.close_open_link"),
        ),
    ],
    final=[OpenLinkStatus.CLOSED],
)

ALERT_WORKFLOW = Workflow(
    name="safety alert",
    states=AlertStatus,
    noun="alert",
    steps=[
        Step(
            "acknowledge",
            "Acknowledge the alert",
            frozenset({AlertStatus.NEEDS_ACTION}),
            AlertStatus.ACKNOWLEDGED,
            who=holds("feedback.handle_safety_alerts"),
            reason="Action taken",
            reason_required=True,
        ),
    ],
    final=[AlertStatus.ACKNOWLEDGED],
    max_reason=MAX_TEXT,
)
