"""Building a definition from schema-checked data, and the checks the schema cannot express
(unique keys, conditions, grade rules and descriptors, changes from the previous version)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import (
    AnswerValue,
    Band,
    Condition,
    GradeDescriptor,
    GradeRule,
    GradeScale,
    Option,
    Question,
    ScalePoint,
    Section,
    ToolDefinition,
    same_value,
)
from .problems import PathTuple, Problem, format_path, line_of
from .vocabulary import CHOICE_TYPES, SECTION_METHODS, TEXT_MAX_LENGTH


def _build_rule(data: dict[str, Any]) -> GradeRule:
    return GradeRule(
        method=data["method"],
        questions=tuple(data.get("questions", ())),
        bands=tuple(Band(min=b["min"], grade=b["grade"]) for b in data.get("bands", ())),
    )


def _build_question(data: dict[str, Any]) -> Question:
    show_if = None
    if "show_if" in data:
        c = data["show_if"]
        if "in" in c:
            show_if = Condition(question=c["question"], values=tuple(c["in"]), operator="in")
        else:
            show_if = Condition(question=c["question"], values=(c["equals"],))
    q_type = data["type"]
    return Question(
        key=data["key"],
        label=data["label"],
        type=q_type,
        required=data.get("required", True),
        hint=data.get("hint"),
        show_if=show_if,
        case_fact=data.get("case_fact"),
        points=tuple(ScalePoint(p["value"], p["label"]) for p in data.get("points", ())),
        options=tuple(Option(o["value"], o["label"]) for o in data.get("options", ())),
        min_value=data.get("min"),
        max_value=data.get("max"),
        max_length=data.get("max_length", TEXT_MAX_LENGTH.get(q_type)),
    )


def build(data: dict[str, Any]) -> ToolDefinition:
    sections = []
    for s in data["sections"]:
        descriptors = tuple(
            GradeDescriptor(service, grade, text)
            for service, by_grade in s.get("grade_descriptors", {}).items()
            for grade, text in by_grade.items()
        )
        sections.append(
            Section(
                key=s["key"],
                title=s["title"],
                description=s.get("description"),
                graded=s.get("graded", False),
                grade_rule=_build_rule(s["grade_rule"]) if "grade_rule" in s else None,
                grade_descriptors=descriptors,
                questions=tuple(_build_question(q) for q in s["questions"]),
            )
        )
    services = data["services"]
    return ToolDefinition(
        key=data["key"],
        title=data["title"],
        version=data["version"],
        kind=data["kind"],
        services="all" if services == "all" else tuple(services),
        description=data["description"],
        overall_grade=data.get("overall_grade", False),
        overall_grade_rule=(
            _build_rule(data["overall_grade_rule"]) if "overall_grade_rule" in data else None
        ),
        grade_scale=GradeScale.from_dict(data["grade_scale"]) if "grade_scale" in data else None,
        sections=tuple(sections),
    )


class Checker:
    """Semantic checks the schema cannot express. Each problem names its place and line."""

    def __init__(self, d: ToolDefinition, lines: Mapping[PathTuple, int]) -> None:
        self.d = d
        self.lines = lines
        self.problems: list[Problem] = []
        self.where: dict[str, tuple[int, int]] = {}  # question key -> (section, index)
        self.order: dict[str, int] = {}  # question key -> position in form order

    def add(self, path: PathTuple, message: str) -> None:
        self.problems.append(Problem(line_of(path, self.lines), format_path(path), message))

    def qpath(self, key: str, *rest: str | int) -> PathTuple:
        si, qi = self.where[key]
        return ("sections", si, "questions", qi, *rest)

    def run(self, previous: ToolDefinition | None) -> list[Problem]:
        self.check_keys()
        self.check_questions()
        self.check_conditions()
        self.check_scale()
        self.check_grading()
        if previous is not None:
            self.check_against(previous)
        return self.problems

    def check_keys(self) -> None:
        seen_sections: dict[str, int] = {}
        for si, section in enumerate(self.d.sections):
            if section.key in seen_sections:
                self.add(
                    ("sections", si, "key"),
                    f"section key '{section.key}' is already used by sections"
                    f"[{seen_sections[section.key]}]; each section needs its own key",
                )
            else:
                seen_sections[section.key] = si
            for qi, q in enumerate(section.questions):
                if q.key in self.where:
                    first = format_path(self.qpath(q.key))
                    self.add(
                        ("sections", si, "questions", qi, "key"),
                        f"question key '{q.key}' is already used by {first}; question keys "
                        "must be unique across the whole tool",
                    )
                    continue
                self.where[q.key] = (si, qi)
                self.order[q.key] = len(self.order)

    def check_questions(self) -> None:
        for si, section in enumerate(self.d.sections):
            for qi, q in enumerate(section.questions):
                base: PathTuple = ("sections", si, "questions", qi)
                named: tuple[tuple[str, tuple[ScalePoint | Option, ...]], ...] = (
                    ("points", q.points),
                    ("options", q.options),
                )
                for name, items in named:
                    values: set[AnswerValue] = set()
                    for i, item in enumerate(items):
                        if item.value in values:
                            self.add(
                                (*base, name, i, "value"),
                                f"the value {item.value!r} is used twice in {name}; "
                                "each must be different",
                            )
                        values.add(item.value)
                if (
                    q.min_value is not None
                    and q.max_value is not None
                    and q.min_value > q.max_value
                ):
                    self.add(
                        (*base, "min"), f"min ({q.min_value}) is greater than max ({q.max_value})"
                    )

    def check_conditions(self) -> None:
        targets = {q.key: q.show_if.question for q in self.d.questions() if q.show_if is not None}
        in_cycle: set[str] = set()
        for start in targets:
            if start in in_cycle or start not in self.where:
                continue
            chain = [start]
            current = targets[start]
            while current in targets and current not in chain and len(chain) <= len(targets):
                chain.append(current)
                current = targets[current]
            if current in chain:
                cycle = chain[chain.index(current) :]
                in_cycle.update(cycle)
                first = min(cycle, key=lambda k: self.order.get(k, 0))
                loop = " -> ".join(
                    [*cycle[cycle.index(first) :], *cycle[: cycle.index(first)], first]
                )
                self.add(
                    self.qpath(first, "show_if", "question"),
                    f"the conditions form a cycle ({loop}): a question cannot depend, "
                    "directly or through others, on itself",
                )
        for si, section in enumerate(self.d.sections):
            for qi, q in enumerate(section.questions):
                c = q.show_if
                if c is None or q.key in in_cycle or self.where.get(q.key) != (si, qi):
                    continue
                base: PathTuple = ("sections", si, "questions", qi, "show_if")
                if c.question not in self.where:
                    self.add(
                        (*base, "question"),
                        f"show_if refers to question '{c.question}', which does not exist "
                        "in this tool",
                    )
                    continue
                if self.order[c.question] > self.order[q.key]:
                    self.add(
                        (*base, "question"),
                        f"show_if refers to question '{c.question}', which comes later in the "
                        "form; a condition can only depend on an earlier question",
                    )
                    continue
                target = self.d.question(c.question)
                if target.type not in CHOICE_TYPES:
                    self.add(
                        (*base, "question"),
                        f"show_if refers to '{c.question}', a {target.type} question; a "
                        "condition can only depend on a scale, grade, yes_no_na, "
                        "single_choice or multiple_choice question",
                    )
                    continue
                allowed = [value for value, _ in self.d.choices(target)]
                for i, value in enumerate(c.values):
                    if not any(same_value(value, a) for a in allowed):
                        place = (*base, "equals") if c.operator == "equals" else (*base, "in", i)
                        self.add(
                            place,
                            f"{value!r} is not an answer of question '{c.question}'; its "
                            "answers are: " + ", ".join(repr(a) for a in allowed),
                        )

    def check_scale(self) -> None:
        """A tool that grades declares its scale; each grade once; "good or better" marks the
        best grades only (it means this grade and every better one)."""
        d = self.d
        scale = d.grade_scale
        if scale is None:
            if d.uses_grades():
                self.add(
                    ("grade_scale",),
                    "the tool gives grades (a graded section, an overall grade or a grade "
                    "question) but has no grade_scale; list the grades, best first, under "
                    "grade_scale",
                )
            return
        base: PathTuple = ("grade_scale", "grades")
        seen: dict[str, int] = {}
        labels: dict[str, int] = {}
        for i, grade in enumerate(scale.grades):
            if grade.value in seen:
                self.add(
                    (*base, i, "value"),
                    f"the grade '{grade.value}' is listed twice; each grade appears once",
                )
            seen.setdefault(grade.value, i)
            if _norm(grade.label) in labels:
                self.add(
                    (*base, i, "label"),
                    f"two grades are labelled {grade.label!r}; each grade needs its own label",
                )
            labels.setdefault(_norm(grade.label), i)
        marked = [g.good_or_better for g in scale.grades]
        if any(marked):
            last = max(i for i, m in enumerate(marked) if m)
            for i in range(last):
                if not marked[i]:
                    self.add(
                        (*base, i, "good_or_better"),
                        f"'{scale.grades[last].value}' counts as good or better, so "
                        f"'{scale.grades[i].value}', a better grade, must count too (mark the "
                        "best grades, from the top of the list)",
                    )

    def check_grading(self) -> None:
        d = self.d
        grades = [g.value for g in d.grades()]
        scale_name = f"the {d.grade_scale.key} scale" if d.grade_scale else ""
        if d.overall_grade_rule is not None:
            if not d.overall_grade:
                self.add(
                    ("overall_grade_rule",),
                    "overall_grade_rule is given but overall_grade is not true",
                )
            else:
                self.check_rule(d.overall_grade_rule, ("overall_grade_rule",), None)
        for si, section in enumerate(d.sections):
            base: PathTuple = ("sections", si)
            if section.grade_rule is not None:
                if not section.graded:
                    self.add(
                        (*base, "grade_rule"), "grade_rule is given but the section is not graded"
                    )
                else:
                    self.check_rule(section.grade_rule, (*base, "grade_rule"), section)
            if section.grade_descriptors and not section.graded:
                self.add(
                    (*base, "grade_descriptors"),
                    "grade_descriptors are given but the section is not graded",
                )
                continue
            by_service: dict[str, list[str]] = {}
            for gd in section.grade_descriptors:
                by_service.setdefault(gd.service, []).append(gd.grade)
            for service, described in by_service.items():
                place = (*base, "grade_descriptors", service)
                if service != "default" and not d.applies_to(service):
                    self.add(
                        place,
                        f"descriptors are given for '{service}' but the tool's services do "
                        "not include it",
                    )
                for grade in described:
                    if grade not in grades and d.grade_scale is not None:
                        self.add(
                            (*place, grade),
                            f"'{grade}' is not a grade of {scale_name}; the grades are: "
                            + ", ".join(grades),
                        )
                missing = [g for g in grades if g not in described]
                if missing:
                    self.add(
                        place,
                        f"the descriptors for '{service}' must describe every grade; missing: "
                        + ", ".join(missing),
                    )

    def check_rule(self, rule: GradeRule, base: PathTuple, section: Section | None) -> None:
        grades = [g.value for g in self.d.grades()]
        scale = self.d.grade_scale
        scale_name = f"the {scale.key} scale" if scale else ""
        lowest: float = 1.0  # the lowest mean of section grades (worst grade counts 1)
        if rule.method in SECTION_METHODS:
            if not any(s.graded for s in self.d.sections):
                self.add(
                    (*base, "method"),
                    f"the {rule.method} method needs at least one graded section",
                )
        else:
            ranges = set()
            for i, key in enumerate(rule.questions):
                place = (*base, "questions", i)
                if key not in self.where:
                    self.add(
                        place, f"the grade rule refers to question '{key}', which does not exist"
                    )
                    continue
                q = self.d.question(key)
                if q.type != "scale":
                    self.add(
                        place,
                        f"the grade rule refers to '{key}', a {q.type} question; a grade rule "
                        "can only use scale questions",
                    )
                    continue
                if section is not None and self.d.section_of(key) is not section:
                    self.add(
                        place,
                        f"'{key}' is in another section; a section's grade rule can only use "
                        "that section's questions",
                    )
                    continue
                point_values = [p.value for p in q.points]
                ranges.add((min(point_values), max(point_values)))
            if len(ranges) > 1:
                self.add(
                    (*base, "questions"),
                    "the scales in a grade rule must run over the same range so their mean "
                    "means something; found "
                    + ", ".join(f"{lo} to {hi}" for lo, hi in sorted(ranges)),
                )
            if ranges:
                lowest = min(lo for lo, _ in ranges)
        previous_min: float | None = None
        for i, band in enumerate(rule.bands):
            if band.grade not in grades and scale is not None:
                self.add(
                    (*base, "bands", i, "grade"),
                    f"'{band.grade}' is not a grade of {scale_name}; the grades are: "
                    + ", ".join(grades),
                )
            if previous_min is not None and band.min >= previous_min:
                self.add(
                    (*base, "bands", i, "min"),
                    "bands must be listed from the highest min to the lowest, each lower than "
                    "the one before",
                )
            previous_min = band.min
        if rule.bands and rule.bands[-1].min > lowest:
            self.add(
                (*base, "bands", len(rule.bands) - 1, "min"),
                f"the lowest band starts at {rule.bands[-1].min} but the mean can be as low as "
                f"{lowest}; give the last band a min of {lowest} or lower",
            )

    def check_against(self, previous: ToolDefinition) -> None:
        d = self.d
        if d.key != previous.key:
            self.add(
                ("key",),
                f"the key is '{d.key}' but the previous version is of tool '{previous.key}'; "
                "a new version keeps its tool's key",
            )
            return
        if d.version <= previous.version:
            self.add(
                ("version",),
                f"the version must be greater than {previous.version}, the previous version",
            )
        self.check_scale_against(previous)
        old_questions = {q.key: q for q in previous.questions()}
        for q in d.questions():
            old = old_questions.get(q.key)
            if old is None or q.key not in self.where:
                continue
            if old.type != q.type:
                self.add(
                    self.qpath(q.key, "type"),
                    f"question '{q.key}' was {_article(old.type)} in version {previous.version} "
                    f"and is {_article(q.type)} here; give a changed question a new key",
                )
                continue
            if q.type == "grade":
                continue  # its answers are the scale's grades: check_scale_against
            old_items = dict(previous.choices(old))
            new_items = dict(d.choices(q))
            name = "points" if q.type == "scale" else "options"
            for i, (value, label) in enumerate(new_items.items()):
                if value not in old_items or _norm(old_items[value]) == _norm(label):
                    continue
                moved_from = [v for v, lab in old_items.items() if _norm(lab) == _norm(label)]
                moved_to = [
                    v for v, lab in new_items.items() if _norm(lab) == _norm(old_items[value])
                ]
                if moved_from or moved_to:
                    self.add(
                        self.qpath(q.key, name, i, "label"),
                        f"the value {value!r} of question '{q.key}' meant "
                        f"{old_items[value]!r} in version {previous.version} and means "
                        f"{label!r} here; a value cannot change its meaning (rewording a label "
                        "is fine): give the changed question a new key",
                    )

    def check_scale_against(self, previous: ToolDefinition) -> None:
        """A new version may bring a new scale (a new inspection framework is a new version);
        a grade kept from the previous version must keep its meaning, as an option's value
        must: its label may be reworded, but not moved to another grade."""
        if self.d.grade_scale is None or previous.grade_scale is None:
            return
        old = {g.value: g.label for g in previous.grade_scale.grades}
        new = {g.value: g.label for g in self.d.grade_scale.grades}
        for i, (value, label) in enumerate(new.items()):
            if value not in old or _norm(old[value]) == _norm(label):
                continue
            moved_from = [v for v, lab in old.items() if _norm(lab) == _norm(label)]
            moved_to = [v for v, lab in new.items() if _norm(lab) == _norm(old[value])]
            if moved_from or moved_to:
                self.add(
                    ("grade_scale", "grades", i, "label"),
                    f"the grade {value!r} meant {old[value]!r} in version {previous.version} "
                    f"and means {label!r} here; a grade cannot change its meaning (rewording "
                    "a label is fine): give the changed grade a new value",
                )


def _article(question_type: str) -> str:
    return f"an {question_type}" if question_type[0] in "aeiou" else f"a {question_type}"


def _norm(label: str) -> str:
    return " ".join(label.casefold().split())
