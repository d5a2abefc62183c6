"""Feedback: survey requests and open links, the responses, safety alerts, complaints.

Tokens are never stored: a request or open link holds the SHA-256 of its token
(``token_hash``). Answers are stored exactly as given, against the survey's pinned tool
version (qaf.tools). A response is linked to a child only when the person agreed.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from qaf.common import clock


class Audience(models.TextChoices):
    CHILD_7_11 = "child_7_11", "Child aged 7 to 11"
    CHILD_11_16 = "child_11_16", "Young person aged 11 to 16"
    YOUNG_PERSON_16_21 = "young_person_16_21", "Young person aged 16 to 21"
    PARENT_CARER = "parent_carer", "Parent or carer"
    PARTNER = "partner", "Partner agency"
    STAFF = "staff", "Staff"


CHILD_AUDIENCES = frozenset(
    {Audience.CHILD_7_11, Audience.CHILD_11_16, Audience.YOUNG_PERSON_16_21}
)
# Audiences whose answers are checked by the safety trigger (docs/feedback.md).
SAFETY_CHECKED_AUDIENCES = CHILD_AUDIENCES | {Audience.PARENT_CARER}
# Audiences about one child: the request names the child (a parent answers about their family).
CHILD_LINKED_AUDIENCES = CHILD_AUDIENCES | {Audience.PARENT_CARER}

# The longest free text kept: an answer, a complaint's summary, what was done about an alert.
MAX_TEXT = 5000

SURVEY_TOOLS: dict[str, str] = {
    Audience.CHILD_7_11: "children-7-11-survey",
    Audience.CHILD_11_16: "children-11-16-survey",
    Audience.YOUNG_PERSON_16_21: "young-people-16-21-survey",
    Audience.PARENT_CARER: "parents-carers-survey",
    Audience.PARTNER: "partner-agency-survey",
    Audience.STAFF: "staff-pulse-survey",
}


class Mode(models.TextChoices):
    ONLINE = "online", "Online"
    TELEPHONE = "telephone", "Telephone survey"
    PAPER = "paper_transcribed", "Paper form, transcribed"


class Delivery(models.TextChoices):
    LINK = "link", "Link and QR code to give or print"
    EMAIL = "email", "Email"


class RequestStatus(models.TextChoices):
    """Where a single-use link is (feedback.workflows): worked out from when it was used and when
    it expires, not stored."""

    WAITING = "waiting", "Waiting for an answer"
    ANSWERED = "answered", "Answered"
    EXPIRED = "expired", "Expired"


class FeedbackRequest(models.Model):
    """One single-use survey link for one person (or one staff group member)."""

    audience = models.CharField(max_length=30, choices=Audience.choices)
    tool_version = models.ForeignKey(
        "tools.ToolVersion", on_delete=models.PROTECT, related_name="+"
    )
    child = models.ForeignKey(
        "cases.Child", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "organisation.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        "organisation.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.CharField(max_length=200, blank=True)  # e.g. "Head teacher, Oak Primary"
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.LINK)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="feedback_requests"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Feedback request F{self.pk}"

    @property
    def reference_code(self) -> str:
        return f"F{self.pk}"

    def status_at(self, now: dt.datetime) -> str:
        if self.used_at is not None:
            return RequestStatus.ANSWERED
        if self.expires_at <= now:
            return RequestStatus.EXPIRED
        return RequestStatus.WAITING

    @property
    def status(self) -> str:
        return self.status_at(clock.now())


class OpenLinkStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class OpenLink(models.Model):
    """A published, reusable link (poster, leaflet QR code) answered anonymously by anyone.

    The token is public by design (it is printed on posters), so it is kept to print again;
    lookups still go through its hash like a request's."""

    title = models.CharField(max_length=160)  # where it is published, e.g. "Riverside youth hub"
    audience = models.CharField(max_length=30, choices=Audience.choices)
    tool_version = models.ForeignKey(
        "tools.ToolVersion", on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "organisation.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        "organisation.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    is_open = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def status(self) -> str:
        return OpenLinkStatus.OPEN if self.is_open else OpenLinkStatus.CLOSED


class Anonymity(models.TextChoices):
    NAMED = "named", "Linked to my record (I agree)"
    ANONYMOUS = "anonymous", "Anonymous"


class FeedbackResponse(models.Model):
    audience = models.CharField(max_length=30, choices=Audience.choices)
    tool_version = models.ForeignKey(
        "tools.ToolVersion", on_delete=models.PROTECT, related_name="+"
    )
    request = models.OneToOneField(
        FeedbackRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="response"
    )
    open_link = models.ForeignKey(
        OpenLink, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    # Set only when the person agreed to link their answers to the child's record.
    child = models.ForeignKey(
        "cases.Child", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "organisation.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        "organisation.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answers = models.JSONField(default=dict)
    anonymity = models.CharField(max_length=10, choices=Anonymity.choices)
    consent_to_link = models.BooleanField(default=False)
    consent_to_quote = models.BooleanField(default=False)  # words may be quoted, without a name
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.ONLINE)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A random key the form carries, so a retried submission is recognised and not stored twice.
    submission_key = models.CharField(max_length=64, unique=True)
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["audience", "submitted_at"])]

    def __str__(self) -> str:
        return f"Feedback response R{self.pk}"

    @property
    def reference_code(self) -> str:
        return f"R{self.pk}"


