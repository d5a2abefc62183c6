"""suggest_grade: the declarative rules that suggest a section or overall grade."""

import textwrap

import pytest

from qaf.tools.definition import (
    load_library,
    parse_definition,
    suggest_grade,
    visible_questions,
)

TOOL = textwrap.dedent(
    """\
    key: grading-demo
    title: Grading demo
    version: 1
    kind: case_audit
    services: all
    description: Two graded sections on a 1-10 scale and one ungraded section.
    overall_grade: true
    overall_grade_rule: {method: worst_section}
    sections:
      - key: first
        title: First
        graded: true
        grade_rule:
          method: mean_of_scales
          questions: [a, b, c]
          bands:
            - {min: 8.5, grade: outstanding}
            - {min: 6.5, grade: good}
            - {min: 4, grade: requires_improvement}
            - {min: 1, grade: inadequate}
        questions:
          - {key: gate, label: "Is c relevant?", type: yes_no_na}
          - key: a
            label: A
            type: scale
            points: [{value: 1, label: Low}, {value: 5, label: Middle}, {value: 10, label: High}]
          - key: b
            label: B
            type: scale
            required: false
            points: [{value: 1, label: Low}, {value: 5, label: Middle}, {value: 10, label: High}]
          - key: c
            label: C
            type: scale
            show_if: {question: gate, equals: yes}
            points: [{value: 1, label: Low}, {value: 7, label: Fair}, {value: 10, label: High}]
      - key: second
        title: Second
        graded: true
        grade_rule:
          method: mean_of_scales
          questions: [d]
          bands:
            - {min: 3.5, grade: outstanding}
            - {min: 2.5, grade: good}
            - {min: 1.5, grade: requires_improvement}
            - {min: 1, grade: inadequate}
        questions:
          - key: d
            label: D
            type: scale
            points: [{value: 1, label: One}, {value: 2, label: Two}, {value: 3, label: Three}, {value: 4, label: Four}]
      - key: notes
        title: Notes
        questions:
          - {key: e, label: E, type: long_text}
      - key: third
        title: Third
        graded: true
        questions:
          - {key: f, label: F, type: grade}
    grade_scale:
      key: ofsted
      grades:
        - {value: outstanding, label: Outstanding, good_or_better: true}
        - {value: good, label: Good, good_or_better: true}
        - {value: requires_improvement, label: Requires improvement}
        - {value: inadequate, label: Inadequate}
    """
)
D = parse_definition(TOOL)


def with_overall(method: str, bands: bool = False) -> str:
    rule = f"{{method: {method}}}"
    if bands:
        rule = (
            f"{{method: {method}, bands: [{{min: 3.5, grade: outstanding}}, "
            "{min: 2.5, grade: good}, {min: 1.5, grade: requires_improvement}, "
            "{min: 1, grade: inadequate}]}"
        )
    return TOOL.replace("{method: worst_section}", rule)


@pytest.mark.parametrize(
    ("answers", "grade"),
    [
        ({"a": 10, "b": 10}, "outstanding"),
        ({"a": 10, "b": 5}, "good"),  # 7.5
        ({"a": 5, "b": 5}, "requires_improvement"),
        ({"a": 1, "b": 5}, "inadequate"),  # 3.0
        ({"a": 10, "b": 5, "gate": "yes", "c": 10}, "good"),  # 8.33
        ({"a": 10, "b": 10, "gate": "yes", "c": 7}, "outstanding"),  # 9.0
    ],
)
def test_mean_of_scales_bands(answers, grade) -> None:
    assert suggest_grade(D, "first", answers) == grade


def test_band_boundaries_are_inclusive() -> None:
    d = parse_definition(TOOL.replace("{min: 6.5, grade: good}", "{min: 7.5, grade: good}"))
    assert suggest_grade(d, "first", {"a": 10, "b": 5}) == "good"  # exactly 7.5
    assert suggest_grade(D, "second", {"d": 4}) == "outstanding"
    assert suggest_grade(D, "second", {"d": 3}) == "good"
    assert suggest_grade(D, "second", {"d": 2}) == "requires_improvement"
    assert suggest_grade(D, "second", {"d": 1}) == "inadequate"


def test_unanswered_questions_are_left_out() -> None:
    assert suggest_grade(D, "first", {"a": 10}) == "outstanding"
    assert suggest_grade(D, "first", {}) is None
    assert suggest_grade(D, "first", {"a": None, "b": 1}) == "inadequate"


