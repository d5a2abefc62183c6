"""The audit cycle: cycles and their phases, samples, pools, audits, moderation, triads and
appreciative inquiry.

An audit's status changes only through the audit services, along ``workflows.AUDIT_WORKFLOW``;
every change leaves an ``AuditTransition`` row. ``row_version`` on audits and moderations is the
optimistic-concurrency counter: every save passes the version it read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class CycleTemplate(models.TextChoices):
    TRI_ANNUAL = "tri_annual", "Tri-annual (4 months: audit, moderate, audit, moderate and triad)"
    BI_MONTHLY = "bi_monthly", "Bi-monthly (2 months: audit, then moderate)"
    HALF_OPEN_TWICE_YEARLY = (
        "half_open_twice_yearly",
        "Half of open cases twice a year (6 months)",
    )
    TEN_PERCENT_SIX_WEEKLY = (
        "ten_percent_six_weekly",
        "10% of cases active in the last six months, every six weeks",
    )
    DIP_SAMPLE = "dip_sample", "One-off dip sample (1 month)"


class PhaseKind(models.TextChoices):
    AUDIT = "audit", "Case file audits"
    MODERATION = "moderation", "Moderation"
    APPRECIATIVE_INQUIRY = "appreciative_inquiry", "Appreciative inquiry"
    TRIAD = "triad", "Triad audits"


class CycleStatus(models.TextChoices):
    PLANNING = "planning", "Planning"
    COMMITTED = "committed", "Committed"
    CLOSED = "closed", "Closed"


class Cycle(models.Model):
    name = models.CharField(max_length=160)
    template = models.CharField(max_length=30, choices=CycleTemplate.choices)
    start_date = models.DateField()
    status = models.CharField(
        max_length=12, choices=CycleStatus.choices, default=CycleStatus.PLANNING
    )
    # The sample rule as entered (see services.sample_rule_from_json) and the seed it drew with.
    sample_rule = models.JSONField(default=dict, blank=True)
    seed = models.BigIntegerField()
    exclude_own_district = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    committed_at = models.DateTimeField(null=True, blank=True)
    row_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-start_date", "-pk"]

    def __str__(self) -> str:
        return self.name


class CyclePhase(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=30, choices=PhaseKind.choices)
    round = models.PositiveSmallIntegerField(default=1)
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["cycle", "order"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "order"], name="audits_phase_order"),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="audits_phase_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (round {self.round})"


class CycleTool(models.Model):
    """Which published tool version a cycle uses for a service."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="tools")
    service = models.ForeignKey("organisation.Service", on_delete=models.PROTECT, related_name="+")
    tool_version = models.ForeignKey(
        "tools.ToolVersion", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "service"], name="audits_one_tool_per_service")
        ]

    def __str__(self) -> str:
        return f"{self.tool_version} for {self.service}"


class SampleStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed by the rule"
    ADDED = "added", "Added by hand"
    REMOVED = "removed", "Removed"
    EXEMPTED = "exempted", "Exempted"


IN_SAMPLE = (SampleStatus.PROPOSED, SampleStatus.ADDED)


