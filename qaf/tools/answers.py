"""Answers as stored: checking one value against its question, and what a section still needs.

Pure Python (no ORM). Stored shapes, one per question type:

| type | stored as |
|---|---|
| scale | int (one of the points) |
| grade, yes_no_na, single_choice | str (one of the option values) |
| multiple_choice | list of str, in the definition's order |
| date | "YYYY-MM-DD" |
| number | int, or float when it has a fractional part |
| short_text, long_text, own_words | str, exactly as typed (never stripped or normalised) |
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .definition import Question, Section, ToolDefinition, visible_questions


class AnswerInvalid(ValueError):
    """The value cannot be an answer to this question; the message says why."""


def is_blank(value: object) -> bool:
    return value is None or value == "" or value == [] or value == ()


def answer_clean(definition: ToolDefinition, question: Question, value: Any) -> Any:
    """The value in its stored shape, or AnswerInvalid. Blank values are the caller's concern."""
    label = question.label
    t = question.type
    if t in ("scale", "grade", "yes_no_na", "single_choice"):
        allowed = [v for v, _ in definition.choices(question)]
        if t == "scale" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, bool) or value not in allowed or type(value) is not type(allowed[0]):
            raise AnswerInvalid(f"Select one of the answers given for “{label}”")
        return value
    if t == "multiple_choice":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise AnswerInvalid(f"Select answers from the list for “{label}”")  # noqa: S608
        allowed = [v for v, _ in definition.choices(question)]
        if any(item not in allowed for item in items):
            raise AnswerInvalid(f"Select answers from the list for “{label}”")  # noqa: S608
        return [v for v in allowed if v in items]
    if t == "date":
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise AnswerInvalid(f"“{label}” must be a real date") from None
    if t == "number":
        if isinstance(value, bool):
            raise AnswerInvalid(f"“{label}” must be a number")
        try:
            number = float(value) if not isinstance(value, int) else value
        except (TypeError, ValueError):
            raise AnswerInvalid(f"“{label}” must be a number") from None
        if isinstance(number, float):
            if not math.isfinite(number):
                raise AnswerInvalid(f"“{label}” must be a number")
            if number.is_integer():
                number = int(number)
        if question.min_value is not None and number < question.min_value:
            raise AnswerInvalid(f"“{label}” must be {_num(question.min_value)} or more")
        if question.max_value is not None and number > question.max_value:
            raise AnswerInvalid(f"“{label}” must be {_num(question.max_value)} or less")
        return number
    # text types: stored verbatim
    if not isinstance(value, str):
        raise AnswerInvalid(f"“{label}” must be text")
    if question.max_length is not None and len(value) > question.max_length:
        raise AnswerInvalid(
            f"“{label}” must be {question.max_length:,} characters or fewer (it has {len(value):,})"
        )
    return value


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def missing_message(question: Question) -> str:
    """The GOV.UK-style error for a required question left unanswered."""
    if question.type in ("scale", "grade", "yes_no_na", "single_choice"):
        return f"Select an answer for “{question.label}”"
    if question.type == "multiple_choice":
        return f"Select at least one answer for “{question.label}”"
    if question.type == "date":
        return f"Enter a date for “{question.label}”"
    if question.type == "number":
        return f"Enter a number for “{question.label}”"
    return f"Enter an answer for “{question.label}”"


def section_missing(
    definition: ToolDefinition, section: Section, answers: Mapping[str, object]
) -> list[Question]:
    """Required questions shown for these answers and not answered."""
    shown = visible_questions(definition, answers)
    return [
        q
        for q in section.questions
        if q.required and q.key in shown and is_blank(answers.get(q.key))
    ]


def section_can_start(
    definition: ToolDefinition, section: Section, answers: Mapping[str, object]
) -> bool:
    """False when every question of the section waits on an answer elsewhere in the form."""
    shown = visible_questions(definition, answers)
    return any(q.key in shown for q in section.questions)


@dataclass(frozen=True)
class Missing:
    """One thing a form needs before it can be submitted."""

    section_key: str
    question_key: str | None  # None: the section's (or, with section_key "", the overall) grade
    message: str


def form_missing(
    definition: ToolDefinition,
    answers: Mapping[str, object],
    section_grades: Mapping[str, Mapping[str, str]],
    overall_grade: str,
) -> list[Missing]:
    """Everything still needed to submit, in form order."""
    out: list[Missing] = []
    for section in definition.sections:
        for q in section_missing(definition, section, answers):
            out.append(Missing(section.key, q.key, missing_message(q)))
        if section.graded and not (section_grades.get(section.key) or {}).get("grade"):
            out.append(Missing(section.key, None, f"Choose a grade for “{section.title}”"))
    if definition.overall_grade and not overall_grade:
        out.append(Missing("", None, "Choose an overall grade"))
    return out
