"""The form engine: a Django form for one section of a tool definition, in GOV.UK markup.

`SectionForm(definition=..., section_key=..., answers=..., data=...)` has one field per question
(named by the question key) plus, for a graded section, the grade and its reason. Every field is
optional to Django: required-ness is the service's to decide (a draft may be incomplete), so
optional questions carry "(optional)" in their label and the rest are checked when the section
is completed (services.form_response_save_section).

| question type | field | widget (field.html) |
|---|---|---|
| scale | TypedChoiceField (int) | radios, each point "value, en dash, label" |
| grade, yes_no_na | ChoiceField | radios |
| single_choice | ChoiceField | radios, or a select above 10 options |
| multiple_choice | MultipleChoiceField | checkboxes |
| date | DateInputField | GOV.UK date input (components/forms/date_input.html) |
| number | NumberField | text input, inputmode numeric |
| short_text | CharField, strip=False | text input |
| long_text, own_words | CharField, strip=False | textarea (own words stored verbatim) |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms

from . import answers as ans
from .definition import Question, Section, ToolDefinition, visible_questions

GRADE_FIELD = "qaf_section_grade"
GRADE_REASON_FIELD = "qaf_section_grade_reason"
ROW_VERSION_FIELD = "row_version"
SELECT_ABOVE = 10
DASH = "\u2013"  # an en dash between a scale point and its label
"""A single-choice question with more options than this is a select, not radios."""


class GovukDateWidget(forms.MultiWidget):
    """Day, month and year inputs (widget_type "govukdate", rendered by date_input.html)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            "day": forms.TextInput(attrs={"inputmode": "numeric"}),
            "month": forms.TextInput(attrs={"inputmode": "numeric"}),
            "year": forms.TextInput(attrs={"inputmode": "numeric"}),
        }
        super().__init__(widgets, attrs)

    def id_for_label(self, id_: str) -> str:
        """The day input: what the error summary links to."""
        return f"{id_}_0" if id_ else id_

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, str) and value:
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateInputField(forms.Field):
    widget = GovukDateWidget

    def to_python(self, value: Any) -> dt.date | None:
        parts = [str(p).strip() if p is not None else "" for p in (value or ["", "", ""])]
        if not any(parts):
            return None
        names = ("a day", "a month", "a year")
        absent = [names[i] for i, p in enumerate(parts) if not p]
        label = self.label
        if absent:
            raise forms.ValidationError(f"“{label}” must include {' and '.join(absent)}")
        if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            raise forms.ValidationError(f"“{label}” must be a real date, for example 27 3 2025")
        try:
            return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise forms.ValidationError(f"“{label}” must be a real date") from None


class NumberField(forms.Field):
    def to_python(self, value: Any) -> int | float | None:
        text = (value or "").strip().replace(",", "")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise forms.ValidationError(f"“{self.label}” must be a number") from None
        return int(number) if number.is_integer() else number


def condition_text(definition: ToolDefinition, question: Question) -> str:
    """When to answer a conditional question, in words (shown when JavaScript is off)."""
    c = question.show_if
    if c is None:
        return ""
    parent = definition.question(c.question)
    labels = dict(definition.choices(parent))
    wanted = " or ".join(f"“{labels.get(v, v)}”" for v in c.values)
    verb = "included" if parent.type == "multiple_choice" else "was"
    return f"Answer this only if your answer to “{parent.label}” {verb} {wanted}."


def _field_for(definition: ToolDefinition, q: Question) -> forms.Field:
    label = q.label if q.required else f"{q.label} (optional)"
    hints = [h for h in (q.hint, condition_text(definition, q)) if h]
    common: dict[str, Any] = {"label": label, "required": False, "help_text": " ".join(hints)}
    t = q.type
    if t == "scale":
        return forms.TypedChoiceField(
            choices=[(p.value, f"{p.value} {DASH} {p.label}") for p in q.points],
            coerce=int,
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": f"Select one of the points for “{q.label}”"},
            **common,
        )
    if t in ("grade", "yes_no_na", "single_choice"):
        choices = list(definition.choices(q))
        widget = forms.Select if len(choices) > SELECT_ABOVE else forms.RadioSelect
        if widget is forms.Select:
            choices = [("", "Choose an answer"), *choices]
        return forms.ChoiceField(
            choices=choices,
            widget=widget,
            error_messages={"invalid_choice": f"Select one of the answers for “{q.label}”"},
            **common,
        )
    if t == "multiple_choice":
        return forms.MultipleChoiceField(
            choices=list(definition.choices(q)),
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": f"Select answers from the list for “{q.label}”"},  # noqa: S608
            **common,
        )
    if t == "date":
        return DateInputField(**common)
    if t == "number":
        return NumberField(
            widget=forms.TextInput(attrs={"inputmode": "decimal", "width": "5"}), **common
        )
    if t == "short_text":
        return forms.CharField(strip=False, widget=forms.TextInput, **common)
    rows = 8 if t == "own_words" else 5
    return forms.CharField(strip=False, widget=forms.Textarea(attrs={"rows": rows}), **common)


