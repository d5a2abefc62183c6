"""Forms: field validation only. Business rules live in services.py."""

from typing import cast

from django import forms

from .models import (
    EscalationKind,
    EscalationSource,
    ReviewKind,
    SecondPersonRequestKind,
)

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %m %Y"]
DATE_HINT = "For example, 27/3/2026"


class ChildIdField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label="Council child ID",
            max_length=40,
            error_messages={"required": "Enter the council child ID"},
            **kwargs,
        )


class RaiseForm(forms.Form):
    child_id = ChildIdField()
    kind = forms.ChoiceField(
        label="What kind of concern is it?",
        choices=EscalationKind.choices,
        widget=forms.RadioSelect,
        help_text="Safeguarding concerns are due by the end of the next working day; "
        "practice concerns by the end of the 5th working day.",
        error_messages={"required": "Choose whether this is a safeguarding or a practice concern"},
    )
    source = forms.ChoiceField(
        label="Where did the concern come from?",
        choices=EscalationSource.choices,
        error_messages={"required": "Choose where the concern came from"},
    )
    reason = forms.CharField(
        label="Describe the concern",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        error_messages={"required": "Describe the concern"},
    )


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)

    def __init__(self, *args, label: str, required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].label = label
        self.fields["note"].required = required
        self.fields["note"].error_messages["required"] = f"Enter the {label.lower()}"


class AgreeActionsForm(forms.Form):
    discussion = forms.CharField(
        label="Discussion with the practitioner and team manager",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": "Enter the discussion with the practitioner and team manager"},
    )
    actions = forms.CharField(
        label="Agreed actions",
        help_text="One action on each line. Each becomes an action owned by the allocated worker.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": "Enter at least one agreed action"},
    )

    def clean_actions(self):
        lines = [line.strip() for line in self.cleaned_data["actions"].splitlines() if line.strip()]
        if not lines:
            raise forms.ValidationError("Enter at least one agreed action")
        if any(len(line) > 200 for line in lines):
            raise forms.ValidationError("Each agreed action must be 200 characters or fewer")
        return lines


class RequestForm(forms.Form):
    kind = forms.ChoiceField(
        label="What do you want to do?",
        choices=SecondPersonRequestKind.choices,
        widget=forms.RadioSelect,
        help_text="A second authorised person must approve this.",
        error_messages={"required": "Choose what you want to do"},
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": "Enter the reason"},
    )

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs):
        """`kinds`: the requests the escalation's kind and state allow now."""
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = kinds


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label="Do you approve this request?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve or refuse the request"},
    )
    note = forms.CharField(
        label="Comments (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )

    def __init__(self, *args, decisions: list[tuple[str, str]], **kwargs):
        """`decisions`: the steps (approve, refuse) the person may take on the request now."""
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["decision"]).choices = decisions


class ClosureDayForm(forms.Form):
    date = forms.DateField(
        label="Date",
        input_formats=DATE_FORMATS,
        help_text=DATE_HINT,
        error_messages={
            "required": "Enter the date",
            "invalid": "Enter a real date, for example 27/3/2026",
        },
    )
    reason = forms.CharField(
        label="Why is the council closed?",
        max_length=120,
        error_messages={"required": "Enter why the council is closed that day"},
    )


class PracticeReviewForm(forms.Form):
    child_id = ChildIdField()
    kind = forms.ChoiceField(
        label="Which meeting?",
        choices=ReviewKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the meeting"},
    )
    meeting_date = forms.DateField(
        label="Date of the meeting",
        input_formats=DATE_FORMATS,
        help_text=DATE_HINT,
        error_messages={
            "required": "Enter the date of the meeting",
            "invalid": "Enter a real date, for example 27/3/2026",
        },
    )

    def __init__(self, *args, caseload: list[tuple[str, str]] | None = None, **kwargs):
        """With `caseload` (a CP chair's or IRO's children: council child ID and a label), the
        child is picked from a list; without it (the QA unit sees every child) it is typed."""
        super().__init__(*args, **kwargs)
        if caseload is not None:
            self.fields["child_id"] = forms.ChoiceField(
                label="Child",
                help_text="The children whose conferences or reviews you chair.",
                choices=[("", "Choose a child"), *caseload],
                error_messages={
                    "required": "Choose the child",
                    "invalid_choice": "Choose a child from your caseload",
                },
            )
