"""The model of a definition: frozen dataclasses for a tool, its sections, questions, grade
rules and grade scale, and their plain-data form (`to_dict`, the file's key order).

Built by `checks.build` from checked data; never changed after that.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .vocabulary import TEXT_MAX_LENGTH, GradeMethod, QuestionType
from .yaml_io import dump_yaml


@dataclass(frozen=True)
class GradeOption:
    """One grade of a scale (or one answer of a yes/no/not applicable question)."""

    value: str
    label: str
    good_or_better: bool = False  # counted as "Good or better" (the council's choice)


@dataclass(frozen=True)
class GradeScale:
    """A tool version's grade scale, as its file declares it: the grades, best first, and
    which of them count as "Good or better". A new scale is a new tool version, never code:
    agreement statistics and the KPIs read the scale of the version an audit was made on."""

    key: str
    grades: tuple[GradeOption, ...]

    @property
    def values(self) -> tuple[str, ...]:
        """The stored values, best first."""
        return tuple(g.value for g in self.grades)

    @property
    def good_or_better(self) -> frozenset[str]:
        """The grades counted as "Good or better" (empty when the scale marks none)."""
        return frozenset(g.value for g in self.grades if g.good_or_better)

    def __contains__(self, value: object) -> bool:
        return value in self.values

    def label(self, value: str) -> str:
        """The label of a grade; the value itself when the scale has no such grade."""
        return next((g.label for g in self.grades if g.value == value), value)

    def rank(self, value: str) -> int:
        """0 for the best grade, 1 for the next ...; ValueError for a grade not on the scale."""
        return self.values.index(value)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GradeScale:
        """The scale from its plain-data form (`to_dict`, as stored with a version)."""
        return cls(
            key=data["key"],
            grades=tuple(
                GradeOption(g["value"], g["label"], g.get("good_or_better", False))
                for g in data["grades"]
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        grades = []
        for g in self.grades:
            grade: dict[str, Any] = {"value": g.value, "label": g.label}
            if g.good_or_better:
                grade["good_or_better"] = True
            grades.append(grade)
        return {"key": self.key, "grades": grades}


YES_NO_NA: tuple[GradeOption, ...] = (
    GradeOption("yes", "Yes"),
    GradeOption("no", "No"),
    GradeOption("na", "Not applicable"),
)


AnswerValue = str | int


@dataclass(frozen=True)
class ScalePoint:
    value: int
    label: str


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Condition:
    """`show_if`: the question is shown only when an earlier choice-like answer matches.

    `operator` is "equals" (then `values` has one item) or "in". For a multiple_choice
    question the condition matches when any selected value is among `values`.
    """

    question: str
    values: tuple[AnswerValue, ...]
    operator: Literal["equals", "in"] = "equals"

    def matches(self, answer: object) -> bool:
        if answer is None:
            return False
        if isinstance(answer, list | tuple | set | frozenset):
            return any(same_value(a, v) for a in answer for v in self.values)
        return any(same_value(answer, v) for v in self.values)


def same_value(answer: object, value: AnswerValue) -> bool:
    # bool is an int in Python; True must not match a scale point 1.
    return type(answer) is type(value) and answer == value


@dataclass(frozen=True)
class Band:
    min: float
    grade: str


@dataclass(frozen=True)
class GradeRule:
    """A declarative rule that suggests a grade (the auditor always decides)."""

    method: GradeMethod
    questions: tuple[str, ...] = ()
    bands: tuple[Band, ...] = ()


@dataclass(frozen=True)
class GradeDescriptor:
    """What a grade looks like for a service (`service` is a service key or "default")."""

    service: str
    grade: str
    text: str


@dataclass(frozen=True)
class Question:
    key: str
    label: str
    type: QuestionType
    required: bool = True
    hint: str | None = None
    show_if: Condition | None = None
    case_fact: str | None = None
    points: tuple[ScalePoint, ...] = ()
    options: tuple[Option, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    questions: tuple[Question, ...]
    description: str | None = None
    graded: bool = False
    grade_rule: GradeRule | None = None
    grade_descriptors: tuple[GradeDescriptor, ...] = ()

    def descriptor(self, grade: str, service: str | None = None) -> str | None:
        """The descriptor of `grade` for `service`, falling back to the default set."""
        for wanted in (service, "default"):
            for d in self.grade_descriptors:
                if d.service == wanted and d.grade == grade:
                    return d.text
        return None


@dataclass(frozen=True)
class ToolDefinition:
    key: str
    title: str
    version: int
    kind: str
    services: tuple[str, ...] | Literal["all"]
    description: str
    sections: tuple[Section, ...]
    overall_grade: bool = False
    overall_grade_rule: GradeRule | None = None
    grade_scale: GradeScale | None = None  # required when the tool grades anything

    def questions(self) -> Iterator[Question]:
        """Every question, in form order."""
        for section in self.sections:
            yield from section.questions

    def question(self, key: str) -> Question:
        for q in self.questions():
            if q.key == key:
                return q
        raise KeyError(key)

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def section_of(self, question_key: str) -> Section:
        for s in self.sections:
            if any(q.key == question_key for q in s.questions):
                return s
        raise KeyError(question_key)

    def grades(self) -> tuple[GradeOption, ...]:
        """The grades of the tool's scale, best first (none for a tool that does not grade)."""
        return self.grade_scale.grades if self.grade_scale is not None else ()

    def uses_grades(self) -> bool:
        """Whether anything in the tool is graded: it then needs a grade scale."""
        return (
            self.overall_grade
            or any(s.graded for s in self.sections)
            or any(q.type == "grade" for q in self.questions())
        )

    def applies_to(self, service: str) -> bool:
        return self.services == "all" or service in self.services

    def choices(self, question: Question) -> tuple[tuple[AnswerValue, str], ...]:
        """(value, label) of each possible answer of a choice-like question; () otherwise."""
        if question.type == "scale":
            return tuple((p.value, p.label) for p in question.points)
        if question.type in ("single_choice", "multiple_choice"):
            return tuple((o.value, o.label) for o in question.options)
        if question.type == "grade":
            return tuple((g.value, g.label) for g in self.grades())
        if question.type == "yes_no_na":
            return tuple((g.value, g.label) for g in YES_NO_NA)
        return ()

    def to_dict(self) -> dict[str, Any]:
        """The definition as plain data in the file's key order (defaults left out)."""
        data: dict[str, Any] = {
            "key": self.key,
            "title": self.title,
            "version": self.version,
            "kind": self.kind,
            "services": self.services if self.services == "all" else list(self.services),
            "description": self.description,
            "overall_grade": self.overall_grade,
        }
        if self.overall_grade_rule is not None:
            data["overall_grade_rule"] = rule_to_dict(self.overall_grade_rule)
        if self.grade_scale is not None:
            data["grade_scale"] = self.grade_scale.to_dict()
        data["sections"] = [section_to_dict(s) for s in self.sections]
        return data

    def to_yaml(self) -> str:
        """The definition as YAML that `parse_definition` reads back to an equal definition."""
        return dump_yaml(self.to_dict())


