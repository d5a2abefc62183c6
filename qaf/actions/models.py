"""Actions (recommendations) with owners and due dates, action plans, meetings and action logs."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionSource(models.TextChoices):
    AUDIT = "audit", "Case audit"
    MODERATION = "moderation", "Moderation"
    ESCALATION = "escalation", "Escalation"
    PRACTICE_ALERT = "practice_alert", "Practice alert"
    MEETING = "meeting", "Meeting or board"
    THEMATIC = "thematic", "Thematic audit"
    COA = "coa", "Child's own assessment (COA)"
    MANUAL = "manual", "Added directly"


class PlanKind(models.TextChoices):
    SERVICE_IMPROVEMENT = "service_improvement", "Service improvement plan"
    MULTI_AGENCY = "multi_agency", "Multi-agency action plan"
    COA_NEXT_STEPS = "coa_next_steps", "COA next steps plan"


class ActionPlan(models.Model):
    kind = models.CharField(max_length=30, choices=PlanKind.choices)
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        "organisation.Staff", on_delete=models.PROTECT, related_name="action_plans"
    )
    service = models.ForeignKey(
        "organisation.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        "organisation.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class MeetingKind(models.TextChoices):
    QA_BOARD = "qa_board", "QA board"
    PRACTICE_BOARD = "practice_board", "Practice board"
    REGIONAL_QA_LEADS = "regional_qa_leads", "Regional QA leads"
    GETTING_TO_OUTSTANDING = "getting_to_outstanding", "Getting to outstanding"


class Meeting(models.Model):
    kind = models.CharField(max_length=30, choices=MeetingKind.choices)
    date = models.DateField()
    minutes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "date"], name="one_meeting_per_kind_and_day")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {self.date:%d %B %Y}"


class Action(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        "organisation.Staff", on_delete=models.PROTECT, related_name="actions"
    )
    # The owner's team when the action was set: for "overdue by team", service and area.
    team = models.ForeignKey(
        "organisation.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField()
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    evidence = models.TextField("evidence of completion", blank=True)
    source = models.CharField(max_length=20, choices=ActionSource.choices)
    reference_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reference_id = models.CharField(max_length=40, blank=True)
    child = models.ForeignKey(
        "cases.Child", null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    plan = models.ForeignKey(
        ActionPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    item_number = models.PositiveIntegerField(null=True, blank=True)
    item_letter = models.CharField(max_length=2, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    effectiveness_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    effectiveness_checked_at = models.DateTimeField(null=True, blank=True)
    effectiveness_note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["status", "due_date"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "item_number", "item_letter"],
                condition=Q(meeting__isnull=False),
                name="one_action_per_log_reference",
            ),
            models.CheckConstraint(
                condition=Q(meeting__isnull=True) | Q(item_number__isnull=False),
                name="meeting_action_has_item_number",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def log_reference(self) -> str:
        """The action log number, e.g. "3b"; empty for actions not from a meeting."""
        if self.item_number is None:
            return ""
        return f"{self.item_number}{self.item_letter}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ActionReminder(models.Model):
    """An overdue reminder already sent for an action and due date: sent once each."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="reminders")
    due_date = models.DateField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "due_date"], name="one_reminder_per_due_date")
        ]

    def __str__(self) -> str:
        return f"Reminder for {self.action}"
