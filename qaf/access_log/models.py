"""Who read which child-level record. Append-only, chained, and holds no sensitive content.

Each row carries the hash of the row before it (`prev_hash`) and its own (`row_hash`, over the
previous hash and every field), so removing, changing or inserting a row anywhere but at the end
breaks the chain, which `qaf verify_access_log` reports (qaf/access_log/chain.py)."""

import datetime as dt
import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models

# The hash the first row follows.
GENESIS = "0" * 64


def chain_hash(entry: Any) -> str:
    """The hash of a row: the previous row's hash and every field, in a fixed form. (A plain
    function so the migration that chained the existing rows uses exactly this.)"""
    at = entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    fields = [
        getattr(entry, name)
        for name in (
            "prev_hash",
            "user_id",
            "username",
            "role",
            "object_type",
            "object_id",
            "via",
            "outcome",
            "count",
        )
    ]
    canonical = json.dumps([at, *fields], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class AppendOnlyError(Exception):
    pass


class AccessOutcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    NOT_FOUND = "not_found", "Refused (out of scope or missing)"
    REFUSED = "refused", "Refused (not allowed)"


class AccessVia(models.TextChoices):
    """How the record was read. List and export reads also record how many records."""

    PAGE = "page", "Page"
    API = "api", "API"
    PDF = "pdf", "PDF"
    DOCX = "docx", "Word document"
    EXPORT = "export", "Export (spreadsheet or CSV)"


class AccessLogQuerySet(models.QuerySet["AccessLogEntry"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("Access log entries cannot be changed.")

    def delete(self):  # type: ignore[override]
        raise AppendOnlyError("Access log entries cannot be deleted.")


class AccessLogEntry(models.Model):
    at = models.DateTimeField(db_index=True)
    # PROTECT: accounts that have read records are disabled, never deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(max_length=150)
    role = models.CharField(max_length=40)
    object_type = models.CharField(max_length=60)
    # The database key only: never a name, a council child ID or any content. Blank for a
    # list or export read, which records how many records it showed in `count` instead.
    object_id = models.CharField(max_length=40, blank=True)
    via = models.CharField(max_length=10, choices=AccessVia.choices)
    outcome = models.CharField(max_length=12, choices=AccessOutcome.choices)
    count = models.PositiveIntegerField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, default=GENESIS)
    row_hash = models.CharField(max_length=64, default="")

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "access log entries"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.username} read {self.object_type} {self.object_id} ({self.outcome})"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Access log entries cannot be changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object):  # type: ignore[override]
        raise AppendOnlyError("Access log entries cannot be deleted.")

    def compute_hash(self) -> str:
        return chain_hash(self)

    @property
    def role_label(self) -> str:
        """The role as people call it ("QA unit"), never its code."""
        from qaf.accounts.models import Role

        return str(Role(self.role).label) if self.role in Role.values else self.role
