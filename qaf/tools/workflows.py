"""The two workflows of qaf.tools, written with the one workflow helper (qaf.common.workflow).

Tool version: a draft is published, a published version retired; nothing goes back. The QA
unit takes both steps. A version's definition can change only while it is a draft.

| from | step | to | who |
|---|---|---|---|
| draft | publish | published | the QA unit |
| published | retire | retired (final) | the QA unit |

Form response: its author saves sections (a draft stays a draft) and submits it; a submitted
form never changes again.

| from | step | to | who |
|---|---|---|---|
| draft | save | draft | the author |
| draft | submit | submitted (final) | the author |

The services enforce these (`move`, `check`); pages and the API ask `available` or `can`.
"""

from __future__ import annotations

from qaf.common.workflow import Step, Workflow

from .models import ResponseStatus, ToolVersion, VersionStatus
from .permissions import can_fill_form_response, can_manage_tools

TOOL_VERSION_WORKFLOW = Workflow(
    name="tool version",
    states=VersionStatus,
    steps=[
        Step(
            "publish",
            "Publish this version",
            frozenset({VersionStatus.DRAFT}),
            VersionStatus.PUBLISHED,
            who=can_manage_tools,
        ),
        Step(
            "retire",
            "Retire this version",
            frozenset({VersionStatus.PUBLISHED}),
            VersionStatus.RETIRED,
            who=can_manage_tools,
        ),
    ],
    final=[VersionStatus.RETIRED],
    noun="version",
)

FORM_RESPONSE_WORKFLOW = Workflow(
    name="form response",
    states=ResponseStatus,
    steps=[
        Step(
            "save",
            "Save your answers",
            frozenset({ResponseStatus.DRAFT}),
            ResponseStatus.DRAFT,
            who=can_fill_form_response,
        ),
        Step(
            "submit",
            "Submit",
            frozenset({ResponseStatus.DRAFT}),
            ResponseStatus.SUBMITTED,
            who=can_fill_form_response,
        ),
    ],
    final=[ResponseStatus.SUBMITTED],
    noun="form",
)


def version_is_editable(version: ToolVersion) -> bool:
    """A version's definition may change only before it is published."""
    return version.status == VersionStatus.DRAFT


def version_takes_new_forms(version: ToolVersion, *, practice: bool) -> bool:
    """New forms start on a published version; a practice form (a QA officer trying a tool
    before publishing it) on a draft too. Never on a retired version."""
    if version.status in TOOL_VERSION_WORKFLOW.final:
        return False
    return practice or version.status == VersionStatus.PUBLISHED
