"""Forms: field validation only. Business rules live in services.py."""

from typing import cast

from django import forms

from qaf.organisation.models import Area, Service, Staff

from .models import ActionSource, ActionStatus, MeetingKind, PlanKind

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %m %Y"]
DATE_ERRORS = {
    "required": "Enter the due date",
    "invalid": "Enter a real date, for example 27/3/2026",
}


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return f"{obj.full_name} ({obj.get_job_role_display()})"


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=ActionStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a status"},
    )
    evidence = forms.CharField(
        label="Evidence of completion",
        help_text="What was done and where it is recorded. Needed to mark the action done.",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        """`choices`: the action's status and the statuses the person may move it to now."""
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = choices


class EffectivenessForm(forms.Form):
    note = forms.CharField(
        label="How did you check the action made a difference?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Describe how you checked the action made a difference"},
    )


class ActionFields(forms.Form):
    title = forms.CharField(
        label="Action", max_length=200, error_messages={"required": "Enter what needs to be done"}
    )
    owner = StaffChoiceField(
        label="Owner",
        queryset=Staff.objects.none(),
        empty_label="Choose the owner",
        error_messages={"required": "Choose who owns the action"},
    )
    due_date = forms.DateField(
        label="Due date",
        input_formats=DATE_FORMATS,
        help_text="For example, 27/3/2026",
        error_messages=DATE_ERRORS,
    )
    description = forms.CharField(
        label="Details (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff


class MeetingActionForm(ActionFields):
    item_number = forms.IntegerField(
        label="Agenda item number",
        min_value=1,
        max_value=999,
        help_text="The action is numbered from the item: 3a, 3b ...",
        error_messages={
            "required": "Enter the agenda item number",
            "invalid": "The agenda item number must be a whole number",
            "min_value": "The agenda item number must be 1 or more",
            "max_value": "The agenda item number must be 999 or less",
        },
    )
    field_order = ["item_number", "title", "owner", "due_date", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].label = "Lead"
        self.fields["owner"].error_messages["required"] = "Choose who leads the action"


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(
        label="Which meeting?",
        choices=MeetingKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the meeting"},
    )
    date = forms.DateField(
        label="Date",
        input_formats=DATE_FORMATS,
        help_text="For example, 27/3/2026",
        error_messages={
            "required": "Enter the date of the meeting",
            "invalid": DATE_ERRORS["invalid"],
        },
    )
    minutes = forms.CharField(
        label="Minutes (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label="Minutes", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )


class PlanForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of plan",
        choices=PlanKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of plan"},
    )
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter the plan's title"}
    )
    owner = StaffChoiceField(
        label="Owner",
        queryset=Staff.objects.filter(is_active=True),
        empty_label="Choose the owner",
        error_messages={"required": "Choose who owns the plan"},
    )
    service = forms.ModelChoiceField(
        label="Service (optional)",
        queryset=Service.objects.all(),
        required=False,
        empty_label="All services",
    )
    area = forms.ModelChoiceField(
        label="Area (optional)",
        queryset=Area.objects.all(),
        required=False,
        empty_label="All areas",
    )


class RecommendationFilterForm(forms.Form):
    source = forms.ChoiceField(
        label="Source", required=False, choices=[("", "All sources"), *ActionSource.choices]
    )
    service = forms.ModelChoiceField(
        label="Service", queryset=Service.objects.all(), required=False, empty_label="All services"
    )
    area = forms.ModelChoiceField(
        label="Area", queryset=Area.objects.all(), required=False, empty_label="All areas"
    )
