"""The shipped library: every tool is valid (whoever added it), the tools this project requires
are there, the case audits are complete, and an invalid shipped file is a loud error naming
the file."""

from pathlib import Path

import jsonschema
import pytest
from django.core.management import CommandError, call_command

from qaf.tools.definition import (
    SERVICES,
    DefinitionInvalid,
    ToolDefinition,
    library_index,
    load_library,
    load_schema,
    parse_definition,
)
from qaf.tools.definition import library as library_module
from qaf.tools.definition.yaml_io import read_yaml
from qaf.tools.models import ToolVersion
from qaf.tools.services import tool_library_load

# The tools the project requires (issue 3). Other apps may ship more (e.g. feedback surveys):
# every file present is checked below, whoever wrote it.
REQUIRED_KEYS = {
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


def test_the_library_holds_every_required_tool() -> None:
    keys = {key for key, _ in INDEX}
    assert keys >= REQUIRED_KEYS, f"missing: {sorted(REQUIRED_KEYS - keys)}"
    assert len(INDEX) == len(list(library_module.LIBRARY_DIR.glob("*.yaml")))
    assert all(path.name.startswith(f"{key}.v") for key, path in INDEX)


@pytest.mark.parametrize(("key", "path"), INDEX, ids=[key for key, _ in INDEX])
def test_each_shipped_tool_passes_the_schema_and_the_semantic_checks(key, path) -> None:
    text = path.read_text(encoding="utf-8")
    # The file on its own satisfies the JSON Schema, read as QAF reads YAML (`yes` and `no` are
    # text, as in YAML 1.2; see docs/tool-format.md) ...
    data, _ = read_yaml(text)
    errors = sorted(
        jsonschema.Draft202012Validator(load_schema()).iter_errors(data), key=lambda e: e.path
    )
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    # ... and the full parser, with its semantic checks, accepts it.
    definition = parse_definition(text)
    assert definition.key == key
    assert path.name == f"{key}.v{definition.version}.yaml"
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
    assert d.grade_scale is not None and d.grade_scale.key == "unit_meeting"
    assert [(g.value, g.label) for g in d.grades()] == [
        ("gold", "Gold"),
        ("silver", "Silver"),
        ("bronze", "Bronze"),
        ("not_met", "Not met"),
    ]
    assert d.grade_scale.good_or_better == frozenset()  # the council marks none: not counted


def test_the_ofsted_tools_declare_the_four_point_scale_with_good_or_better_marked(library) -> None:
    """The meaning the grades had in code before they became data (qaf.audits.agreement's
    GRADE_ORDER and kpis' GOOD_OR_BETTER), now in every shipped tool that grades on it."""
    ofsted = [d for d in library.values() if d.grade_scale and d.grade_scale.key == "ofsted"]
    assert len(ofsted) == 17
    for d in ofsted:
        assert [(g.value, g.label, g.good_or_better) for g in d.grades()] == [
            ("outstanding", "Outstanding", True),
            ("good", "Good", True),
            ("requires_improvement", "Requires improvement", False),
            ("inadequate", "Inadequate", False),
        ], d.key


def test_only_tools_that_grade_nothing_leave_the_scale_out(library) -> None:
    for d in library.values():
        assert (d.grade_scale is not None) or not d.uses_grades(), d.key


def test_appreciative_inquiry_asks_the_three_questions(library) -> None:
    labels = [q.label for q in library["appreciative-inquiry"].questions()]
    assert "What went well?" in labels
    assert "What made it work?" in labels
    assert "What could be better next time?" in labels


def test_the_documented_example_is_valid() -> None:
    doc = Path(__file__).resolve().parents[3] / "docs" / "tool-format.md"
    text = doc.read_text(encoding="utf-8")
    example = text.split("## A complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    definition = parse_definition(example)
    assert definition.key == "home-visit-audit"
    assert definition.question("not_seen_alone_reason").show_if is not None


# An invalid shipped file is never skipped in silence --------------------------------------


@pytest.fixture
def library_dir(tmp_path, monkeypatch):
    """A copy of two shipped files in a directory the loader reads instead."""
    for name in ("iro-post-review-qa.v1.yaml", "pep-quality-check.v1.yaml"):
        source = library_module.LIBRARY_DIR / name
        (tmp_path / name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(library_module, "LIBRARY_DIR", tmp_path)
    return tmp_path


def _break(library_dir: Path) -> None:
    path = library_dir / "pep-quality-check.v1.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("type: yes_no_na", "type: maybe", 1), encoding="utf-8")


def test_an_invalid_shipped_file_is_refused_naming_the_file(library_dir) -> None:
    _break(library_dir)
    with pytest.raises(DefinitionInvalid, match=r"pep-quality-check\.v1\.yaml") as caught:
        load_library()
    assert caught.value.problems
    assert all(p.path.startswith("pep-quality-check.v1.yaml") for p in caught.value.problems)
    assert "maybe" in str(caught.value)


def test_a_badly_named_shipped_file_is_refused_naming_it(library_dir) -> None:
    (library_dir / "stray.yaml").write_text("key: stray\n", encoding="utf-8")
    with pytest.raises(DefinitionInvalid, match=r"stray\.yaml.*<key>\.v<version>\.yaml"):
        library_index()


def test_a_file_whose_key_differs_from_its_name_is_refused(library_dir) -> None:
    (library_dir / "pep-quality-check.v1.yaml").rename(library_dir / "pep-check.v1.yaml")
    with pytest.raises(DefinitionInvalid, match=r"pep-check\.v1\.yaml.*pep-quality-check"):
        load_library()


@pytest.mark.django_db
def test_loading_the_library_with_an_invalid_file_loads_nothing_and_says_which(
    library_dir,
) -> None:
    _break(library_dir)
    with pytest.raises(DefinitionInvalid, match="pep-quality-check"):
        tool_library_load(by=None)
    assert not ToolVersion.objects.exists()  # the valid file was not loaded either
    with pytest.raises(CommandError, match=r"pep-quality-check\.v1\.yaml.*maybe"):
        call_command("load_tool_library")
    assert not ToolVersion.objects.exists()


@pytest.mark.django_db
def test_loading_the_valid_library_copy_loads_each_file_once(library_dir) -> None:
    created = tool_library_load(by=None)
    assert sorted(v.tool.key for v in created) == ["iro-post-review-qa", "pep-quality-check"]
    assert tool_library_load(by=None) == []


def test_a_shipped_file_changed_after_loading_is_checked_again(library_dir) -> None:
    assert len(load_library()) == 2
    _break(library_dir)
    with pytest.raises(DefinitionInvalid, match="pep-quality-check"):
        load_library()
