"""The council's structure: services, areas, districts, teams and staff."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class Service(models.Model):
    """A children's service, e.g. children's social work or early help."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    name = models.CharField(max_length=120, unique=True)
    assistant_director = models.ForeignKey(
        "Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="areas_directed"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="districts")
    name = models.CharField(max_length=120, unique=True)
    service_manager = models.ForeignKey(
        "Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="districts_managed"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamKind(models.TextChoices):
    SOCIAL_WORK = "social_work", "Social work team"
    EARLY_HELP = "early_help", "Early help unit"
    CHILDREN_IN_CARE = "children_in_care", "Children in care team"
    CARE_LEAVERS = "care_leavers", "Care leavers team"
    YOUTH_JUSTICE = "youth_justice", "Youth justice team"
    ADOPTION = "adoption", "Adoption and kinship team"
    DISABLED_CHILDREN = "disabled_children", "Disabled children's team"
    SEND = "send", "SEND team"
    FRONT_DOOR = "front_door", "Front door (triage and MASH)"
    OPEN_ACCESS = "open_access", "Children's centre or youth hub"
    QUALITY_ASSURANCE = "quality_assurance", "Quality assurance unit"


class Team(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=30, choices=TeamKind.choices)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="teams")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="teams")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class JobRole(models.TextChoices):
    """Job roles from DOMAIN.md. The job role describes the person; the account role decides access."""

    SOCIAL_WORKER = "social_worker", "Social worker"
    EARLY_HELP_WORKER = "early_help_worker", "Early help worker"
    PRACTITIONER = "practitioner", "Practitioner"
    TEAM_MANAGER = "team_manager", "Team manager"
    SERVICE_MANAGER = "service_manager", "Service manager"
    ASSISTANT_DIRECTOR = "assistant_director", "Assistant director"
    DIRECTOR = "director", "Director"
    QA_MANAGER = "qa_manager", "QA manager"
    PRACTICE_DEVELOPMENT_MANAGER = "practice_development_manager", "Practice development manager"
    STANDARDS_OFFICER = "standards_officer", "Standards officer"
    PRINCIPAL_SOCIAL_WORKER = "principal_social_worker", "Principal social worker"
    DATA_ANALYST = "data_analyst", "Data analyst"
    CP_CHAIR = "cp_chair", "Child protection chair"
    IRO = "iro", "Independent reviewing officer"


class Staff(models.Model):
    staff_id = models.CharField("staff ID", max_length=40, unique=True)
    given_name = models.CharField(max_length=80)
    family_name = models.CharField(max_length=80)
    email = models.EmailField(blank=True)
    job_role = models.CharField(max_length=40, choices=JobRole.choices)
    line_manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "staff"

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class TeamMembership(models.Model):
    """A person's membership of a team over time; an open end date means current."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_ends_after_start",
            )
        ]
        indexes = [models.Index(fields=["team", "end_date"])]

    def __str__(self) -> str:
        return f"{self.staff} in {self.team}"


class ImportOutcome(models.TextChoices):
    IMPORTED = "imported", "Imported"
    CHECKED = "checked", "Checked without importing"
    REFUSED = "refused", "Refused"


class ImportRun(models.Model):
    """One attempt to load the organisation from an HR extract: who, when, which file, what happened.

    Holds counts only, never the file or any person's details from it.
    """

    started_at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organisation_imports",
    )
    via_command = models.BooleanField(default=False)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=ImportOutcome.choices)
    rows_read = models.PositiveIntegerField(default=0)
    staff_created = models.PositiveIntegerField(default=0)
    staff_updated = models.PositiveIntegerField(default=0)
    staff_unchanged = models.PositiveIntegerField(default=0)
    memberships_opened = models.PositiveIntegerField(default=0)
    memberships_closed = models.PositiveIntegerField(default=0)
    teams_created = models.PositiveIntegerField(default=0)
    not_in_extract = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    problems = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_outcome_display()})"
