"""Compare two versions of a tool by section and question key (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import ToolDefinition, question_to_dict, section_to_dict


@dataclass
class Change:
    kind: str  # "added", "removed" or "changed"
    what: str  # "section" or "question"
    key: str
    title: str
    section: str  # the section key (for a question)
    details: list[str] = field(default_factory=list)


def _fields_changed(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    out = []
    for name in dict.fromkeys([*old, *new]):
        if name in ("questions",):
            continue
        if old.get(name) != new.get(name):
            out.append(name.replace("_", " "))
    return out


def definition_diff(old: ToolDefinition, new: ToolDefinition) -> list[Change]:
    """Sections and questions added, removed or changed from `old` to `new`, in `new`'s order
    (removed ones after)."""
    changes: list[Change] = []
    old_sections = {s.key: s for s in old.sections}
    new_sections = {s.key: s for s in new.sections}
    old_questions = {q.key: (old.section_of(q.key).key, q) for q in old.questions()}
    for s in new.sections:
        if s.key not in old_sections:
            changes.append(Change("added", "section", s.key, s.title, s.key))
        else:
            a, b = section_to_dict(old_sections[s.key]), section_to_dict(s)
            details = _fields_changed(a, b)
            if details:
                changes.append(Change("changed", "section", s.key, s.title, s.key, details))
        for q in s.questions:
            if q.key not in old_questions:
                changes.append(Change("added", "question", q.key, q.label, s.key))
                continue
            old_section, old_q = old_questions[q.key]
            details = _fields_changed(question_to_dict(old_q), question_to_dict(q))
            if old_section != s.key:
                details.insert(0, f"moved from section {old_section}")
            if details:
                changes.append(Change("changed", "question", q.key, q.label, s.key, details))
    new_keys = {q.key for q in new.questions()}
    for s in old.sections:
        if s.key not in new_sections:
            changes.append(Change("removed", "section", s.key, s.title, s.key))
        for q in s.questions:
            if q.key not in new_keys:
                changes.append(Change("removed", "question", q.key, q.label, s.key))
    top = [
        name
        for name in ("title", "kind", "services", "description", "overall_grade", "grade_scale")
        if getattr(old, name) != getattr(new, name)
    ]
    if old.overall_grade_rule != new.overall_grade_rule:
        top.append("overall grade rule")
    if top:
        changes.insert(0, Change("changed", "tool", new.key, new.title, "", top))
    return changes
