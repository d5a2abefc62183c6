"""Property: any valid definition exported to YAML parses back to an identical definition."""

import re
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qaf.tools.definition import (
    CASE_FACTS,
    CHOICE_TYPES,
    KINDS,
    QUESTION_TYPES,
    SERVICES,
    TEXT_MAX_LENGTH,
    Band,
    Condition,
    GradeDescriptor,
    GradeOption,
    GradeRule,
    GradeScale,
    Option,
    Question,
    ScalePoint,
    Section,
    ToolDefinition,
    parse_definition,
)

# Text as a QA officer might type it, including quotes, colons, hashes, accents, emoji,
# leading/trailing spaces and line breaks.
text = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n\t"),
    min_size=1,
    max_size=30,
).filter(lambda s: re.search(r"\S", s) is not None)
maybe_text = st.none() | text
slug = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
tool_key = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5}){0,2}", fullmatch=True)
number = st.integers(-(10**6), 10**6) | st.floats(allow_nan=False, allow_infinity=False)


def _choices(tool_grades: list[str], q: Question) -> list[str | int]:
    if q.type == "scale":
        return [p.value for p in q.points]
    if q.type in ("single_choice", "multiple_choice"):
        return [o.value for o in q.options]
    if q.type == "grade":
        return list(tool_grades)
    return ["yes", "no", "na"]


@st.composite
def bands(draw, grades: list[str], lowest: float) -> tuple[Band, ...]:
    mins = draw(st.lists(number, min_size=1, max_size=4, unique=True))
    mins = sorted(mins, reverse=True)
    mins[-1] = min(mins[-1], lowest)
    return tuple(Band(min=m, grade=draw(st.sampled_from(grades))) for m in mins)


@st.composite
def questions(draw, key: str, earlier: list[Question], grades: list[str]) -> Question:
    q_type = draw(st.sampled_from(QUESTION_TYPES))
    points: tuple[ScalePoint, ...] = ()
    options: tuple[Option, ...] = ()
    min_value = max_value = None
    max_length = None
    if q_type == "scale":
        values = draw(st.lists(st.integers(-1000, 1000), min_size=2, max_size=6, unique=True))
        points = tuple(ScalePoint(v, draw(text)) for v in values)
    elif q_type in ("single_choice", "multiple_choice"):
        values = draw(st.lists(slug, min_size=2, max_size=5, unique=True))
        options = tuple(Option(v, draw(text)) for v in values)
    elif q_type == "number":
        min_value = draw(st.none() | number)
        max_value = draw(st.none() | number)
        if min_value is not None and max_value is not None and min_value > max_value:
            min_value, max_value = max_value, min_value
    elif q_type in TEXT_MAX_LENGTH:
        max_length = draw(st.just(TEXT_MAX_LENGTH[q_type]) | st.integers(1, 100000))
    show_if = None
    targets = [e for e in earlier if e.type in CHOICE_TYPES]
    if targets and draw(st.booleans()):
        target = draw(st.sampled_from(targets))
        allowed = _choices(grades, target)
        if draw(st.booleans()):
            show_if = Condition(target.key, (draw(st.sampled_from(allowed)),))
        else:
            picked = draw(st.lists(st.sampled_from(allowed), min_size=1, max_size=3))
            show_if = Condition(target.key, tuple(picked), operator="in")
    return Question(
        key=key,
        label=draw(text),
        type=q_type,
        required=draw(st.booleans()),
        hint=draw(maybe_text),
        show_if=show_if,
        case_fact=draw(st.none() | st.sampled_from(CASE_FACTS)),
        points=points,
        options=options,
        min_value=min_value,
        max_value=max_value,
        max_length=max_length,
    )


@st.composite
def scale_rule(draw, scales: list[Question], grades: list[str]) -> GradeRule | None:
    """A mean_of_scales rule over some scales sharing one range, or None if none fit."""
    if not scales:
        return None
    first = draw(st.sampled_from(scales))

    def span(q: Question) -> tuple[int, int]:
        values = [p.value for p in q.points]
        return min(values), max(values)

    same = [q for q in scales if span(q) == span(first)]
    chosen = draw(st.lists(st.sampled_from(same), min_size=1, unique_by=lambda q: q.key))
    return GradeRule(
        method="mean_of_scales",
        questions=tuple(q.key for q in chosen),
        bands=draw(bands(grades, span(first)[0])),
    )


