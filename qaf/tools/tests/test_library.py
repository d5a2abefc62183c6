"""The shipped library: every tool is valid, and the case audits are complete."""

from pathlib import Path

import jsonschema
import pytest
import yaml

from qaf.tools.definition import (
    SERVICES,
    ToolDefinition,
    library_index,
    load_library,
    load_schema,
    parse_definition,
)

EXPECTED_KEYS = {
    "universal-case-audit",
    "youth-justice-case-audit",
    "adoption-case-audit",
    "send-ehc-plan-audit",
    "early-help-case-audit",
    "practice-observation",
    "appreciative-inquiry",
    "cp-chair-post-conference-qa",
    "iro-post-review-qa",
    "unit-meeting-audit",
    "setting-safeguarding-checklist",
    "group-activity-observation",
    "triage-decision-audit",
    "data-quality-audit",
    "pep-quality-check",
    "coa-main-tool",
    "coa-observation-tool",
    "multi-agency-case-audit",
}

INDEX = library_index()


@pytest.fixture(scope="module")
def library() -> dict[str, ToolDefinition]:
    return {d.key: d for d in load_library()}


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(load_schema())


def test_the_library_holds_every_expected_tool() -> None:
    assert {key for key, _ in INDEX} == EXPECTED_KEYS
    assert all(path.name == f"{key}.v1.yaml" for key, path in INDEX)


@pytest.mark.parametrize(("key", "path"), INDEX, ids=[key for key, _ in INDEX])
def test_each_shipped_tool_passes_the_schema_and_the_semantic_checks(key, path) -> None:
    text = path.read_text(encoding="utf-8")
    # The file on its own satisfies the JSON Schema (as any YAML reader sees it) ...
    jsonschema.Draft202012Validator(load_schema()).validate(yaml.safe_load(text))
    # ... and the full parser, with its semantic checks, accepts it.
    definition = parse_definition(text)
    assert definition.key == key
    assert definition.version == 1
    assert parse_definition(definition.to_yaml()) == definition


def test_the_universal_audit_is_the_largest_tool(library) -> None:
    sizes = {key: len(list(d.questions())) for key, d in library.items()}
    assert max(sizes, key=sizes.__getitem__) == "universal-case-audit"
    file_sizes = {key: path.stat().st_size for key, path in INDEX}
    assert max(file_sizes, key=file_sizes.__getitem__) == "universal-case-audit"


def test_the_universal_audit_has_the_seven_graded_sections(library) -> None:
    d = library["universal-case-audit"]
    graded = [s for s in d.sections if s.graded]
    assert [s.key for s in graded] == [
        "family_feedback",
        "referral_response",
        "assessment",
        "planning_risk",
        "management_oversight",
        "child_focused",
        "practitioner_feedback",
    ]
    for s in graded:
        scales = [q for q in s.questions if q.type == "scale"]
        assert 2 <= len(scales) <= 4, s.key
        assert all(len(q.points) in (4, 10) for q in scales)
        keys = {q.key for q in s.questions}
        assert {f"{s.key}_strengths", f"{s.key}_to_develop"} <= keys
        assert s.grade_rule is not None
        assert set(s.grade_rule.questions) == {q.key for q in scales}
    family = d.section("family_feedback")
    assert {q.key for q in family.questions if q.type == "own_words"} == {
        "child_words",
        "parent_words",
    }
    assert d.overall_grade and d.overall_grade_rule is not None


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("assessment_timely", "involvement_start"),
        ("oversight_recorded", "allocated_worker"),
        ("visits_timely", "last_statutory_visit"),
    ],
)
def test_universal_audit_shows_case_facts(library, question, fact) -> None:
    assert library["universal-case-audit"].question(question).case_fact == fact


def test_every_case_audit_describes_all_four_grades_for_each_of_its_services(library) -> None:
    case_audits = [d for d in library.values() if d.kind == "case_audit"]
    assert len(case_audits) >= 6
    for d in case_audits:
        services = SERVICES if d.services == "all" else d.services
        assert d.overall_grade, d.key
        graded = [s for s in d.sections if s.graded]
        assert graded, d.key
        for s in graded:
            for service in services:
                for grade in d.grades():
                    assert s.descriptor(grade.value, service), (d.key, s.key, service, grade)


def test_iro_post_review_qa_asks_the_three_questions_and_grades_overall(library) -> None:
    d = library["iro-post-review-qa"]
    keys = {q.key for q in d.questions()}
    assert {"iro_plan_needs_risks", "iro_actions_timeframe", "iro_plan_smart"} <= keys
    assert d.overall_grade and d.grades()[0].value == "outstanding"


def test_unit_meeting_audit_uses_the_gold_silver_bronze_scale(library) -> None:
    d = library["unit-meeting-audit"]
    assert d.grade_scale == "unit_meeting"
    assert [g.value for g in d.grades()] == ["gold", "silver", "bronze", "not_met"]


def test_appreciative_inquiry_asks_the_three_questions(library) -> None:
    labels = [q.label for q in library["appreciative-inquiry"].questions()]
    assert "What went well?" in labels
    assert "What made it work?" in labels
    assert "What could be better next time?" in labels


def test_the_documented_example_is_valid() -> None:
    doc = Path(__file__).resolve().parents[3] / "docs" / "tool-format.md"
    if not doc.exists():
        pytest.skip("docs/tool-format.md is not present")
    text = doc.read_text(encoding="utf-8")
    example = text.split("## A complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    definition = parse_definition(example)
    assert definition.key == "home-visit-audit"
    assert definition.question("not_seen_alone_reason").show_if is not None
