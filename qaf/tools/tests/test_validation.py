"""Bad definitions are refused with a plain message naming the place and the line."""

import textwrap

import pytest

from qaf.common.errors import DomainError
from qaf.tools.definition import (
    MAX_FILE_BYTES,
    DefinitionInvalid,
    Problem,
    ToolDefinition,
    parse_definition,
    yaml_io,
)

# Line numbers in the comments are the ones the tests rely on.
BASE = textwrap.dedent(
    """\
    key: demo-audit
    title: Demo audit
    version: 1
    kind: case_audit
    services: [early-help, childrens-social-work]
    description: A small tool for tests.
    overall_grade: true
    overall_grade_rule: {method: worst_section}
    sections:
      - key: assessment
        title: Assessment
        graded: true
        grade_rule:
          method: mean_of_scales
          questions: [timely, quality]
          bands:
            - {min: 3.5, grade: outstanding}
            - {min: 2.5, grade: good}
            - {min: 1.5, grade: requires_improvement}
            - {min: 1, grade: inadequate}
        grade_descriptors:
          default:
            outstanding: Exemplary.
            good: Sound.
            requires_improvement: Gaps.
            inadequate: Failing.
        questions:
          - key: timely
            label: The assessment was on time
            type: scale
            case_fact: involvement_start
            points:
              - {value: 1, label: Not evident}
              - {value: 2, label: Partly}
              - {value: 3, label: Mostly}
              - {value: 4, label: Fully}
          - key: quality
            label: The assessment is analytical
            type: scale
            points: [{value: 1, label: Poor}, {value: 2, label: Fair}, {value: 3, label: Good}, {value: 4, label: Great}]
          - key: seen
            label: Was the child seen?
            type: yes_no_na
          - key: why_not
            label: Why was the child not seen?
            type: long_text
            show_if: {question: seen, equals: no}
      - key: feedback
        title: Feedback
        questions:
          - key: family
            label: Who did you speak to?
            type: multiple_choice
            options:
              - {value: child, label: The child}
              - {value: parent, label: A parent}
          - key: child_words
            label: What the child said
            type: own_words
            show_if: {question: family, in: [child]}
          - key: note
            label: Note
            type: short_text
            required: false
    grade_scale:
      key: ofsted
      grades:
        - {value: outstanding, label: Outstanding, good_or_better: true}
        - {value: good, label: Good, good_or_better: true}
        - {value: requires_improvement, label: Requires improvement}
        - {value: inadequate, label: Inadequate}
    """
)
# line 28: - key: timely        line 37: - key: quality       line 41: - key: seen
# line 44: - key: why_not       line 48: - key: feedback      line 51: - key: family
# line 57: - key: child_words   line 61: - key: note


@pytest.fixture(autouse=True, params=["libyaml", "pure-python"])
def yaml_reader(request, monkeypatch) -> str:
    """Run every test with both YAML readers: libyaml's parser and PyYAML's pure-Python one."""
    if request.param == "pure-python":
        monkeypatch.setattr(yaml_io, "_FastLoader", None)
    elif yaml_io._FastLoader is None:
        pytest.skip("PyYAML was built without libyaml")
    return request.param


def problems(text: str | bytes, previous: ToolDefinition | None = None) -> list[Problem]:
    with pytest.raises(DefinitionInvalid, match="The tool definition has problems") as caught:
        parse_definition(text, previous=previous)
    return caught.value.problems


def only(text: str | bytes, previous: ToolDefinition | None = None) -> Problem:
    found = problems(text, previous)
    assert len(found) == 1, found
    return found[0]


def edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def line_of(fragment: str, text: str = BASE) -> int:
    return text[: text.index(fragment)].count("\n") + 1


# ------------------------------------------------------------------------------------------------


def test_the_base_definition_is_valid() -> None:
    d = parse_definition(BASE)
    assert d.key == "demo-audit"
    assert d.question("why_not").show_if is not None
    assert d.question("note").max_length == 200
    assert d.question("child_words").max_length == 10000
    assert parse_definition(BASE.encode()) == d


def test_yes_and_no_stay_text() -> None:
    # PyYAML's YAML 1.1 reading would turn `no` into False; the tool format keeps it as text.
    d = parse_definition(BASE)
    assert d.question("why_not").show_if.values == ("no",)


