"""Forms for feedback pages. Survey answers are checked again by the services (answers_clean),
which the API uses too; these forms give each field its GOV.UK error."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms

from qaf.tools.definition import Question, ToolDefinition

from .models import (
    CHILD_AUDIENCES,
    MAX_TEXT,
    Anonymity,
    Audience,
    ComplaintCategory,
    ComplaintOutcome,
    FeedbackKind,
    Mode,
)
from .services import text_problem

TEXT_TYPES = ("own_words", "long_text", "short_text")
FACE_NAMES = ("very-sad", "sad", "neutral", "happy", "very-happy")


class SafeTextMixin:
    """Refuses NUL bytes and lone surrogates with a clear message; keeps all else as typed."""

    def validate(self, value: Any) -> None:
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                raise forms.ValidationError(f"{self.label} {problem}")  # type: ignore[attr-defined]
        super().validate(value)  # type: ignore[misc]


class SafeCharField(SafeTextMixin, forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)
        # Our own, clearer message replaces Django's generic null-character validator.
        self.validators = [
            v for v in self.validators if type(v).__name__ != "ProhibitNullCharactersValidator"
        ]


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


def _question_field(definition: ToolDefinition, q: Question, *, faces: bool) -> forms.Field:
    required = q.required
    if q.type in TEXT_TYPES:
        cap = min(q.max_length or MAX_TEXT, MAX_TEXT)
        field: forms.Field = SafeCharField(
            label=q.label,
            required=required,
            max_length=cap,
            help_text=q.hint or "",
            widget=forms.Textarea(attrs={"rows": 5}) if q.type != "short_text" else None,
            error_messages={
                "required": f"Enter an answer for “{q.label}”",
                "max_length": f"“{q.label}” must be {cap:,} characters or fewer",
            },
        )
        field.quotation = q.type == "own_words"  # type: ignore[attr-defined]
        return field
    choices = [(str(v), label) for v, label in definition.choices(q)]
    if q.type == "multiple_choice":
        return forms.MultipleChoiceField(
            label=q.label,
            required=required,
            choices=choices,
            help_text=q.hint or "",
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": f"Select at least one answer for “{q.label}”"},
        )
    field = forms.ChoiceField(
        label=q.label,
        required=required,
        choices=choices,
        help_text=q.hint or "",
        widget=forms.RadioSelect,
        error_messages={
            "required": f"Select an answer for “{q.label}”",
            "invalid_choice": f"Select one of the answers given for “{q.label}”",
        },
    )
    if q.type == "scale" and faces and len(choices) == len(FACE_NAMES):
        field.faces = FACE_NAMES  # type: ignore[attr-defined]
    return field


class SurveyForm(forms.Form):
    """One survey on one page: a fieldset per section, then the consent questions."""

    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(
        self,
        *args: Any,
        definition: ToolDefinition,
        audience: str,
        ask_link_consent: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.audience = audience
        self.ask_link_consent = ask_link_consent
        child = audience in CHILD_AUDIENCES
        self.sections = []
        for section in definition.sections:
            keys = []
            for q in section.questions:
                self.fields[q.key] = _question_field(definition, q, faces=child)
                keys.append(q.key)
            self.sections.append((section, keys))
        you = "you" if audience != Audience.PARTNER else "your agency"
        if ask_link_consent:
            self.fields["anonymity"] = forms.ChoiceField(
                label="Can we add your answers to your family's records?",
                help_text=(
                    "If you say yes, your worker and their manager can read your answers. "
                    "If you say no, nobody will know the answers came from "
                    f"{you}."
                ),
                choices=[
                    (Anonymity.NAMED, "Yes, add my answers to the records"),
                    (Anonymity.ANONYMOUS, "No, keep my answers anonymous"),
                ],
                widget=forms.RadioSelect,
                error_messages={
                    "required": "Select whether we can add your answers to the records"
                },
            )
        self.fields["consent_to_quote"] = forms.ChoiceField(
            label="Can we use your words in our reports, without your name?",
            choices=[("yes", "Yes"), ("no", "No")],
            widget=forms.RadioSelect,
            error_messages={"required": "Select whether we can use your words in reports"},
        )

    def section_fields(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(section, [self[key] for key in keys]) for section, keys in self.sections]

    def consent_fields(self) -> list[forms.BoundField]:
        names = (["anonymity"] if self.ask_link_consent else []) + ["consent_to_quote"]
        return [self[n] for n in names]

    def answers(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for q in self.definition.questions():
            value = self.cleaned_data.get(q.key)
            if value in (None, "", []):
                continue
            out[q.key] = int(str(value)) if q.type == "scale" else value
        return out


class RequestForm(forms.Form):
    audience = forms.ChoiceField(
        label="Who is the survey for?",
        choices=[
            ("child", "The child or young person (the survey for their age is chosen for you)"),
            (Audience.PARENT_CARER, "A parent or carer"),
            (Audience.PARTNER, "A partner agency"),
            (Audience.STAFF, "A member of staff (QA unit only)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select who the survey is for"},
    )
    child_id = forms.CharField(
        label="Council child ID",
        required=False,
        max_length=40,
        help_text="For a child, young person, parent or carer. For example, NC123456.",
    )
    team: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Team the feedback is about (partner and staff surveys)",
        queryset=None,
        required=False,
        empty_label="No particular team",
    )
    recipient = SafeCharField(
        label="Who it is for (optional)",
        required=False,
        max_length=200,
        help_text="A role, not a name, for example “Designated safeguarding lead, Oak Primary”.",
    )
    email = forms.EmailField(
        label="Email address to send the link to (optional)",
        required=False,
        help_text="Leave empty to print the link and QR code instead.",
        error_messages={"invalid": "Enter an email address in the correct format"},
    )

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]


class OpenLinkForm(forms.Form):
    title = SafeCharField(
        label="Where will the link be published?",
        max_length=160,
        help_text="For example, “Riverside youth hub poster”.",
        error_messages={"required": "Enter where the link will be published"},
    )
    audience = forms.ChoiceField(
        label="Who is it for?",
        choices=[(a.value, a.label) for a in Audience if a != Audience.STAFF],
        widget=forms.RadioSelect,
        error_messages={"required": "Select who the open link is for"},
    )
    team: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Team or setting", queryset=None, required=False, empty_label="No particular team"
    )

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]


class EntryStartForm(forms.Form):
    audience = forms.ChoiceField(
        label="Who gave the feedback?",
        choices=[(a.value, a.label) for a in Audience],
        widget=forms.RadioSelect,
        error_messages={"required": "Select who gave the feedback"},
    )
    mode = forms.ChoiceField(
        label="How was it given?",
        choices=[(Mode.TELEPHONE, Mode.TELEPHONE.label), (Mode.PAPER, Mode.PAPER.label)],
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the feedback was given"},
    )


class EntryDetailsForm(forms.Form):
    """The staff-entry extras: mode, child and consent (the survey questions follow)."""

    child_id = forms.CharField(label="Council child ID (optional)", required=False, max_length=40)
    consent_to_link = forms.BooleanField(
        label="The person agreed to link these answers to the child's record", required=False
    )
    team: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Team the feedback is about",
        queryset=None,
        required=False,
        empty_label="The child's team, or none",
    )

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]


class AnalysisFilterForm(forms.Form):
    audience = forms.ChoiceField(
        label="Audience", required=False, choices=[("", "All"), *Audience.choices]
    )
    service: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Service", queryset=None, required=False, empty_label="All"
    )
    team: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Team", queryset=None, required=False, empty_label="All"
    )
    date_from = forms.DateField(
        label="From (dd/mm/yyyy)",
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": "Enter the start date as dd/mm/yyyy, for example 01/04/2026"},
    )
    date_to = forms.DateField(
        label="To (dd/mm/yyyy)",
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": "Enter the end date as dd/mm/yyyy, for example 31/07/2026"},
    )
    text = SafeCharField(label="Comments containing", required=False, max_length=200)

    def __init__(self, *args: Any, services: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The end date must be on or after the start date")
        return data


class AcknowledgeForm(forms.Form):
    action_taken = SafeCharField(
        label="What was done?",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, who was contacted and what they will do.",
        error_messages={"required": "Enter what was done about the alert"},
    )


class ComplaintForm(forms.Form):
    kind = forms.ChoiceField(
        label="Complaint or compliment?",
        choices=FeedbackKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether this is a complaint or a compliment"},
    )
    received_on = forms.DateField(
        label="Date received (dd/mm/yyyy)",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={
            "required": "Enter the date received",
            "invalid": "Enter the date received as dd/mm/yyyy, for example 14/04/2026",
        },
    )
    service: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Service", queryset=None, required=False
    )
    team: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Team", queryset=None, required=False
    )
    category = forms.ChoiceField(
        label="Category",
        choices=ComplaintCategory.choices,
        error_messages={"required": "Select a category"},
    )
    summary = SafeCharField(
        label="Summary",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What it is about. Do not include names.",
        error_messages={"required": "Enter a summary"},
    )
    outcome = forms.ChoiceField(label="Outcome", choices=ComplaintOutcome.choices, required=False)
    learning = SafeCharField(
        label="Learning",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    responded_on = forms.DateField(
        label="Date responded (dd/mm/yyyy, optional)",
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": "Enter the date responded as dd/mm/yyyy"},
    )

    def __init__(self, *args: Any, services: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