def _norm(label: str) -> str:
    return " ".join(label.casefold().split())


@st.composite
def grade_scales(draw) -> GradeScale:
    """Any scale a file may declare: 2 to 6 grades, each value and label once, the best k of
    them (k may be 0) good or better."""
    values = draw(st.lists(slug, min_size=2, max_size=6, unique=True))
    labels = draw(
        st.lists(text, min_size=len(values), max_size=len(values), unique_by=_norm).filter(
            lambda ls: len({_norm(x) for x in ls}) == len(ls)
        )
    )
    good = draw(st.integers(0, len(values)))
    return GradeScale(
        key=draw(slug),
        grades=tuple(
            GradeOption(v, label, i < good)
            for i, (v, label) in enumerate(zip(values, labels, strict=True))
        ),
    )


@st.composite
def definitions(draw) -> ToolDefinition:
    grade_scale = draw(grade_scales())
    grades = list(grade_scale.values)
    services = draw(
        st.just("all")
        | st.lists(st.sampled_from(SERVICES), min_size=1, max_size=4, unique=True).map(tuple)
    )
    service_keys = list(SERVICES) if services == "all" else list(services)
    all_questions: list[Question] = []
    sections = []
    for si in range(draw(st.integers(1, 4))):
        section_questions: list[Question] = []
        for _ in range(draw(st.integers(1, 5))):
            key = f"{draw(slug)}_{len(all_questions)}"
            question = draw(questions(key, all_questions, grades))
            all_questions.append(question)
            section_questions.append(question)
        graded = draw(st.booleans())
        rule = None
        descriptors: tuple[GradeDescriptor, ...] = ()
        if graded:
            scales = [q for q in section_questions if q.type == "scale"]
            rule = draw(st.none() | scale_rule(scales, grades))
            described = draw(
                st.lists(st.sampled_from(["default", *service_keys]), max_size=3, unique=True)
            )
            descriptors = tuple(
                GradeDescriptor(service, grade, draw(text))
                for service in described
                for grade in draw(st.permutations(grades))
            )
        sections.append(
            Section(
                key=f"{draw(slug)}_{si}",
                title=draw(text),
                description=draw(maybe_text),
                graded=graded,
                grade_rule=rule,
                grade_descriptors=descriptors,
                questions=tuple(section_questions),
            )
        )
    overall_grade = draw(st.booleans())
    overall_rule = None
    if overall_grade:
        choices = ["none", "mean_of_scales"]
        if any(s.graded for s in sections):
            choices += ["worst_section", "mode_of_sections", "mean_of_sections"]
        method = draw(st.sampled_from(choices))
        if method == "mean_of_scales":
            scales = [q for q in all_questions if q.type == "scale"]
            overall_rule = draw(scale_rule(scales, grades))
        elif method == "mean_of_sections":
            overall_rule = GradeRule(method="mean_of_sections", bands=draw(bands(grades, 1)))
        elif method != "none":
            overall_rule = GradeRule(method=method)
    definition = ToolDefinition(
        key=draw(tool_key),
        title=draw(text),
        version=draw(st.integers(1, 10**6)),
        kind=draw(st.sampled_from(KINDS)),
        services=services,
        description=draw(text),
        sections=tuple(sections),
        overall_grade=overall_grade,
        overall_grade_rule=overall_rule,
        grade_scale=grade_scale,
    )
    if not definition.uses_grades() and draw(st.booleans()):
        return replace(definition, grade_scale=None)  # a tool that grades nothing may omit it
    return definition


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions())
def test_export_then_parse_gives_an_identical_definition(definition: ToolDefinition) -> None:
    exported = definition.to_yaml()
    assert parse_definition(exported) == definition
    assert parse_definition(exported.encode("utf-8")) == definition


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions())
def test_export_is_stable(definition: ToolDefinition) -> None:
    once = definition.to_yaml()
    assert parse_definition(once).to_yaml() == once
