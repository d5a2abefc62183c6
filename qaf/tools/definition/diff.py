"""Compare two versions of a tool by section and question key (pure).

Each change carries both versions' own values (`old` and `new`, None where the item is absent
from that version), so a page can show them side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import ToolDefinition, question_to_dict, rule_to_dict, section_to_dict
from .vocabulary import KIND_LABELS, SERVICE_LABELS


@dataclass(frozen=True)
class Side:
    """One version's side of a change: its title (or label) and, for a changed item, the
    value of each field that differs, as text."""

    title: str
    fields: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Change:
    kind: str  # "added", "removed" or "changed"
    what: str  # "tool", "section" or "question"
    key: str
    section: str  # the section key (for a question; "" for the tool)
    old: Side | None  # None: not in the older version
    new: Side | None  # None: not in the newer version

    @property
    def sides(self) -> tuple[Side | None, Side | None]:
        return self.old, self.new


def _text(value: Any) -> str:
    """A field's value as a person reads it."""
    if value is None or value == [] or value == {}:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        if set(value) >= {"value", "label"}:
            return f"{value['value']} \u2013 {value['label']}"
        return "; ".join(f"{k.replace('_', ' ')}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    return str(value)


def _sides(
    old_title: str, new_title: str, old: dict[str, Any], new: dict[str, Any]
) -> tuple[Side, Side] | None:
    """Both sides of an item present in both versions, or None when nothing differs."""
    names = [
        n for n in dict.fromkeys([*old, *new]) if n != "questions" and old.get(n) != new.get(n)
    ]
    if not names:
        return None

    def side(title: str, data: dict[str, Any]) -> Side:
        return Side(title, [(n.replace("_", " ").capitalize(), _text(data.get(n))) for n in names])

    return side(old_title, old), side(new_title, new)


def _tool_fields(d: ToolDefinition) -> dict[str, Any]:
    """The tool's own fields, with words for codes."""
    return {
        "title": d.title,
        "kind": KIND_LABELS.get(d.kind, d.kind),
        "services": (
            "All services"
            if d.services == "all"
            else ", ".join(SERVICE_LABELS.get(s, s) for s in d.services)
        ),
        "description": d.description,
        "overall_grade": d.overall_grade,
        "overall_grade_rule": rule_to_dict(d.overall_grade_rule) if d.overall_grade_rule else None,
        "grade_scale": (
            ", ".join(
                g.label + (" (good or better)" if g.good_or_better else "")
                for g in d.grade_scale.grades
            )
            if d.grade_scale
            else None
        ),
    }


def definition_diff(old: ToolDefinition, new: ToolDefinition) -> list[Change]:
    """The tool's own fields, then sections and questions added, removed or changed from `old`
    to `new`, in `new`'s order (removed ones after)."""
    changes: list[Change] = []
    both = _sides(old.title, new.title, _tool_fields(old), _tool_fields(new))
    if both:
        changes.append(Change("changed", "tool", new.key, "", *both))
    old_sections = {s.key: s for s in old.sections}
    new_sections = {s.key: s for s in new.sections}
    old_questions = {q.key: (old.section_of(q.key).key, q) for q in old.questions()}
    for s in new.sections:
        before = old_sections.get(s.key)
        if before is None:
            changes.append(Change("added", "section", s.key, s.key, None, Side(s.title)))
        else:
            both = _sides(before.title, s.title, section_to_dict(before), section_to_dict(s))
            if both:
                changes.append(Change("changed", "section", s.key, s.key, *both))
        for q in s.questions:
            if q.key not in old_questions:
                changes.append(Change("added", "question", q.key, s.key, None, Side(q.label)))
                continue
            old_section, old_q = old_questions[q.key]
            a, b = question_to_dict(old_q), question_to_dict(q)
            a["section"], b["section"] = old_section, s.key  # a question may move section
            both = _sides(old_q.label, q.label, a, b)
            if both:
                changes.append(Change("changed", "question", q.key, s.key, *both))
    new_keys = {q.key for q in new.questions()}
    for s in old.sections:
        if s.key not in new_sections:
            changes.append(Change("removed", "section", s.key, s.key, Side(s.title), None))
        for q in s.questions:
            if q.key not in new_keys:
                changes.append(Change("removed", "question", q.key, s.key, Side(q.label), None))
    return changes
