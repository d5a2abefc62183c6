"""What a definition does with answers: which questions are shown, and the grade it suggests."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence

from .model import Band, ToolDefinition


def visible_questions(definition: ToolDefinition, answers: Mapping[str, object]) -> frozenset[str]:
    """Keys of the questions shown for these answers (a question whose condition depends on a
    hidden question is hidden too)."""
    shown: set[str] = set()
    for q in definition.questions():
        c = q.show_if
        if c is None or (c.question in shown and c.matches(answers.get(c.question))):
            shown.add(q.key)
    return frozenset(shown)


def suggest_grade(
    definition: ToolDefinition,
    section_key: str | None,
    answers: Mapping[str, object],
    *,
    section_grades: Mapping[str, str] | None = None,
) -> str | None:
    """The grade the rule suggests for a section (or, with `section_key=None`, the whole form).

    `answers` maps question keys to answers (a scale answer is an int). Hidden and unanswered
    questions are left out. For the overall methods that work on section grades,
    `section_grades` gives the grades the auditor chose; without it each graded section's own
    suggestion is used. Returns None when there is no rule or nothing to go on.
    Raises KeyError for an unknown section key.
    """
    if section_key is None:
        rule = definition.overall_grade_rule if definition.overall_grade else None
    else:
        section = definition.section(section_key)
        rule = section.grade_rule if section.graded else None
    if rule is None:
        return None
    scale = [g.value for g in definition.grades()]
    score = {grade: len(scale) - i for i, grade in enumerate(scale)}  # best grade scores highest
    if rule.method == "mean_of_scales":
        shown = visible_questions(definition, answers)
        values = []
        for key in rule.questions:
            answer = answers.get(key)
            points = definition.question(key).points
            if key in shown and type(answer) is int and any(p.value == answer for p in points):
                values.append(answer)
        return _band(rule.bands, statistics.fmean(values)) if values else None
    graded = [s.key for s in definition.sections if s.graded]
    if section_grades is None:
        chosen = [suggest_grade(definition, key, answers) for key in graded]
    else:
        chosen = [section_grades.get(key) for key in graded]
    grades = [g for g in chosen if g in score]
    if not grades:
        return None
    if rule.method == "worst_section":
        return min(grades, key=score.__getitem__)
    if rule.method == "mean_of_sections":
        return _band(rule.bands, statistics.fmean(score[g] for g in grades))
    counts = Counter(grades)
    top = max(counts.values())
    return min((g for g, n in counts.items() if n == top), key=score.__getitem__)


def _band(bands: Sequence[Band], value: float) -> str | None:
    for band in bands:
        if value >= band.min:
            return band.grade
    return None
