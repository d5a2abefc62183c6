"""The case register: children and their involvements with services."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    UNKNOWN = "U", "Not known"


class Child(models.Model):
    """A child or young person known to children's services. Special-category data."""

    council_child_id = models.CharField("council child ID", max_length=40, unique=True)
    given_name = models.CharField(max_length=80, blank=True)
    family_name = models.CharField(max_length=80, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity = models.CharField(
        max_length=8, blank=True, help_text="DfE ethnicity code, e.g. WBRI"
    )
    disability = models.BooleanField(default=False)
    uasc = models.BooleanField("unaccompanied asylum-seeking child", default=False)
    on_vulnerability_register = models.BooleanField(
        "on the QA vulnerability register", default=False
    )
    vulnerability_reason = models.CharField(max_length=400, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["council_child_id"]
        verbose_name_plural = "children"
        constraints = [
            models.CheckConstraint(
                condition=Q(on_vulnerability_register=False) | ~Q(vulnerability_reason=""),
                name="vulnerability_register_needs_reason",
            )
        ]

    def __str__(self) -> str:
        return self.council_child_id

    @property
    def display_name(self) -> str:
        name = f"{self.given_name} {self.family_name}".strip()
        return name or f"Child {self.council_child_id}"


class InvolvementKind(models.TextChoices):
    EARLY_HELP = "early_help", "Early help"
    CIN = "cin", "Child in need"
    CP = "cp", "Child protection"
    CHILD_IN_CARE = "child_in_care", "Child in care"
    CARE_LEAVER = "care_leaver", "Care leaver"
    YOUTH_JUSTICE = "youth_justice", "Youth justice"
    SEN = "sen", "Special educational needs"
    ADOPTION = "adoption", "Adoption"


class Involvement(models.Model):
    """A period of a child's involvement with a service, held by a team."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="involvements")
    kind = models.CharField(max_length=20, choices=InvolvementKind.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    team = models.ForeignKey(
        "organisation.Team", on_delete=models.PROTECT, related_name="involvements"
    )
    allocated_worker = models.ForeignKey(
        "organisation.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="allocated_involvements",
    )
    # The CP chair (child protection) or IRO (child in care) who reviews this plan.
    independent_reviewer = models.ForeignKey(
        "organisation.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_involvements",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="involvement_ends_after_start",
            )
        ]
        indexes = [
            models.Index(fields=["team", "end_date"]),
            models.Index(fields=["allocated_worker", "end_date"]),
            models.Index(fields=["independent_reviewer", "end_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.start_date:%d/%m/%Y}"


class EventKind(models.TextChoices):
    """The case events the importers record and the KPIs read (docs/case-data-import.md)."""

    CONTACT = "contact", "Contact"
    EARLY_HELP = "early_help", "Early help episode"
    REFERRAL = "referral", "Referral"
    ASSESSMENT = "assessment", "Assessment"
    SECTION_47 = "section_47", "Section 47 enquiry"
    ICPC = "icpc", "Initial child protection conference"
    CIN_PLAN = "cin_plan", "Child in need plan"
    CP_PLAN = "cp_plan", "Child protection plan"
    CP_VISIT = "cp_visit", "Child protection visit"
    CP_REVIEW = "cp_review", "Child protection review conference"
    CIC_EPISODE = "cic_episode", "Child in care episode"
    PLACEMENT = "placement", "Placement"
    CIC_VISIT = "cic_visit", "Child in care visit"
    CIC_REVIEW = "cic_review", "Child in care review"
    CARE_LEAVER = "care_leaver", "Care leaver"
    ADOPTION = "adoption", "Adoption"


class CaseEvent(models.Model):
    """One dated event in a child's case history, as imported from a case-management extract.

    One table for every kind keeps the importers and the KPIs simple. What the generic
    columns hold for each kind is listed in docs/case-data-import.md:
    start_date  the event's date (referral date, assessment start, strategy discussion...)
    end_date    when it ended (assessment authorised, plan ended, episode ceased)
    linked_date a second date the KPIs need (ICPC date for a section 47 enquiry)
    code        its category (category of abuse, placement type, referral source...)
    flag        a yes/no outcome (referral NFA, child seen alone, ICPC led to a plan)
    number      a count the source states (previous CP plans, placements in 12 months)
    previous_start  derived, never imported: the start date of the child's latest earlier event
                of the same kind (None for the first). The re-referral and repeat-plan KPIs
                read it instead of searching each child's history per row; every write path
                calls qaf.cases.history.case_event_previous_refresh for the children it touched.
    Re-importing is idempotent: an event is keyed on child + kind + start date + source_key
    (the source's own ID where it has one, otherwise empty).
    """

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    start_date = models.DateField()
    source_key = models.CharField(max_length=60, blank=True, default="")
    end_date = models.DateField(null=True, blank=True)
    linked_date = models.DateField(null=True, blank=True)
    code = models.CharField(max_length=20, blank=True, default="")
    flag = models.BooleanField(null=True, blank=True)
    number = models.PositiveIntegerField(null=True, blank=True)
    previous_start = models.DateField(null=True, blank=True, editable=False)
    team = models.ForeignKey(
        "organisation.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case_events",
    )
    worker = models.ForeignKey(
        "organisation.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case_events",
    )
    imported_by = models.ForeignKey(
        "CaseImport", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["child", "kind", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "kind", "start_date", "source_key"], name="case_event_key"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="case_event_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "start_date"]),
            # Covering on PostgreSQL (SQLite ignores include): the scorecard's "open at each
            # month end" scans read plans and episodes from the index alone.
            models.Index(
                fields=["kind", "end_date"],
                include=["start_date", "child", "team", "worker"],
                name="case_event_kind_end_cover",
            ),
            models.Index(fields=["team", "kind", "start_date"]),
            models.Index(fields=["worker", "kind", "start_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.start_date:%d/%m/%Y}"


class ImportFormat(models.TextChoices):
    ANNEX_A = "annex-a", "Ofsted Annex A workbook (xlsx)"
    SSDA903 = "ssda903", "DfE SSDA903 return (CSV set in a zip, or XML)"
    CIN = "cin", "DfE CIN census (XML)"
    CSV = "csv", "QAF case events (CSV)"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Importing"
    SUCCEEDED = "succeeded", "Imported"
    CHECKED = "checked", "Checked (dry run, nothing written)"
    REFUSED = "refused", "Refused"


class CaseImport(models.Model):
    """The history of case-data imports: who, when, which file, what it did."""

    file_name = models.CharField(max_length=255)
    format = models.CharField(max_length=10, choices=ImportFormat.choices)
    dry_run = models.BooleanField(default=False)
    by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(max_length=10, default="page")  # page or command
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    size_bytes = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    # The uploaded file, kept only until the background task has read it.
    payload = models.BinaryField(null=True, blank=True, editable=False)
    counts = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    message = models.CharField(max_length=500, blank=True)
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in {ImportStatus.SUCCEEDED, ImportStatus.CHECKED, ImportStatus.REFUSED}

    @property
    def summary_rows(self) -> list[tuple[str, object]]:
        labels = (
            ("rows_read", "Rows read"),
            ("children_created", "Children added"),
            ("children_updated", "Children updated"),
            ("children_unchanged", "Children unchanged"),
            ("events_created", "Case events added"),
            ("events_updated", "Case events updated"),
            ("events_unchanged", "Case events unchanged"),
            ("involvements_created", "Involvements added"),
            ("involvements_updated", "Involvements updated"),
        )
        return [(label, self.counts.get(key, 0)) for key, label in labels]
