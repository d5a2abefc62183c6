"""Forms: field validation only. Business rules live in services.py."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django import forms

from qaf.organisation.models import Service, Staff

from .agreement import GRADE_ORDER
from .models import ActionCheck, CycleTemplate, PoolKind
from .sampling import STRATUM_FIELDS

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]
DATE_HINT = "For example, 27/3/2026"
GRADE_CHOICES = [
    ("outstanding", "Outstanding"),
    ("good", "Good"),
    ("requires_improvement", "Requires improvement"),
    ("inadequate", "Inadequate"),
]
assert [g for g, _ in GRADE_CHOICES] == list(GRADE_ORDER)
STRATA_CHOICES = [
    ("team", "Team"),
    ("district", "District"),
    ("service", "Service"),
    ("kind", "Case type (involvement)"),
]
assert {s for s, _ in STRATA_CHOICES} == set(STRATUM_FIELDS)


def _date(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        help_text=DATE_HINT,
        error_messages={
            "required": f"Enter the {label.lower()}",
            "invalid": f"Enter the {label.lower()} as a real date, for example 27/3/2026",
        },
        **kwargs,
    )


class SubmissionKeyMixin(forms.Form):
    """A key generated when the page is shown: the same form sent twice creates one record."""

    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)


class RuleForm(forms.Form):
    per_stratum_quota = forms.IntegerField(
        label="Cases per group (quota)",
        required=False,
        min_value=0,
        max_value=1000,
        help_text="Leave empty to sample a percentage instead",
    )
    percentage = forms.FloatField(
        label="Percentage of each group's cases", required=False, min_value=0.1, max_value=100
    )
    strata = forms.MultipleChoiceField(
        label="Group (stratify) the sample by",
        choices=STRATA_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=["team"],
        error_messages={"required": "Choose at least one way to group the sample"},
    )
    services: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label="Services",
        queryset=Service.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="key",
        help_text="Leave all unticked to sample every service",
    )
    active_within_days = forms.IntegerField(
        label="Also include cases closed in the last (days)",
        required=False,
        min_value=1,
        max_value=3650,
    )
    exclude_audited_within_months = forms.IntegerField(
        label="Leave out cases audited in the last (months)",
        required=False,
        min_value=1,
        max_value=60,
    )
    include_vulnerability_register = forms.BooleanField(
        label="Include every case on the QA vulnerability register", required=False
    )
    include_kind = forms.CharField(
        label="Line of inquiry: include every case of this type (for example cp)",
        required=False,
        max_length=40,
    )
    seed = forms.IntegerField(
        label="Random seed",
        min_value=0,
        max_value=2**62,
        help_text="The same seed and case data always give the same sample",
    )
    exclude_own_district = forms.BooleanField(
        label="Peer audits never go to someone in the case's own district", required=False
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("per_stratum_quota") is None
            and data.get("percentage") is None
            and not (data.get("include_vulnerability_register") or data.get("include_kind"))
        ):
            self.add_error("per_stratum_quota", "Enter a quota or a percentage")
        return data

    def rule(self) -> dict:
        d = self.cleaned_data
        rule: dict[str, Any] = {"strata": list(d["strata"])}
        for key in (
            "per_stratum_quota",
            "percentage",
            "active_within_days",
            "exclude_audited_within_months",
        ):
            if d.get(key) is not None:
                rule[key] = d[key]
        if d.get("services"):
            rule["services"] = [s.key for s in d["services"]]
        if d.get("include_vulnerability_register"):
            rule["include_vulnerability_register"] = True
        if d.get("include_kind"):
            rule["include_criteria"] = [{"field": "kind", "value": d["include_kind"].strip()}]
        return rule

    @staticmethod
    def initial_for(rule: dict, seed: int, exclude_own_district: bool) -> dict:
        criteria = rule.get("include_criteria") or []
        return {
            **{k: v for k, v in rule.items() if k not in ("include_criteria", "services")},
            "services": Service.objects.filter(key__in=rule.get("services", [])),
            "include_kind": criteria[0]["value"] if criteria else "",
            "seed": seed,
            "exclude_own_district": exclude_own_district,
        }


class CycleForm(RuleForm):
    name = forms.CharField(
        label="Name of the cycle",
        max_length=160,
        error_messages={"required": "Enter a name for the cycle"},
    )
    template = forms.ChoiceField(
        label="Cycle template",
        choices=CycleTemplate.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a cycle template"},
    )
    start_date = _date("Start date")

    field_order = ["name", "template", "start_date"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("seed", secrets.randbelow(10**9))
        super().__init__(*args, **kwargs)


class AddCaseForm(forms.Form):
    council_child_id = forms.CharField(
        label="Council child ID",
        max_length=40,
        error_messages={"required": "Enter the council child ID"},
    )
    reason = forms.CharField(
        label="Why add this case?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why this case is added"},
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label="What do you want to do with this case?",
        choices=[("removed", "Remove it from the sample"), ("exempted", "Approve an exemption")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to remove the case or approve an exemption"},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason"},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the reason"},
    )


class ReallocateForm(forms.Form):
    role = forms.ChoiceField(
        label="Change the",
        choices=[("auditor", "Auditor"), ("moderator", "Moderator")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose auditor or moderator"},
    )
    staff: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Give it to",
        queryset=Staff.objects.filter(is_active=True),
        error_messages={"required": "Choose who to give it to"},
    )
    reason = forms.CharField(
        label="Why change it?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why you are changing it"},
    )
    override = forms.BooleanField(
        label="Allocate even if it breaks the peer rule or capacity", required=False
    )


class PoolMemberForm(forms.Form):
    kind = forms.ChoiceField(
        label="Pool",
        choices=PoolKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the pool"},
    )
    staff: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Person",
        queryset=Staff.objects.filter(is_active=True),
        error_messages={"required": "Choose the person"},
    )
    trained_on = _date("Date trained", required=False)
    monthly_capacity = forms.IntegerField(
        label="Cases a month",
        min_value=0,
        max_value=50,
        initial=2,
        error_messages={"required": "Enter how many cases a month"},
    )
    active = forms.BooleanField(label="Active in the pool", required=False, initial=True)


class ToolChoiceForm(forms.Form):
    def __init__(self, *args, services, versions, chosen, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Choose a tool")] + [(str(v.pk), str(v)) for v in versions]
        for service in services:
            self.fields[f"service_{service.pk}"] = forms.ChoiceField(
                label=service.name,
                choices=choices,
                required=False,
                initial=str(chosen.get(service.pk, "")),
            )


class ActionForm(SubmissionKeyMixin):
    title = forms.CharField(
        label="Action", max_length=200, error_messages={"required": "Enter the action"}
    )
    owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Owner",
        queryset=Staff.objects.filter(is_active=True),
        error_messages={"required": "Choose the owner"},
    )
    due_date = _date("Due date")


class ReflectionForm(SubmissionKeyMixin):
    text = forms.CharField(
        label="Your reflection",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter your reflection"},
    )


class ModerationForm(forms.Form):
    row_version = forms.IntegerField(widget=forms.HiddenInput)
    meeting_date = _date("Date of the moderation meeting", required=False)
    attendees = forms.CharField(
        label="Who attended",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, sections, actions, **kwargs):
        super().__init__(*args, **kwargs)
        for key, title, auditor_grade in sections:
            label = dict(GRADE_CHOICES).get(auditor_grade, auditor_grade)
            self.fields[f"grade_{key}"] = forms.ChoiceField(
                label=f"{title}: the auditor graded {label}",
                choices=GRADE_CHOICES,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"reason_{key}"] = forms.CharField(
                label=f"{title}: reason for a change of grade",
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.fields["overall_grade"] = forms.ChoiceField(
            label="Overall grade", choices=GRADE_CHOICES, widget=forms.RadioSelect, required=False
        )
        self.fields["overall_reason"] = forms.CharField(
            label="Reason for a change of the overall grade",
            required=False,
            max_length=5000,
            widget=forms.Textarea(attrs={"rows": 2}),
        )
        for action in actions:
            self.fields[f"action_{action.pk}"] = forms.ChoiceField(
                label=f"Auditor's action: {action.title} (due {action.due_date:%-d %B %Y})",
                choices=ActionCheck.choices,
                widget=forms.RadioSelect,
                required=False,
            )
        self.sections = sections
        self.actions = actions


class FinaliseForm(forms.Form):
    row_version = forms.IntegerField(widget=forms.HiddenInput)
    confirmed_outcome = forms.ChoiceField(
        label="Confirm the outcome",
        choices=[("agreed", "Agreed"), ("upgraded", "Upgraded"), ("downgraded", "Downgraded")],
        widget=forms.RadioSelect,
        error_messages={"required": "Confirm the outcome"},
    )


class TriadForm(SubmissionKeyMixin):
    audits: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label="Audits discussed",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the audits the triad discussed"},
    )
    manager_one: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="First manager",
        queryset=Staff.objects.filter(is_active=True),
        error_messages={"required": "Choose the first manager"},
    )
    manager_two: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Second manager",
        queryset=Staff.objects.filter(is_active=True),
        error_messages={"required": "Choose the second manager"},
    )
    qa_member: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="QA member",
        queryset=Staff.objects.filter(is_active=True),
        error_messages={"required": "Choose the QA member"},
    )
    date = _date("Date of the triad")
    discussion = forms.CharField(
        label="Discussion",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter what the triad discussed"},
    )
    variance_reasons = forms.CharField(
        label="Reasons for the variance",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the reasons for the variance"},
    )
    learning = forms.CharField(
        label="Learning",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the learning"},
    )

    def __init__(self, *args, audits, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audits"].queryset = audits


class InquiryForm(SubmissionKeyMixin):
    team: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Team", queryset=None, error_messages={"required": "Choose the team"}
    )
    date = _date("Date of the conversation")
    went_well = forms.CharField(
        label="What went well",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter what went well"},
    )
    made_it_work = forms.CharField(
        label="What made it work",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter what made it work"},
    )
    better_next_time = forms.CharField(
        label="What could be better next time",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter what could be better next time"},
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class ConcernForm(forms.Form):
    """Raise the concern an Inadequate grade proposes (safeguarding or practice), or not."""

    decision = forms.ChoiceField(
        label="What do you want to do?",
        choices=[
            ("practice", "Raise a practice concern"),
            ("safeguarding", "Raise a safeguarding concern"),
            ("decline", "Do not raise a concern"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to raise a concern"},
    )
    reason = forms.CharField(
        label="Describe the concern",
        help_text="Needed if you raise a concern. The service manager reads this first",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    decline_reason = forms.CharField(
        label="Why are you not raising a concern?",
        help_text="Needed if you do not raise a concern",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == "decline" and not (data.get("decline_reason") or "").strip():
            self.add_error("decline_reason", "Enter why you are not raising a concern")
        if decision in ("practice", "safeguarding") and not (data.get("reason") or "").strip():
            self.add_error("reason", "Describe the concern")
        return data