def test_problem_reads_as_plain_english_and_is_a_domain_error() -> None:
    place = r"line 43, sections\[0\]\.questions\[2\]\.type: unknown question type 'essay'"
    with pytest.raises(DomainError, match=place) as caught:
        parse_definition(edit("type: yes_no_na", "type: essay"))
    assert caught.value.http_status == 422  # Invalid: the file breaks a rule


def test_invalid_yaml_gives_the_line() -> None:
    p = only(edit("title: Demo audit", "title: [Demo audit"))
    assert p.line in (2, 3)
    assert "not valid YAML" in p.message


def test_wrong_indentation_gives_the_line() -> None:
    p = only(edit("        type: yes_no_na", "          type: yes_no_na"))
    assert p.line == 43
    assert "not valid YAML" in p.message


def test_unknown_question_type() -> None:
    p = only(edit("type: yes_no_na", "type: essay"))
    assert p.path == "sections[0].questions[2].type"
    assert p.line == 43
    assert "unknown question type 'essay'" in p.message
    assert "scale" in p.message and "own_words" in p.message


def test_duplicate_question_keys_across_sections() -> None:
    p = only(edit("- key: note", "- key: timely"))
    assert p.path == "sections[1].questions[2].key"
    assert p.line == 61
    assert "'timely' is already used by sections[0].questions[0]" in p.message


def test_duplicate_section_keys() -> None:
    p = only(edit("- key: feedback", "- key: assessment"))
    assert p.path == "sections[1].key"
    assert p.line == 48
    assert "section key 'assessment' is already used" in p.message


def test_show_if_missing_question() -> None:
    p = only(
        edit("show_if: {question: seen, equals: no}", "show_if: {question: ghost, equals: no}")
    )
    assert p.path == "sections[0].questions[3].show_if.question"
    assert p.line == 47
    assert "'ghost', which does not exist" in p.message


def test_show_if_later_question() -> None:
    text = edit(
        "show_if: {question: seen, equals: no}", "show_if: {question: family, equals: child}"
    )
    p = only(text)
    assert p.path == "sections[0].questions[3].show_if.question"
    assert "comes later in the form" in p.message


def test_show_if_cycle_is_named() -> None:
    text = edit(
        "        type: yes_no_na\n",
        "        type: yes_no_na\n        show_if: {question: why_not_choice, equals: a}\n",
    )
    text = edit(
        "        label: Why was the child not seen?\n        type: long_text\n"
        "        show_if: {question: seen, equals: no}\n",
        "        label: Why?\n        type: single_choice\n"
        "        options: [{value: a, label: A}, {value: b, label: B}]\n"
        "        show_if: {question: seen, equals: no}\n",
        text,
    )
    text = edit("- key: why_not", "- key: why_not_choice", text)
    p = only(text)
    assert "cycle (seen -> why_not_choice -> seen)" in p.message
    assert p.path == "sections[0].questions[2].show_if.question"


def test_show_if_on_itself_is_a_cycle() -> None:
    p = only(
        edit(
            "show_if: {question: family, in: [child]}", "show_if: {question: child_words, in: [x]}"
        )
    )
    assert "cycle (child_words -> child_words)" in p.message


def test_show_if_on_a_text_question() -> None:
    text = edit(
        "required: false", "required: false\n        show_if: {question: child_words, equals: x}"
    )
    p = only(text)
    assert p.path == "sections[1].questions[2].show_if.question"
    assert "own_words question" in p.message


def test_show_if_value_the_question_does_not_have() -> None:
    p = only(
        edit(
            "show_if: {question: family, in: [child]}",
            "show_if: {question: family, in: [child, dog]}",
        )
    )
    assert p.path == "sections[1].questions[1].show_if.in[1]"
    assert "'dog' is not an answer of question 'family'" in p.message


def test_show_if_needs_exactly_one_test() -> None:
    p = only(edit("show_if: {question: family, in: [child]}", "show_if: {question: family}"))
    assert p.path == "sections[1].questions[1].show_if"
    assert "exactly one of 'equals' or 'in'" in p.message