class SectionForm(forms.Form):
    """One section of a form. `answers` are the saved answers (for initial values and for the
    conditions); bound `data` is the posted page."""

    use_required_attribute = False

    def __init__(
        self,
        *args: Any,
        definition: ToolDefinition,
        section_key: str,
        answers: Mapping[str, Any] | None = None,
        section_grade: Mapping[str, str] | None = None,
        row_version: int = 0,
        **kwargs: Any,
    ) -> None:
        answers = answers or {}
        kwargs.setdefault("initial", {})
        kwargs["initial"].update(dict(answers))
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.section: Section = definition.section(section_key)
        self.saved_answers = answers
        for q in self.section.questions:
            self.fields[q.key] = _field_for(definition, q)
        if self.section.graded:
            self.fields[GRADE_FIELD] = forms.ChoiceField(
                label=f"Grade for “{self.section.title}”",
                choices=[(g.value, g.label) for g in definition.grades()],
                widget=forms.RadioSelect,
                required=False,
                help_text="You decide the grade. The suggestion comes from the scores above.",
            )
            self.fields[GRADE_REASON_FIELD] = forms.CharField(
                label="Why have you chosen a different grade from the suggested one? (optional "
                "when you agree with the suggestion)",
                strip=False,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.initial.setdefault(GRADE_FIELD, (section_grade or {}).get("grade", ""))
            self.initial.setdefault(GRADE_REASON_FIELD, (section_grade or {}).get("reason", ""))
        self.fields[ROW_VERSION_FIELD] = forms.IntegerField(widget=forms.HiddenInput)
        self.initial[ROW_VERSION_FIELD] = row_version

    def questions(self) -> list[tuple[Question, forms.BoundField]]:
        return [(q, self[q.key]) for q in self.section.questions]

    def posted_row_version(self) -> int | None:
        raw = self.data.get(ROW_VERSION_FIELD, "")
        return int(raw) if str(raw).isdigit() else None

    def _posted_and_merged(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(posted answers in their stored shape, the saved answers overlaid with them)."""
        cleaned = getattr(self, "cleaned_data", {})
        posted = {
            q.key: _stored(q, cleaned.get(q.key))
            for q in self.section.questions
            if q.key not in self.errors
        }
        merged = {**self.saved_answers, **{k: v for k, v in posted.items() if not ans.is_blank(v)}}
        for k, v in posted.items():
            if ans.is_blank(v):
                merged.pop(k, None)
        return posted, merged

    def answer_data(self) -> dict[str, Any]:
        """The posted answers in their stored shape, for the questions shown (conditions are
        evaluated on the saved answers overlaid with the posted ones). Fields with errors are
        left out, so their saved values stay."""
        posted, merged = self._posted_and_merged()
        shown = visible_questions(self.definition, merged)
        return {k: v for k, v in posted.items() if k in shown}

    def shown(self) -> frozenset[str]:
        """Keys of the questions shown now: for a validated bound form, on the saved answers
        overlaid with the posted ones; otherwise on the saved answers."""
        if self.is_bound and hasattr(self, "cleaned_data"):
            return visible_questions(self.definition, self._posted_and_merged()[1])
        return visible_questions(self.definition, self.saved_answers)

    def grade_data(self) -> tuple[str | None, str]:
        if not self.section.graded:
            return None, ""
        cleaned = getattr(self, "cleaned_data", {})
        return cleaned.get(GRADE_FIELD, "") or "", cleaned.get(GRADE_REASON_FIELD, "") or ""


def _stored(q: Question, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if q.type == "multiple_choice":
        return list(value)
    return value


def display_answer(definition: ToolDefinition, question: Question, value: Any) -> str:
    """A saved answer as text for the read-only view ("" when unanswered)."""
    if ans.is_blank(value):
        return ""
    labels = dict(definition.choices(question))
    if question.type == "multiple_choice":
        return ", ".join(str(labels.get(v, v)) for v in value)
    if question.type == "scale":
        return f"{value} {DASH} {labels.get(value, '')}"
    if question.type in ("grade", "yes_no_na", "single_choice"):
        return str(labels.get(value, value))
    if question.type == "date":
        try:
            return f"{dt.date.fromisoformat(value):%-d %B %Y}"
        except ValueError:
            return str(value)
    return str(value)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a tool definition (YAML)",
        help_text="Export a version, edit it, give it a higher version number and upload it. "
        "The file must be 1 MB or smaller.",
        error_messages={"required": "Select a YAML file to upload", "empty": "The file is empty"},
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml,application/yaml"}),
    )


class OverallGradeForm(forms.Form):
    """The overall grade on the check-answers page (a person decides; the tool suggests)."""

    use_required_attribute = False

    def __init__(self, *args: Any, definition: ToolDefinition, response: Any, **kwargs: Any):
        from .definition import suggest_grade

        super().__init__(*args, **kwargs)
        chosen = {k: v.get("grade", "") for k, v in response.section_grades.items()}
        suggested = suggest_grade(definition, None, response.answers, section_grades=chosen)
        labels = {g.value: g.label for g in definition.grades()}
        hint = "You decide the overall grade."
        if suggested:
            hint += f" Suggested from the section grades: {labels[suggested]}."
        self.fields["overall_grade"] = forms.ChoiceField(
            label="Overall grade",
            choices=[(g.value, g.label) for g in definition.grades()],
            widget=forms.RadioSelect,
            required=False,
            help_text=hint,
        )
        self.fields["overall_grade_reason"] = forms.CharField(
            label="Why have you chosen a different grade from the suggested one? (optional when "
            "you agree with the suggestion)",
            required=False,
            strip=False,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
        self.initial.setdefault("overall_grade", response.overall_grade)
        self.initial.setdefault("overall_grade_reason", response.overall_grade_reason)