class AlertRoute(models.TextChoices):
    TEAM = "team", "The child's allocated team (escalation raised)"
    DUTY_INBOX = "duty_inbox", "QA unit duty inbox"


class AlertStatus(models.TextChoices):
    NEEDS_ACTION = "needs_action", "Needs action now"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"


class SafetyAlert(models.Model):
    """A safeguarding concern a response raised: exactly one per response."""

    response = models.OneToOneField(
        FeedbackResponse, on_delete=models.PROTECT, related_name="safety_alert"
    )
    reasons = models.JSONField(default=list)
    route = models.CharField(max_length=20, choices=AlertRoute.choices)
    escalation = models.ForeignKey(
        "escalations.Escalation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    action_taken = models.TextField(blank=True)

    class Meta:
        ordering = ["acknowledged_at", "-raised_at"]

    def __str__(self) -> str:
        return f"Safety alert S{self.pk}"

    @property
    def reference_code(self) -> str:
        return f"S{self.pk}"

    @property
    def status(self) -> str:
        return AlertStatus.ACKNOWLEDGED if self.acknowledged_at else AlertStatus.NEEDS_ACTION


class SubmissionEvent(models.Model):
    """One accepted-looking submission on an open link, for the sliding-window rate limit.
    The client is kept only as a keyed hash of its address; rows older than a day are pruned."""

    open_link = models.ForeignKey(OpenLink, on_delete=models.CASCADE, related_name="+")
    client_hash = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["client_hash", "at"]),
            models.Index(fields=["open_link", "at"]),
        ]

    def __str__(self) -> str:
        return f"Submission on {self.open_link_id} at {self.at:%Y-%m-%d %H:%M}"


class FeedbackKind(models.TextChoices):
    COMPLAINT = "complaint", "Complaint"
    COMPLIMENT = "compliment", "Compliment"


class ComplaintCategory(models.TextChoices):
    COMMUNICATION = "communication", "Communication"
    DECISION = "decision", "A decision"
    DELAY = "delay", "Delay"
    STAFF_CONDUCT = "staff_conduct", "Staff conduct"
    SERVICE_QUALITY = "service_quality", "Quality of service"
    CHANGE_OF_WORKER = "change_of_worker", "Change of worker"
    OTHER = "other", "Other"


class ComplaintOutcome(models.TextChoices):
    OPEN = "", "Not decided yet"
    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"
    WITHDRAWN = "withdrawn", "Withdrawn"
    ACKNOWLEDGED = "acknowledged", "Acknowledged (compliment)"


class ComplaintEntry(models.Model):
    """One complaint or compliment in the log (no names: a summary only)."""

    kind = models.CharField(max_length=12, choices=FeedbackKind.choices)
    received_on = models.DateField()
    service = models.ForeignKey(
        "organisation.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "organisation.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(max_length=30, choices=ComplaintCategory.choices)
    summary = models.TextField()
    outcome = models.CharField(max_length=20, choices=ComplaintOutcome.choices, blank=True)
    learning = models.TextField(blank=True)
    response_due_on = models.DateField(null=True, blank=True)
    responded_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} C{self.pk}"

    @property
    def reference_code(self) -> str:
        return f"C{self.pk}"

    @property
    def within_timescale(self) -> bool | None:
        """None while not yet responded to or when no response is due (compliments)."""
        if self.response_due_on is None or self.responded_on is None:
            return None
        return self.responded_on <= self.response_due_on