def test_scale_without_points() -> None:
    text = edit(
        "        points: [{value: 1, label: Poor}, {value: 2, label: Fair}, {value: 3, label: Good}, {value: 4, label: Great}]\n",
        "",
    )
    p = only(text)
    assert p.path == "sections[0].questions[1].points"
    assert p.line == 37
    assert "'points' is missing; a scale question needs points" in p.message


def test_scale_with_one_point() -> None:
    text = edit(
        "points: [{value: 1, label: Poor}, {value: 2, label: Fair}, {value: 3, label: Good}, {value: 4, label: Great}]",
        "points: [{value: 1, label: Poor}]",
    )
    p = only(text)
    assert p.path == "sections[0].questions[1].points"
    assert p.line == 40
    assert "a scale needs at least 2 points" in p.message


def test_scale_with_repeated_values() -> None:
    p = only(edit("{value: 2, label: Fair}", "{value: 1, label: Fair}"))
    assert p.path == "sections[0].questions[1].points[1].value"
    assert "the value 1 is used twice" in p.message


def test_points_on_a_text_question() -> None:
    text = edit(
        "        type: long_text\n",
        "        type: long_text\n        points: [{value: 1, label: A}, {value: 2, label: B}]\n",
    )
    p = only(text)
    assert p.path == "sections[0].questions[3].points"
    assert "only scale questions have points" in p.message


def test_grade_rule_referring_to_a_text_question() -> None:
    p = only(edit("questions: [timely, quality]", "questions: [timely, why_not]"))
    assert p.path == "sections[0].grade_rule.questions[1]"
    assert p.line == 15
    assert "'why_not', a long_text question; a grade rule can only use scale questions" in p.message


def test_grade_rule_referring_to_a_missing_question() -> None:
    p = only(edit("questions: [timely, quality]", "questions: [timely, ghost]"))
    assert p.path == "sections[0].grade_rule.questions[1]"
    assert "'ghost', which does not exist" in p.message


def test_grade_rule_bands_must_descend_and_cover_the_scale() -> None:
    found = problems(edit("{min: 1, grade: inadequate}", "{min: 2, grade: inadequate}"))
    assert {p.path for p in found} == {"sections[0].grade_rule.bands[3].min"}
    messages = " ".join(p.message for p in found)
    assert "highest min to the lowest" in messages
    assert "the mean can be as low as 1" in messages


def test_grade_rule_band_with_a_grade_not_on_the_scale() -> None:
    p = only(edit("{min: 2.5, grade: good}", "{min: 2.5, grade: gold}"))
    assert p.path == "sections[0].grade_rule.bands[1].grade"
    assert "'gold' is not a grade of the ofsted scale" in p.message


def test_section_grade_rule_must_use_scales() -> None:
    found = problems(edit("method: mean_of_scales", "method: worst_section"))
    assert any(
        p.path == "sections[0].grade_rule.method" and "mean_of_scales" in p.message for p in found
    )


def test_grade_descriptors_must_describe_every_grade() -> None:
    p = only(edit("        inadequate: Failing.\n", ""))
    assert p.path == "sections[0].grade_descriptors.default"
    assert "missing: inadequate" in p.message


def test_grade_descriptors_for_a_service_the_tool_does_not_cover() -> None:
    p = only(edit("      default:", "      youth-justice:"))
    assert p.path == "sections[0].grade_descriptors.youth-justice"
    assert "the tool's services do not include it" in p.message


def test_unknown_service_key_in_descriptors() -> None:
    p = only(edit("      default:", "      everyone:"))
    assert p.path == "sections[0].grade_descriptors.everyone"
    assert p.line == 22


def test_overall_rule_without_overall_grade() -> None:
    p = only(edit("overall_grade: true", "overall_grade: false"))
    assert p.path == "overall_grade_rule"
    assert p.line == 8


def test_unknown_key_is_named_with_its_line() -> None:
    p = only(edit("        case_fact: involvement_start", "        colour: red"))
    assert p.path == "sections[0].questions[0].colour"
    assert p.line == 31
    assert "'colour' is not a recognised key" in p.message


def test_missing_required_key_points_at_its_parent() -> None:
    p = only(edit("        label: The assessment is analytical\n", ""))
    assert p.path == "sections[0].questions[1].label"
    assert p.line == 37
    assert "'label' is missing" in p.message


