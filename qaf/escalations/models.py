"""Escalations (safeguarding and practice concerns), practice reviews, closure days."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q


class ClosureDay(models.Model):
    """A day the council is closed (e.g. the days between Christmas and New Year).

    Closure days do not count as working days for any deadline; bank holidays come
    from the shipped GOV.UK data and are never entered here.
    """

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} ({self.reason})"


class EscalationKind(models.TextChoices):
    SAFEGUARDING = "safeguarding", "Safeguarding concern"
    PRACTICE = "practice", "Practice concern"


class EscalationStatus(models.TextChoices):
    RAISED = "raised", "Raised"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACTIONS_AGREED = "actions_agreed", "Actions agreed"
    ACTIONS_ON_FILE = "actions_on_file", "Actions on file"
    SIGNED_OFF = "signed_off", "Signed off"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


# Groupings the selectors and the dashboard count by (the workflow itself is workflows.py).
BEFORE_SIGN_OFF = frozenset(
    {
        EscalationStatus.RAISED,
        EscalationStatus.ACKNOWLEDGED,
        EscalationStatus.ACTIONS_AGREED,
        EscalationStatus.ACTIONS_ON_FILE,
    }
)
OPEN_STATES = BEFORE_SIGN_OFF | {EscalationStatus.SIGNED_OFF}
FINISHED_STATES = frozenset({EscalationStatus.CLOSED, EscalationStatus.CANCELLED})


class EscalationSource(models.TextChoices):
    AUDIT = "audit", "Case audit"
    CP_CHAIR = "cp_chair", "Child protection chair"
    IRO = "iro", "Independent reviewing officer"
    OBSERVATION = "observation", "Practice observation"
    FEEDBACK = "feedback", "Feedback"
    MANUAL = "manual", "Raised directly"


class Escalation(models.Model):
    child = models.ForeignKey("cases.Child", on_delete=models.PROTECT, related_name="escalations")
    kind = models.CharField(max_length=20, choices=EscalationKind.choices)
    status = models.CharField(
        max_length=20, choices=EscalationStatus.choices, default=EscalationStatus.RAISED
    )
    source = models.CharField(max_length=20, choices=EscalationSource.choices)
    # What raised it (an audit, a practice review ...): an optional generic reference.
    reference_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reference_id = models.CharField(max_length=40, blank=True)
    reason = models.TextField()
    # Routing, fixed when raised from the child's open involvement.
    district = models.ForeignKey(
        "organisation.District", null=True, on_delete=models.PROTECT, related_name="escalations"
    )
    team = models.ForeignKey(
        "organisation.Team", null=True, on_delete=models.PROTECT, related_name="escalations"
    )
    practitioner = models.ForeignKey(
        "organisation.Staff", null=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="escalations_raised"
    )
    raised_at = models.DateTimeField()
    # The deadline: the end (in Europe/London) of the Nth working day after the day raised.
    deadline_on = models.DateField()
    deadline_at = models.DateTimeField()
    signed_off_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline_at", "pk"]
        indexes = [
            models.Index(fields=["status", "deadline_at"]),
            models.Index(fields=["district", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} E{self.pk}"

    @property
    def reference_code(self) -> str:
        return f"E{self.pk}"


class EscalationStep(models.Model):
    """One timestamped step of an escalation: who moved it, when, and what they recorded."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, choices=EscalationStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=EscalationStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.escalation} {self.action}"


class SecondPersonRequestKind(models.TextChoices):
    DOWNGRADE = "downgrade", "Downgrade to a practice concern"
    CLOSE_WITHOUT_SIGN_OFF = "close_without_sign_off", "Close without sign-off"
    CANCEL = "cancel", "Cancel the safeguarding concern"


class SecondPersonDecision(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class SecondPersonRequest(models.Model):
    """A change that needs a second authorised person: asked by one, decided by another."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(max_length=30, choices=SecondPersonRequestKind.choices)
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decision = models.CharField(
        max_length=10, choices=SecondPersonDecision.choices, default=SecondPersonDecision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["escalation"],
                condition=Q(decision="pending"),
                name="one_pending_second_person_request",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="second_person_is_not_the_requester",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.escalation}"


class ReminderKind(models.TextChoices):
    OVERDUE_SERVICE_MANAGER = "overdue_sm", "Overdue: reminder to the service manager"
    OVERDUE_ASSISTANT_DIRECTOR = "overdue_ad", "Overdue: notice to the assistant director"


class EscalationReminder(models.Model):
    """A reminder already sent, so the sweep sends each one exactly once."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["escalation", "kind"], name="one_reminder_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.escalation}"


class ReviewKind(models.TextChoices):
    CP_CONFERENCE = "cp_conference", "Child protection conference"
    CIC_REVIEW = "cic_review", "Child in care review"
    MIDWAY_REVIEW = "midway_review", "Mid-way review"


class PracticeGrade(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


class PracticeReview(models.Model):
    """A CP chair's or IRO's quality assurance of practice after a conference or review."""

    child = models.ForeignKey(
        "cases.Child", on_delete=models.PROTECT, related_name="practice_reviews"
    )
    # The plan (CP or child in care involvement) a mid-way review is recorded against.
    involvement = models.ForeignKey(
        "cases.Involvement", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer = models.ForeignKey(
        "organisation.Staff", on_delete=models.PROTECT, related_name="practice_reviews"
    )
    practitioner = models.ForeignKey(
        "organisation.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    meeting_date = models.DateField()
    kind = models.CharField(max_length=20, choices=ReviewKind.choices)
    # Blank while the reviewer's QA form (below) is still a draft.
    grade = models.CharField(max_length=30, choices=PracticeGrade.choices, blank=True)
    notes = models.TextField(blank=True)
    # The QA form from the tool library (cp-chair-post-conference-qa, iro-post-review-qa) the
    # reviewer fills in; None for reviews recorded with the earlier simple form.
    form = models.OneToOneField(
        "tools.FormResponse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="practice_review",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    # Inadequate practice: the practice alert raised (an escalation).
    alert = models.OneToOneField(
        Escalation, null=True, blank=True, on_delete=models.PROTECT, related_name="practice_review"
    )

    class Meta:
        ordering = ["-meeting_date", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.meeting_date:%d/%m/%Y}"

    @property
    def is_draft(self) -> bool:
        """Started on the QA form and not yet submitted (so no grade yet)."""
        return not self.grade


class PracticeAppreciation(models.Model):
    """Outstanding practice found by a CP chair or IRO, sent to the practitioner and manager."""

    review = models.OneToOneField(
        PracticeReview, on_delete=models.CASCADE, related_name="appreciation"
    )
    practitioner = models.ForeignKey(
        "organisation.Staff", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    line_manager = models.ForeignKey(
        "organisation.Staff", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField()
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Practice appreciation for {self.review}"
