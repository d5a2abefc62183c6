"""The model of a definition: frozen dataclasses for a tool, its sections, questions, grade
rules and grade scale, and their plain-data form (`to_dict`, the file's key order).

Built by `checks.build` from checked data; never changed after that.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from .vocabulary import TEXT_MAX_LENGTH, GradeMethod, QuestionType
from .yaml_io import dump_yaml


@dataclass(frozen=True)
class GradeOption:
    value: str
    label: str


GRADE_SCALES: dict[str, tuple[GradeOption, ...]] = {
    "ofsted": (
        GradeOption("outstanding", "Outstanding"),
        GradeOption("good", "Good"),
        GradeOption("requires_improvement", "Requires improvement"),
        GradeOption("inadequate", "Inadequate"),
    ),
    "unit_meeting": (
        GradeOption("gold", "Gold"),
        GradeOption("silver", "Silver"),
        GradeOption("bronze", "Bronze"),
        GradeOption("not_met", "Not met"),
    ),
}
"""Each grade scale, best grade first."""

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
    grade_scale: str = "ofsted"

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
        """The tool's grade scale, best grade first."""
        return GRADE_SCALES[self.grade_scale]

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
        data["grade_scale"] = self.grade_scale
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