def test_several_problems_are_all_reported_in_line_order() -> None:
    text = edit("version: 1", "version: 0")
    text = edit("kind: case_audit", "kind: inspection", text)
    text = edit(
        "services: [early-help, childrens-social-work]", "services: [early-help, elsewhere]", text
    )
    found = problems(text)
    assert [(p.line, p.path) for p in found] == [
        (3, "version"),
        (4, "kind"),
        (5, "services[1]"),
    ]
    assert "'elsewhere' is not a service key" in found[2].message


def test_the_same_key_twice_in_a_mapping() -> None:
    p = only(edit("title: Demo audit", "title: Demo audit\ntitle: Again"))
    assert p.path == "title"
    assert p.line == 3
    assert "given twice" in p.message


def test_text_where_a_number_is_expected() -> None:
    p = only(edit("version: 1", "version: one"))
    assert p.path == "version"
    assert "expected a whole number, found the text 'one'" in p.message


def test_number_where_text_is_expected() -> None:
    p = only(edit("{value: child, label: The child}", "{value: 1, label: The child}"))
    assert p.path == "sections[1].questions[0].options[0].value"
    assert "put it in quotes" in p.message


def test_not_a_number() -> None:
    p = only(edit("{min: 1, grade: inadequate}", "{min: .nan, grade: inadequate}"))
    assert p.path == "sections[0].grade_rule.bands[3].min"
    assert "finite" in p.message


def test_empty_file_and_non_mapping() -> None:
    assert "empty" in only("").message
    assert "must be a mapping" in only("- a\n- b\n").message


def test_more_than_one_document() -> None:
    p = only(BASE + "---\nkey: other\n")
    assert "single document" in p.message


def no_reader(*args: object, **kwargs: object) -> None:
    raise AssertionError("the YAML reader was started on a file that should have been refused")


