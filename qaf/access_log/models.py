"""Who read which child-level record. Append-only; holds no sensitive content."""

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    pass


class AccessOutcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    NOT_FOUND = "not_found", "Refused (out of scope or missing)"


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
    # The database key only: never a name, a council child ID or any content.
    object_id = models.CharField(max_length=40)
    via = models.CharField(max_length=10, help_text="page or api")
    outcome = models.CharField(max_length=12, choices=AccessOutcome.choices)

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
