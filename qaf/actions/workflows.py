"""The action workflow: open ⇄ in progress, either to done (with evidence) or cancelled.

Done and cancelled are final. Who may take each step is `actions.update_action`
(permissions.py); a plan action also needs its effectiveness check before it is done, which the
service checks (`action_update`).
"""

from qaf.common.workflow import Step, Workflow

from .models import ActionStatus as S
from .permissions import updates_action

OPEN = frozenset({S.OPEN, S.IN_PROGRESS})

ACTION_WORKFLOW = Workflow(
    name="action",
    noun="action",
    states=S,
    steps=[
        Step(
            "start",
            "Mark the action in progress",
            frozenset({S.OPEN}),
            S.IN_PROGRESS,
            updates_action,
        ),
        Step(
            "reopen",
            "Put the action back to open",
            frozenset({S.IN_PROGRESS}),
            S.OPEN,
            updates_action,
        ),
        Step(
            "complete",
            "Mark the action done",
            OPEN,
            S.DONE,
            updates_action,
            reason="Evidence that the action is complete",
            reason_required=True,
        ),
        Step("cancel", "Cancel the action", OPEN, S.CANCELLED, updates_action),
    ],
    final=[S.DONE, S.CANCELLED],
    max_reason=5000,
)

# The pages and the API name the status an action moves to; each status is the target of one
# step only, so the status says which step it is.
STEP_TO: dict[str, str] = {step.target: step.name for step in ACTION_WORKFLOW.steps.values()}
if len(STEP_TO) != len(ACTION_WORKFLOW.steps):
    raise ValueError("two action steps reach the same status: the status no longer names the step")