def test_file_over_one_megabyte_is_refused_before_parsing(monkeypatch) -> None:
    big = b"key: x\n" + b"# padding\n" * (5 * 1024 * 1024 // 10)
    assert len(big) > 5 * 1024 * 1024 - 20
    # Refused by its size alone: neither YAML reader is ever started on it.
    monkeypatch.setattr(yaml_io, "_Loader", no_reader)
    monkeypatch.setattr(yaml_io, "_FastLoader", no_reader)
    p = only(big)
    assert p.line is None
    assert "1 MB" in p.message and "5.0 MB" in p.message
    assert only(big.decode()).message == p.message


def test_a_file_just_under_the_limit_is_read() -> None:
    padded = BASE + "#" * (MAX_FILE_BYTES - len(BASE.encode()) - 1) + "\n"
    assert len(padded.encode()) == MAX_FILE_BYTES
    assert parse_definition(padded).key == "demo-audit"


BILLION_LAUGHS = textwrap.dedent(
    """\
    key: demo-audit
    a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
    f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
    g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
    h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
    i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
    """
)


def test_billion_laughs_is_refused_at_the_first_anchor(monkeypatch) -> None:
    composed: list[object] = []
    compose = yaml_io._StrictComposer.compose_node

    def counting(self, parent, index):  # type: ignore[no-untyped-def]
        composed.append(index)
        return compose(self, parent, index)

    monkeypatch.setattr(yaml_io._StrictComposer, "compose_node", counting)
    p = only(BILLION_LAUGHS)
    # Refused on reaching the first anchor: the root mapping, `key: demo-audit`, the key `a`
    # and the anchored list itself.
    # Nothing was expanded (a reader that expanded the aliases would build ~10^9 nodes).
    assert len(composed) <= 5, composed
    assert p.line == 2
    assert "anchors (&a) are not allowed" in p.message


def test_aliases_are_refused() -> None:
    p = only(edit("title: Demo audit", "title: *name"))
    assert p.line == 2
    assert "aliases (*name) are not allowed" in p.message


@pytest.mark.parametrize(
    "tagged",
    [
        "!!python/object/apply:os.system [echo hi]",
        "!!python/name:os.system",
        "!custom Demo",
        "!!binary aGVsbG8=",
        "!!timestamp 2024-01-01",
        "!!set {a: null}",
    ],
)
def test_non_standard_tags_are_refused(tagged: str) -> None:
    p = only(edit("title: Demo audit", f"title: {tagged}"))
    assert p.line == 2
    assert "is not allowed" in p.message and "tag" in p.message


def test_standard_tags_are_accepted() -> None:
    assert parse_definition(edit("title: Demo audit", "title: !!str 2024")).title == "2024"


def test_deep_nesting_is_refused() -> None:
    p = only(edit("title: Demo audit", "title: " + "[" * 500 + "]" * 500))
    assert p.line == 2
    assert "nested" in p.message


def test_bytes_that_are_not_utf8() -> None:
    p = only(edit("title: Demo audit", "title: Caf\udce9", BASE).encode("utf-8", "surrogateescape"))
    assert p.line == 2
    assert "UTF-8" in p.message


def test_control_characters_are_refused_with_the_line() -> None:
    p = only(edit("title: Demo audit", "title: Demo\x07audit"))
    assert p.line == 2
    assert "character YAML does not allow" in p.message


def test_dates_stay_text() -> None:
    d = parse_definition(edit("title: Demo audit", "title: 2024-01-31"))
    assert d.title == "2024-01-31"


# Changes between versions ---------------------------------------------------------------------

PREVIOUS = parse_definition(BASE)


def v2(text: str = BASE) -> str:
    return edit("version: 1", "version: 2", text)


def test_a_compatible_new_version_is_accepted() -> None:
    text = v2(edit("{value: 4, label: Fully}", "{value: 4, label: Fully evident}"))  # reworded
    text = edit("          - {value: parent, label: A parent}\n", "", text)  # removed value
    text = edit(
        "{value: child, label: The child}",
        "{value: child, label: The child}\n          - {value: carer, label: A carer}",
        text,
    )  # new value
    d = parse_definition(text, previous=PREVIOUS)
    assert d.version == 2


def test_question_type_change_is_refused() -> None:
    text = v2(
        edit(
            "        type: scale\n        points: [{value: 1, label: Poor}, {value: 2, "
            "label: Fair}, {value: 3, label: Good}, {value: 4, label: Great}]\n",
            "        type: long_text\n",
        )
    )
    text = edit("questions: [timely, quality]", "questions: [timely]", text)
    p = only(text, previous=PREVIOUS)
    assert p.path == "sections[0].questions[1].type"
    assert p.line == 39
    assert p.message == (
        "question 'quality' was a scale in version 1 and is a long_text here; "
        "give a changed question a new key"
    )


def test_a_value_reused_with_another_meaning_is_refused() -> None:
    # Labels moved between values: 3 used to mean "Good" and now means "Great".
    text = v2(
        edit(
            "{value: 3, label: Good}, {value: 4, label: Great}",
            "{value: 3, label: Great}, {value: 4, label: Excellent}",
        )
    )
    found = problems(text, previous=PREVIOUS)
    assert [p.path for p in found] == [
        "sections[0].questions[1].points[2].label",
        "sections[0].questions[1].points[3].label",
    ]
    p = found[0]
    assert "the value 3 of question 'quality' meant 'Good' in version 1 and means 'Great'" in (
        p.message
    )


def test_swapped_option_labels_are_refused() -> None:
    text = v2(edit("{value: child, label: The child}", "{value: child, label: A parent}"))
    text = edit("{value: parent, label: A parent}", "{value: parent, label: The child}", text)
    found = problems(text, previous=PREVIOUS)
    assert [p.path for p in found] == [
        "sections[1].questions[0].options[0].label",
        "sections[1].questions[0].options[1].label",
    ]


def test_a_different_tool_key_is_refused() -> None:
    p = only(v2(edit("key: demo-audit", "key: other-audit")), previous=PREVIOUS)
    assert p.path == "key" and p.line == 1
    assert "previous version is of tool 'demo-audit'" in p.message


@pytest.mark.parametrize("version", [1, 0])
def test_a_version_not_greater_than_the_previous_is_refused(version: int) -> None:
    text = edit("version: 1", f"version: {version}") if version != 1 else BASE
    found = problems(text, previous=PREVIOUS)
    assert found[0].path == "version" and found[0].line == 3


# ---- Grade scales as data --------------------------------------------------------------------

SCALED = textwrap.dedent(
    """\
    key: scaled-audit
    title: Scaled audit
    version: 1
    kind: case_audit
    services: all
    description: One graded section.
    overall_grade: true
    overall_grade_rule: {method: worst_section}
    sections:
      - key: only
        title: Only
        graded: true
        questions:
          - {key: q, label: Q, type: long_text}
    grade_scale:
      key: ofsted
      grades:
        - {value: outstanding, label: Outstanding, good_or_better: true}
        - {value: good, label: Good, good_or_better: true}
        - {value: requires_improvement, label: Requires improvement}
        - {value: inadequate, label: Inadequate}
    """
)
NEW_FRAMEWORK = textwrap.dedent(
    """\
    grade_scale:
      key: report_card
      grades:
        - {value: exceptional, label: Exceptional, good_or_better: true}
        - {value: strong, label: Strong standard, good_or_better: true}
        - {value: expected, label: Expected standard, good_or_better: true}
        - {value: needs_attention, label: Needs attention}
        - {value: urgent_improvement, label: Urgent improvement}
    """
)


def scale_of(text: str, scale: str) -> str:
    return text[: text.index("grade_scale:")] + scale


def test_the_scale_is_read_as_data_best_first() -> None:
    d = parse_definition(SCALED)
    assert d.grade_scale is not None
    assert d.grade_scale.key == "ofsted"
    assert d.grade_scale.values == ("outstanding", "good", "requires_improvement", "inadequate")
    assert d.grade_scale.good_or_better == {"outstanding", "good"}
    assert d.grade_scale.label("requires_improvement") == "Requires improvement"
    assert d.grade_scale.rank("inadequate") == 3


def test_a_new_version_may_bring_a_new_scale() -> None:
    """A new inspection framework is a new tool version, not a code change."""
    previous = parse_definition(SCALED)
    new = parse_definition(
        scale_of(edit("version: 1", "version: 2", SCALED), NEW_FRAMEWORK), previous=previous
    )
    assert new.grade_scale is not None and new.grade_scale.key == "report_card"
    assert [g.label for g in new.grades()][:2] == ["Exceptional", "Strong standard"]
    assert new.grade_scale.good_or_better == {"exceptional", "strong", "expected"}


def test_a_grade_kept_by_a_new_version_cannot_change_its_meaning() -> None:
    text = edit("version: 1", "version: 2", SCALED)
    text = edit(
        "{value: outstanding, label: Outstanding,", "{value: outstanding, label: Good,", text
    )
    text = edit("{value: good, label: Good,", "{value: good, label: Outstanding,", text)
    found = problems(text, previous=parse_definition(SCALED))
    assert [p.path for p in found] == ["grade_scale.grades[0].label", "grade_scale.grades[1].label"]
    assert "the grade 'outstanding' meant 'Outstanding' in version 1" in found[0].message


def test_a_tool_that_grades_must_declare_its_scale() -> None:
    p = only(SCALED[: SCALED.index("grade_scale:")])
    assert p.path == "grade_scale" and p.line == 1
    assert "has no grade_scale" in p.message


def test_a_scale_named_but_not_written_out_is_refused_with_a_way_forward() -> None:
    p = only(scale_of(SCALED, "grade_scale: ofsted\n"))
    assert p.path == "grade_scale" and p.line == line_of("grade_scale:", SCALED)
    assert "lists the tool's grades, best first" in p.message


def test_each_grade_once_and_good_or_better_from_the_top() -> None:
    text = edit(
        "{value: requires_improvement, label: Requires improvement}",
        "{value: good, label: Requires improvement, good_or_better: true}",
        SCALED,
    )
    text = edit(
        "{value: good, label: Good, good_or_better: true}", "{value: good, label: Good}", text
    )
    found = problems(text)
    assert [(p.path, p.line) for p in found] == [
        ("grade_scale.grades[1].good_or_better", line_of("{value: good, label: Good}", text)),
        ("grade_scale.grades[2].value", line_of("{value: good, label: Requires", text)),
    ]
    assert "'good', a better grade, must count too" in found[0].message
    assert "listed twice" in found[1].message


def test_a_scale_needs_two_grades() -> None:
    one = "grade_scale:\n  key: single\n  grades:\n    - {value: met, label: Met}\n"
    p = only(scale_of(SCALED, one).replace("overall_grade_rule: {method: worst_section}\n", ""))
    assert p.path == "grade_scale.grades"
    assert "at least 2" in p.message