def test_hidden_questions_are_left_out() -> None:
    # c is only shown when gate is yes: its answer must not count otherwise.
    assert suggest_grade(D, "first", {"a": 10, "b": 10, "gate": "no", "c": 1}) == "outstanding"
    assert suggest_grade(D, "first", {"a": 10, "b": 10, "gate": "yes", "c": 1}) == "good"


def test_answers_that_are_not_points_are_ignored() -> None:
    assert suggest_grade(D, "first", {"a": 3, "b": 10}) == "outstanding"  # 3 is not a point
    assert suggest_grade(D, "first", {"a": True, "b": 10}) == "outstanding"  # bool is not 1
    assert suggest_grade(D, "first", {"a": "10", "b": 1}) == "inadequate"  # text is not 10


def test_sections_without_a_rule_or_grade_suggest_nothing() -> None:
    assert suggest_grade(D, "notes", {"e": "text"}) is None
    assert suggest_grade(D, "third", {"f": "good"}) is None


def test_unknown_section_is_an_error() -> None:
    with pytest.raises(KeyError, match="nowhere"):
        suggest_grade(D, "nowhere", {})


def test_overall_worst_section() -> None:
    answers = {"a": 10, "b": 10, "d": 2}
    assert suggest_grade(D, None, answers) == "requires_improvement"
    assert suggest_grade(D, None, {}) is None


def test_overall_uses_the_section_grades_given() -> None:
    chosen = {"first": "good", "second": "good", "third": "inadequate"}
    assert suggest_grade(D, None, {}, section_grades=chosen) == "inadequate"
    assert suggest_grade(D, None, {}, section_grades={"first": "good"}) == "good"
    assert suggest_grade(D, None, {}, section_grades={"first": "bogus"}) is None


def test_overall_mean_of_sections() -> None:
    d = parse_definition(with_overall("mean_of_sections", bands=True))
    grades = {"first": "outstanding", "second": "good", "third": "good"}  # (4+3+3)/3
    assert suggest_grade(d, None, {}, section_grades=grades) == "good"
    grades = {"first": "outstanding", "second": "outstanding", "third": "good"}  # 3.67
    assert suggest_grade(d, None, {}, section_grades=grades) == "outstanding"


def test_overall_mode_of_sections_breaks_ties_towards_the_worse_grade() -> None:
    d = parse_definition(with_overall("mode_of_sections"))
    grades = {"first": "good", "second": "good", "third": "inadequate"}
    assert suggest_grade(d, None, {}, section_grades=grades) == "good"
    grades = {"first": "good", "second": "outstanding"}
    assert suggest_grade(d, None, {}, section_grades=grades) == "good"


def test_overall_mean_of_scales() -> None:
    text = TOOL.replace(
        "{method: worst_section}",
        "{method: mean_of_scales, questions: [d], bands: [{min: 3, grade: good}, "
        "{min: 1, grade: inadequate}]}",
    )
    d = parse_definition(text)
    assert suggest_grade(d, None, {"d": 3}) == "good"
    assert suggest_grade(d, None, {"d": 2}) == "inadequate"


def test_no_overall_grade_suggests_nothing() -> None:
    d = parse_definition(
        TOOL.replace("overall_grade: true\noverall_grade_rule: {method: worst_section}\n", "")
    )
    assert not d.overall_grade
    assert suggest_grade(d, None, {"a": 10, "b": 10, "d": 4}) is None


def test_visible_questions_follow_chains_of_conditions() -> None:
    assert "c" not in visible_questions(D, {"gate": "no"})
    assert "c" in visible_questions(D, {"gate": "yes"})


def test_universal_audit_suggests_grades_from_its_scales() -> None:
    universal = next(d for d in load_library() if d.key == "universal-case-audit")
    top = {q.key: 10 for q in universal.questions() if q.type == "scale"}
    bottom = {q.key: 1 for q in universal.questions() if q.type == "scale"}
    for section in universal.sections:
        if section.graded:
            assert suggest_grade(universal, section.key, top) == "outstanding"
            assert suggest_grade(universal, section.key, bottom) == "inadequate"
    assert suggest_grade(universal, None, top) == "outstanding"
    assert suggest_grade(universal, None, bottom) == "inadequate"