def rule_to_dict(rule: GradeRule) -> dict[str, Any]:
    data: dict[str, Any] = {"method": rule.method}
    if rule.questions:
        data["questions"] = list(rule.questions)
    if rule.bands:
        data["bands"] = [{"min": b.min, "grade": b.grade} for b in rule.bands]
    return data


def section_to_dict(section: Section) -> dict[str, Any]:
    data: dict[str, Any] = {"key": section.key, "title": section.title}
    if section.description is not None:
        data["description"] = section.description
    if section.graded:
        data["graded"] = True
    if section.grade_rule is not None:
        data["grade_rule"] = rule_to_dict(section.grade_rule)
    if section.grade_descriptors:
        descriptors: dict[str, dict[str, str]] = {}
        for d in section.grade_descriptors:
            descriptors.setdefault(d.service, {})[d.grade] = d.text
        data["grade_descriptors"] = descriptors
    data["questions"] = [question_to_dict(q) for q in section.questions]
    return data


def question_to_dict(q: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"key": q.key, "label": q.label, "type": q.type}
    if q.hint is not None:
        data["hint"] = q.hint
    if not q.required:
        data["required"] = False
    if q.case_fact is not None:
        data["case_fact"] = q.case_fact
    if q.points:
        data["points"] = [{"value": p.value, "label": p.label} for p in q.points]
    if q.options:
        data["options"] = [{"value": o.value, "label": o.label} for o in q.options]
    if q.min_value is not None:
        data["min"] = q.min_value
    if q.max_value is not None:
        data["max"] = q.max_value
    if q.max_length is not None and q.max_length != TEXT_MAX_LENGTH.get(q.type):
        data["max_length"] = q.max_length
    if q.show_if is not None:
        c = q.show_if
        if c.operator == "equals":
            data["show_if"] = {"question": c.question, "equals": c.values[0]}
        else:
            data["show_if"] = {"question": c.question, "in": list(c.values)}
    return data
