"""Tool versions and responses through the services: import, publish, retire, immutability,
saving sections, grades, submission and conflicts."""

import pytest

from qaf.accounts.models import Role
from qaf.common.errors import Conflict, IllegalTransition, NotAllowed
from qaf.tools import services
from qaf.tools.definition import DefinitionInvalid, library_index, parse_definition
from qaf.tools.models import FormResponse, Tool, ToolVersion, VersionStatus
from qaf.tools.selectors import case_facts_for, tool_version_current

from .factories import SMALL_TOOL, library_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def qa(council):
    return council.users[Role.QA_OFFICER]


@pytest.fixture
def small(qa):
    draft = services.tool_version_import(yaml_text=SMALL_TOOL, by=qa)
    return services.tool_version_publish(version=draft, by=qa)


def start(small, qa, **kwargs):
    return services.form_response_start(tool_version=small, author=qa, **kwargs)


def test_library_load_publishes_every_tool_once():
    first = services.tool_library_load(by=None)
    assert len(first) == len(library_index())
    assert all(v.status == VersionStatus.PUBLISHED for v in first)
    assert services.tool_library_load(by=None) == []
    assert ToolVersion.objects.count() == len(library_index())


def test_import_creates_a_draft_and_publish_makes_it_current(qa):
    draft = services.tool_version_import(yaml_text=SMALL_TOOL, by=qa)
    assert draft.status == VersionStatus.DRAFT and draft.created_by == qa
    assert tool_version_current(tool=draft.tool) is None
    services.tool_version_publish(version=draft, by=qa)
    v2 = services.tool_version_import(
        yaml_text=SMALL_TOOL.replace("version: 1", "version: 2"), by=qa
    )
    assert tool_version_current(tool=draft.tool).version == 1
    services.tool_version_publish(version=v2, by=qa)
    assert tool_version_current(tool=draft.tool).version == 2


def test_invalid_import_changes_nothing(qa):
    with pytest.raises(DefinitionInvalid, match="unknown question type 'slider'") as e:
        services.tool_version_import(
            yaml_text=SMALL_TOOL.replace("type: scale", "type: slider"), by=qa
        )
    assert e.value.problems[0].line is not None
    assert Tool.objects.count() == 0 and ToolVersion.objects.count() == 0


def test_five_megabyte_file_is_refused_by_size(qa):
    with pytest.raises(DefinitionInvalid, match=r"5\.0 MB: a tool definition must be 1 MB") as e:
        services.tool_version_import(yaml_text=b"#" * (5 * 1024 * 1024), by=qa)
    assert "5.0 MB" in e.value.problems[0].message
    assert ToolVersion.objects.count() == 0


def test_new_version_may_not_change_a_key_meaning(qa, small):
    changed = SMALL_TOOL.replace("version: 1", "version: 2").replace(
        "        type: single_choice", "        type: multiple_choice"
    )
    with pytest.raises(DefinitionInvalid, match="question 'colour' was a single_choice") as e:
        services.tool_version_import(yaml_text=changed, by=qa)
    assert any("colour" in str(p) for p in e.value.problems), e.value.problems
    assert ToolVersion.objects.count() == 1


def test_same_version_twice_is_refused(qa, small):
    with pytest.raises(DefinitionInvalid, match="the version must be greater than 1"):
        services.tool_version_import(yaml_text=SMALL_TOOL, by=qa)


def test_published_definition_can_never_change(qa, small):
    small.source_yaml = small.source_yaml.replace("Small tool", "Changed tool")
    with pytest.raises(Conflict, match="Version 1 is published: its definition can never change"):
        small.save()
    with pytest.raises(Conflict, match="Version 1 is published: its definition can never change"):
        services.tool_version_update_draft(version=small, yaml_text=SMALL_TOOL, by=qa)
    small.refresh_from_db()
    assert "Changed" not in small.source_yaml