class SampledCase(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="sampled_cases")
    child = models.ForeignKey("cases.Child", on_delete=models.PROTECT, related_name="+")
    involvement = models.ForeignKey("cases.Involvement", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("organisation.Team", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    status = models.CharField(
        max_length=10, choices=SampleStatus.choices, default=SampleStatus.PROPOSED
    )
    status_reason = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["team__name", "child__council_child_id"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "involvement"], name="audits_sample_once"),
            models.CheckConstraint(
                condition=Q(status="proposed") | ~Q(status_reason=""),
                name="audits_sample_change_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child} in {self.cycle}"


class PoolKind(models.TextChoices):
    AUDITOR = "auditor", "Auditors"
    MODERATOR = "moderator", "Moderators"


class PoolMember(models.Model):
    kind = models.CharField(max_length=10, choices=PoolKind.choices)
    staff = models.ForeignKey(
        "organisation.Staff", on_delete=models.PROTECT, related_name="audit_pools"
    )
    trained_on = models.DateField(null=True, blank=True)
    monthly_capacity = models.PositiveSmallIntegerField(default=2)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "staff__family_name", "staff__given_name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "staff"], name="audits_pool_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.staff} ({self.get_kind_display()})"


class AuditStatus(models.TextChoices):
    ALLOCATED = "allocated", "Allocated"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned to the auditor"
    IN_MODERATION = "in_moderation", "In moderation"
    FINALISED = "finalised", "Finalised"
    CANCELLED = "cancelled", "Cancelled"


# Named sets of audit states (the workflows and permissions read them; so do queries).
# Final: nothing changes an audit after that.
AUDIT_FINAL = frozenset({AuditStatus.FINALISED, AuditStatus.CANCELLED})
# The auditor may still change what they wrote (open the form, add actions).
AUDITOR_EDITABLE = frozenset({AuditStatus.ALLOCATED, AuditStatus.IN_PROGRESS, AuditStatus.RETURNED})
# Submitted at least once and not cancelled: the moderator, the practitioner and the team's managers
# may read it, and the practitioner may reflect on it.
AUDIT_SHARED = frozenset(
    {
        AuditStatus.SUBMITTED,
        AuditStatus.RETURNED,
        AuditStatus.IN_MODERATION,
        AuditStatus.FINALISED,
    }
)
# Waiting for, or in, moderation.
AWAITING_MODERATION = frozenset({AuditStatus.SUBMITTED, AuditStatus.IN_MODERATION})


class ConcernDecision(models.TextChoices):
    RAISED = "raised", "Concern raised"
    DECLINED = "declined", "No concern raised"


class Audit(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="audits")
    sampled_case = models.OneToOneField(SampledCase, on_delete=models.PROTECT, related_name="audit")
    child = models.ForeignKey("cases.Child", on_delete=models.PROTECT, related_name="audits")
    involvement = models.ForeignKey("cases.Involvement", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("organisation.Team", on_delete=models.PROTECT, related_name="audits")
    # The allocated worker when the cycle was committed: they may read the audit and reflect.
    practitioner = models.ForeignKey(
        "organisation.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audits_of_own_work",
    )
    auditor = models.ForeignKey(
        "organisation.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audits_as_auditor",
    )
    moderator = models.ForeignKey(
        "organisation.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audits_as_moderator",
    )
    due_date = models.DateField()
    moderation_due_date = models.DateField()
    status = models.CharField(
        max_length=15, choices=AuditStatus.choices, default=AuditStatus.ALLOCATED
    )
    # The filled tool (the tools engine's form); a returned audit gets a fresh draft.
    form = models.ForeignKey(
        "tools.FormResponse", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The grades as submitted by the auditor (section key -> grade), kept for moderation and
    # agreement statistics; the filled form itself is the tools engine's FormResponse.
    submitted_section_grades = models.JSONField(default=dict, blank=True)
    submitted_overall_grade = models.CharField(max_length=40, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    # An Inadequate grade proposes a concern (an escalation): the auditor raises it (the
    # escalation points back to this audit) or declines it with a reason. Once per audit.
    concern_decision = models.CharField(
        max_length=10, choices=ConcernDecision.choices, blank=True, default=""
    )
    concern_decline_reason = models.TextField(blank=True)
    concern_decided_at = models.DateTimeField(null=True, blank=True)
    row_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["cycle", "status"]),
            models.Index(fields=["auditor", "status"]),
            models.Index(fields=["moderator", "status"]),
            models.Index(fields=["status", "due_date"]),
        ]

    def __str__(self) -> str:
        return f"Audit {self.pk} of {self.child_id}"

    @property
    def reference(self) -> str:
        return f"A-{self.pk:05d}"

    def inadequate_parts(self) -> list[str]:
        """Which submitted grades are Inadequate (section keys, then "overall"): any one
        proposes a concern (an escalation)."""
        parts = [k for k, grade in self.submitted_section_grades.items() if grade == "inadequate"]
        if self.submitted_overall_grade == "inadequate":
            parts.append("overall")
        return parts


class AuditTransition(models.Model):
    """One change of an audit's status: append-only history."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=15, blank=True)
    to_status = models.CharField(max_length=15)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} -> {self.to_status}"


class AllocationRole(models.TextChoices):
    AUDITOR = "auditor", "Auditor"
    MODERATOR = "moderator", "Moderator"


class AllocationChange(models.Model):
    """A change of auditor or moderator made by hand, with its reason."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="allocation_changes")
    role = models.CharField(max_length=10, choices=AllocationRole.choices)
    from_staff = models.ForeignKey(
        "organisation.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_staff = models.ForeignKey("organisation.Staff", on_delete=models.PROTECT, related_name="+")
    overrides_rule = models.BooleanField(default=False)
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.role} changed on audit {self.audit_id}"


class Reflection(models.Model):
    """A practitioner's (or their team manager's) reflection on an audit of their work."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="reflections")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Reflection on audit {self.audit_id}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"
    MODERATION_DUE_SOON = "moderation_due_soon", "Moderation due soon"


class AuditReminder(models.Model):
    """A reminder sent, so the daily sweep sends each one once."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=25, choices=ReminderKind.choices)
    sent_at = models.DateTimeField()
    recipients = models.CharField(max_length=500)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["audit", "kind"], name="audits_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder for audit {self.audit_id}"


class ActionCheck(models.TextChoices):
    DONE = "done", "Done"
    NOT_DONE = "not_done", "Not done"
    NOT_YET_DUE = "not_yet_due", "Not yet due"


class ModerationOutcome(models.TextChoices):
    AGREED = "agreed", "Agreed"
    UPGRADED = "upgraded", "Upgraded"
    DOWNGRADED = "downgraded", "Downgraded"


class ModerationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    FINALISED = "finalised", "Finalised"


class Moderation(models.Model):
    audit = models.OneToOneField(Audit, on_delete=models.PROTECT, related_name="moderation")
    moderator = models.ForeignKey(
        "organisation.Staff", on_delete=models.PROTECT, related_name="moderations"
    )
    meeting_date = models.DateField(null=True, blank=True)
    attendees = models.TextField(blank=True)
    # section key -> {"grade": moderator's grade, "reason": why it differs (blank if agreed)}
    section_grades = models.JSONField(default=dict, blank=True)
    overall_grade = models.CharField(max_length=40, blank=True)
    overall_reason = models.TextField(blank=True)
    # action id (str) -> ActionCheck value
    action_checks = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    outcome = models.CharField(max_length=12, choices=ModerationOutcome.choices, blank=True)
    status = models.CharField(
        max_length=10, choices=ModerationStatus.choices, default=ModerationStatus.DRAFT
    )
    finalised_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    row_version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"Moderation of audit {self.audit_id}"


class Triad(models.Model):
    """Two managers and a QA member discuss why auditor and moderator grades differed."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="triads")
    audits = models.ManyToManyField(Audit, related_name="triads")
    manager_one = models.ForeignKey(
        "organisation.Staff", on_delete=models.PROTECT, related_name="+"
    )
    manager_two = models.ForeignKey(
        "organisation.Staff", on_delete=models.PROTECT, related_name="+"
    )
    qa_member = models.ForeignKey("organisation.Staff", on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    discussion = models.TextField()
    variance_reasons = models.TextField()
    learning = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"Triad on {self.date:%d/%m/%Y}"


class AppreciativeInquiry(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="inquiries")
    team = models.ForeignKey("organisation.Team", on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    went_well = models.TextField("what went well")
    made_it_work = models.TextField("what made it work")
    better_next_time = models.TextField("what could be better next time")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name_plural = "appreciative inquiries"

    def __str__(self) -> str:
        return f"Appreciative inquiry with {self.team} on {self.date:%d/%m/%Y}"
