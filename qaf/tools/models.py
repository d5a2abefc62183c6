"""Audit tools as versioned data, and the filled forms (responses) every workflow reuses.

A `ToolVersion` holds one version's YAML exactly as uploaded and its parsed definition
(`ToolDefinition.to_dict()`). Once published or retired its source and definition never change:
services refuse, and `save()` refuses too when the stored row is no longer a draft.

A `FormResponse` is one filled form, pinned to the version it was started on. Answers are stored
per question key. `row_version` is the optimistic-concurrency counter: every save passes the
version it read, and a stale one is a conflict (services.FormResponseConflict).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from qaf.common.errors import Conflict

from .definition import ToolDefinition, parse_definition


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class Tool(models.Model):
    """A tool is identified by its stable key; its title, kind and services follow the version
    new forms use (the highest published one), or, before one is published, the newest draft.
    Each version keeps its own title (`ToolVersion.title`) whatever happens to the others."""

    key = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=40)
    services = models.JSONField(default=list, blank=True)  # a list of service keys, or "all"
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ToolVersion(models.Model):
    tool = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)  # this version's own title, from its definition
    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    source_yaml = models.TextField()
    definition_data = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["tool__title", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "version"], name="tools_unique_tool_version"),
        ]

    def __str__(self) -> str:
        return f"{self.title}, version {self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = (
                ToolVersion.objects.filter(pk=self.pk)
                .values("status", "title", "source_yaml", "definition_data")
                .first()
            )
            if (
                stored is not None
                and stored["status"] != VersionStatus.DRAFT
                and (
                    stored["source_yaml"] != self.source_yaml
                    or stored["definition_data"] != self.definition_data
                    or stored["title"] != self.title
                )
            ):
                raise Conflict(
                    f"Version {self.version} is {stored['status']}: its definition can "
                    "never change. Upload a new version instead."
                )
        super().save(*args, **kwargs)

    @cached_property
    def definition(self) -> ToolDefinition:
        """The parsed definition (from the stored source: the definition it was validated as)."""
        return _parsed(self.source_yaml)


_PARSED: dict[str, ToolDefinition] = {}


def _parsed(source: str) -> ToolDefinition:
    """Parsing is pure and versions are immutable once used, so parsed text is kept by content."""
    found = _PARSED.get(source)
    if found is None:
        if len(_PARSED) > 200:
            _PARSED.clear()
        found = _PARSED[source] = parse_definition(source)
    return found


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class FormResponse(models.Model):
    """One filled form. `purpose` says which workflow owns it ("practice" for a QA officer's
    trial of a tool); later workflows link to it from their own models."""

    tool_version = models.ForeignKey(ToolVersion, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(
        "cases.Child", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(max_length=40, default="practice")
    answers = models.JSONField(default=dict, blank=True)
    section_status = models.JSONField(default=dict, blank=True)
    section_grades = models.JSONField(default=dict, blank=True)
    overall_grade = models.CharField(max_length=40, blank=True)
    overall_grade_suggested = models.CharField(max_length=40, blank=True)
    overall_grade_reason = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT
    )
    row_version = models.PositiveIntegerField(default=1)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="form_responses"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"{self.tool_version} response {self.pk}"

    @property
    def definition(self) -> ToolDefinition:
        return self.tool_version.definition

    @property
    def is_submitted(self) -> bool:
        return self.status == ResponseStatus.SUBMITTED