def test_transitions_follow_the_table(qa, small):
    with pytest.raises(IllegalTransition, match="This version is published"):
        services.tool_version_publish(version=small, by=qa)
    retired = services.tool_version_retire(version=small, by=qa)
    assert retired.status == VersionStatus.RETIRED and retired.retired_by == qa
    with pytest.raises(IllegalTransition, match="This version is retired"):
        services.tool_version_retire(version=retired, by=qa)
    with pytest.raises(Conflict, match="retired: it cannot be used for new forms"):
        services.form_response_start(tool_version=retired, author=qa)


def test_draft_only_for_practice(qa):
    draft = services.tool_version_import(yaml_text=SMALL_TOOL, by=qa)
    assert services.form_response_start(tool_version=draft, author=qa).purpose == "practice"
    with pytest.raises(Conflict, match="is a draft: publish it before using it"):
        services.form_response_start(tool_version=draft, author=qa, purpose="audit")


def test_draft_save_keeps_valid_answers_and_reports_bad_ones(qa, small):
    r = start(small, qa)
    result = services.form_response_save_section(
        response=r,
        section_key="first",
        data={"score": 2, "colour": "green", "count": 500, "words": "  I said\r\nthis  "},
        by=qa,
        expected_version=r.row_version,
    )
    assert result.response.answers == {"score": 2, "words": "  I said\r\nthis  "}
    assert set(result.errors) == {"colour", "count"}
    assert "100 or less" in result.errors["count"]
    assert result.response.section_status == {"first": "in_progress"}
    assert result.response.row_version == 2


def test_complete_lists_what_is_missing(qa, small):
    r = start(small, qa)
    result = services.form_response_save_section(
        response=r,
        section_key="first",
        data={"seen": "no"},
        by=qa,
        expected_version=1,
        complete=True,
    )
    assert not result.completed
    assert "why_not" in result.errors  # shown by the condition, so required
    assert "tags" not in result.errors  # optional
    assert result.errors["grade"] == "Choose a grade for “First section”"


def fill(r, qa, **extra):
    data = {
        "score": 3,
        "grade_q": "good",
        "seen": "yes",
        "colour": "red",
        "visit_date": "2025-03-27",
        "count": 4,
        "words": "It was fine",
    } | extra
    return services.form_response_save_section(
        response=r,
        section_key="first",
        data=data,
        by=qa,
        expected_version=r.row_version,
        grade="outstanding",
        complete=True,
    )


def test_grade_differing_from_suggestion_needs_a_reason(qa, small):
    r = start(small, qa)
    result = services.form_response_save_section(
        response=r,
        section_key="first",
        data={"score": 1},
        by=qa,
        expected_version=1,
        grade="good",
    )
    assert (
        "Give a reason for choosing Good when the suggested grade is Inadequate"
        in (result.errors["grade_reason"])
    )
    assert "first" not in result.response.section_grades
    ok = services.form_response_set_grade(
        response=result.response,
        section_key="first",
        grade="good",
        reason="Context matters",
        by=qa,
        expected_version=result.response.row_version,
    )
    assert ok.section_grades["first"] == {
        "grade": "good",
        "suggested": "inadequate",
        "reason": "Context matters",
    }


def test_submit_needs_everything_then_locks(qa, small):
    r = start(small, qa)
    with pytest.raises(services.FormIncomplete, match="cannot be submitted yet") as e:
        services.form_response_submit(response=r, by=qa)
    assert any(m.question_key == "score" for m in e.value.missing)
    r = fill(r, qa, why_not="left over").response
    assert r.section_status["first"] == "completed"
    with pytest.raises(services.FormIncomplete, match="Choose an overall grade") as e:
        services.form_response_submit(response=r, by=qa)
    assert [m.message for m in e.value.missing] == ["Choose an overall grade"]
    r = services.form_response_set_grade(
        response=r,
        section_key=None,
        grade="outstanding",
        reason="",
        by=qa,
        expected_version=r.row_version,
    )
    r = services.form_response_submit(response=r, by=qa)
    assert r.is_submitted and "why_not" not in r.answers  # hidden by its condition: dropped
    with pytest.raises(services.ResponseLocked, match="has been submitted"):
        services.form_response_save_section(
            response=r,
            section_key="first",
            data={"score": 1},
            by=qa,
            expected_version=r.row_version,
        )
    with pytest.raises(services.ResponseLocked, match="has been submitted"):
        services.form_response_set_grade(
            response=r,
            section_key="first",
            grade="good",
            reason="x",
            by=qa,
            expected_version=r.row_version,
        )
    with pytest.raises(services.ResponseLocked, match="has been submitted"):
        services.form_response_submit(response=r, by=qa)
    assert FormResponse.objects.get(pk=r.pk).answers["score"] == 3
    assert r.history.count() >= 3


