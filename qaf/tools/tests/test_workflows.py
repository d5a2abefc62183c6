"""The tool version and form response workflows, stated here as their own specification.

The tables below are written from docs/tool-format.md ("Managing versions", "Filling in a form"),
not read from qaf/tools/workflows.py. Each is checked both ways: the implementation allows
exactly these moves (workflow_spec.assert_moves_are), and every (state, step, person) case is
driven through the real services: the legal ones succeed, every other one is refused with the
right error and changes nothing.
"""

import pytest

from qaf.accounts.models import Role
from qaf.common.errors import Conflict, IllegalTransition, NotAllowed
from qaf.common.tests.workflow_spec import assert_moves_are, every_case
from qaf.tools import services
from qaf.tools.models import FormResponse, ResponseStatus, ToolVersion, VersionStatus
from qaf.tools.workflows import FORM_RESPONSE_WORKFLOW, TOOL_VERSION_WORKFLOW

from .factories import SMALL_TOOL

pytestmark = pytest.mark.django_db

V = VersionStatus
R = ResponseStatus

# Tool versions: (from, step, to). Nothing goes back; retired is final.
VERSION_MOVES = {
    (V.DRAFT, "publish", V.PUBLISHED),
    (V.PUBLISHED, "retire", V.RETIRED),
}
# Who may take each step.
VERSION_WHO = {"publish": {Role.QA_OFFICER}, "retire": {Role.QA_OFFICER}}

# Form responses: the author saves a draft (it stays a draft) and submits it; submitted is final.
RESPONSE_MOVES = {
    (R.DRAFT, "save", R.DRAFT),
    (R.DRAFT, "submit", R.SUBMITTED),
}
AUTHOR, QA_READER, SOMEONE_ELSE = "author", "the QA unit (not the author)", "someone else"
RESPONSE_WHO = {"save": {AUTHOR}, "submit": {AUTHOR}}


def test_the_tool_version_workflow_allows_exactly_the_specified_moves():
    assert_moves_are(TOOL_VERSION_WORKFLOW, VERSION_MOVES)
    assert TOOL_VERSION_WORKFLOW.final == {V.RETIRED}


def test_the_form_response_workflow_allows_exactly_the_specified_moves():
    assert_moves_are(FORM_RESPONSE_WORKFLOW, RESPONSE_MOVES)
    assert FORM_RESPONSE_WORKFLOW.final == {R.SUBMITTED}


# ---- through the services -------------------------------------------------------------------

VERSION_SERVICES = {
    "publish": services.tool_version_publish,
    "retire": services.tool_version_retire,
}


def version_in(state: str, qa) -> ToolVersion:
    """The small tool's version 1 in `state`, reached through the services."""
    version = services.tool_version_import(yaml_text=SMALL_TOOL, by=qa)
    if state in (V.PUBLISHED, V.RETIRED):
        version = services.tool_version_publish(version=version, by=qa)
    if state == V.RETIRED:
        version = services.tool_version_retire(version=version, by=qa)
    assert version.status == state
    return version


@pytest.mark.parametrize("role", [Role.QA_OFFICER, Role.DIRECTOR, Role.TEAM_MANAGER])
@pytest.mark.parametrize(
    ("state", "step", "target"), every_case(TOOL_VERSION_WORKFLOW, VERSION_MOVES)
)
def test_each_tool_version_step_through_the_services(council, role, state, step, target):
    qa = council.users[Role.QA_OFFICER]
    version = version_in(state, qa)
    take = VERSION_SERVICES[step]
    if target is None:
        with pytest.raises(IllegalTransition, match="is not possible now"):
            take(version=version, by=council.users[role])
    elif role not in VERSION_WHO[step]:
        with pytest.raises(NotAllowed, match="You cannot"):
            take(version=version, by=council.users[role])
    else:
        assert take(version=version, by=council.users[role]).status == target
        return
    assert ToolVersion.objects.get(pk=version.pk).status == state  # nothing changed


def complete_response(author) -> FormResponse:
    """A draft of the small tool with every answer and grade given: ready to submit."""
    qa_version = ToolVersion.objects.filter(tool__key="small-tool").first()
    response = services.form_response_start(tool_version=qa_version, author=author)
    saved = services.form_response_save_section(
        response=response,
        section_key="first",
        data={
            "score": 1,
            "grade_q": "good",
            "seen": "yes",
            "colour": "red",
            "visit_date": "2025-01-02",
            "count": 1,
            "words": "I like my room",
        },
        grade="inadequate",
        by=author,
        expected_version=response.row_version,
        complete=True,
    )
    assert saved.completed, saved.errors
    return services.form_response_set_grade(
        response=saved.response,
        section_key=None,
        grade="inadequate",
        reason="",
        by=author,
        expected_version=saved.response.row_version,
    )


def take_response_step(step: str, response: FormResponse, by) -> FormResponse:
    if step == "save":
        return services.form_response_save_section(
            response=response,
            section_key="first",
            data={"words": "Changed words"},
            by=by,
            expected_version=response.row_version,
        ).response
    return services.form_response_submit(
        response=response, by=by, expected_version=response.row_version
    )


@pytest.mark.parametrize("who", [AUTHOR, QA_READER, SOMEONE_ELSE])
@pytest.mark.parametrize(
    ("state", "step", "target"), every_case(FORM_RESPONSE_WORKFLOW, RESPONSE_MOVES)
)
def test_each_form_response_step_through_the_services(council, who, state, step, target):
    qa = council.users[Role.QA_OFFICER]
    version_in(V.PUBLISHED, qa)
    author = council.users[Role.TEAM_MANAGER]
    response = complete_response(author)
    if state == R.SUBMITTED:
        response = services.form_response_submit(response=response, by=author)
    actor = {AUTHOR: author, QA_READER: qa, SOMEONE_ELSE: council.users[Role.PRACTITIONER]}[who]
    before = FormResponse.objects.get(pk=response.pk)
    if target is None:
        with pytest.raises(services.ResponseLocked, match="has been submitted"):
            take_response_step(step, response, actor)
    elif who not in RESPONSE_WHO[step]:
        with pytest.raises(NotAllowed, match="Only the person filling in this form"):
            take_response_step(step, response, actor)
    else:
        assert take_response_step(step, response, actor).status == target
        return
    after = FormResponse.objects.get(pk=response.pk)
    assert (after.status, after.answers, after.row_version) == (
        before.status,
        before.answers,
        before.row_version,
    )


@pytest.mark.parametrize(
    ("state", "practice", "starts"),
    [
        (V.DRAFT, True, True),  # a QA officer tries a draft before publishing it
        (V.DRAFT, False, False),
        (V.PUBLISHED, True, True),
        (V.PUBLISHED, False, True),
        (V.RETIRED, True, False),
        (V.RETIRED, False, False),
    ],
)
def test_which_versions_take_new_forms(council, state, practice, starts):
    qa = council.users[Role.QA_OFFICER]
    version = version_in(state, qa)
    purpose = "practice" if practice else "audit"
    if starts:
        started = services.form_response_start(tool_version=version, author=qa, purpose=purpose)
        assert started.tool_version == version
    else:
        with pytest.raises(Conflict, match=r"draft: publish it|retired: it cannot"):
            services.form_response_start(tool_version=version, author=qa, purpose=purpose)
        assert not FormResponse.objects.exists()
