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