def test_only_the_author_may_write(council, qa, small):
    r = start(small, qa)
    with pytest.raises(NotAllowed, match="Only the person filling in this form can change it"):
        services.form_response_save_section(
            response=r,
            section_key="first",
            data={"score": 1},
            by=council.users[Role.DIRECTOR],
            expected_version=1,
        )


def test_stale_row_version_is_a_conflict_keeping_both(qa, small):
    r = start(small, qa)
    services.form_response_save_section(
        response=r, section_key="first", data={"words": "First text"}, by=qa, expected_version=1
    )
    with pytest.raises(services.FormResponseConflict, match="changed somewhere else") as e:
        services.form_response_save_section(
            response=r,
            section_key="first",
            data={"words": "Second text"},
            by=qa,
            expected_version=1,
        )
    assert e.value.current.answers["words"] == "First text"
    assert e.value.attempted["words"] == "Second text"
    assert FormResponse.objects.get(pk=r.pk).answers["words"] == "First text"


def test_case_facts(council):
    facts = case_facts_for(child=council.own_child)
    worker = council.users[Role.PRACTITIONER].staff
    assert facts["allocated_worker"] == f"{worker.given_name} {worker.family_name}"
    assert facts["team"] == council.home_team.name
    assert facts["last_statutory_visit"] == "Not recorded"
    assert facts["involvement_end"] == "Open"


def test_every_library_tool_round_trips_through_the_database():
    services.tool_library_load(by=None)
    for tv in ToolVersion.objects.all():
        assert parse_definition(tv.source_yaml).to_dict() == tv.definition_data
        assert library_version(tv.tool.key).definition == tv.definition


def test_a_stale_save_that_changes_nothing_is_not_a_conflict(qa, small):
    """The page's autosave may store the answers a moment before "Save and continue" posts the
    same answers with the version it read: nothing would be lost, so the save goes through."""
    r = start(small, qa)
    services.form_response_save_section(
        response=r, section_key="first", data={"words": "Same text"}, by=qa, expected_version=1
    )
    result = services.form_response_save_section(
        response=r, section_key="first", data={"words": "Same text"}, by=qa, expected_version=1
    )
    assert result.response.answers["words"] == "Same text"
    assert result.response.row_version == 3
    # ... but any difference, even clearing an answer, is still a conflict.
    for data in ({"words": "Other text"}, {"words": ""}):
        with pytest.raises(services.FormResponseConflict, match="changed somewhere else"):
            services.form_response_save_section(
                response=r, section_key="first", data=data, by=qa, expected_version=1
            )
    assert FormResponse.objects.get(pk=r.pk).answers["words"] == "Same text"


def test_a_draft_save_that_changes_nothing_keeps_a_completed_section_completed(qa, small):
    done = fill(start(small, qa), qa)
    assert done.completed
    data = dict(done.response.answers)
    late = services.form_response_save_section(  # the page's late autosave, same answers
        response=done.response,
        section_key="first",
        data=data,
        by=qa,
        expected_version=1,
        grade="outstanding",
    )
    assert late.response.section_status["first"] == "completed"
    changed = services.form_response_save_section(
        response=late.response,
        section_key="first",
        data={**data, "words": "Changed"},
        by=qa,
        expected_version=late.response.row_version,
    )
    assert changed.response.section_status["first"] == "in_progress"
