from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class OutgoingEmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    FAILED = "failed", "Could not be sent"


class OutgoingEmail(models.Model):
    """An email waiting for the worker (qaf/common/notifications.py). Recipients, subject and
    body (which may hold a single-use survey link) are sealed (encrypted, with a short life):
    the task queue carries only this row's id, and the row is deleted once the email is sent."""

    template = models.CharField(max_length=60)
    sealed = models.TextField(blank=True)
    created_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=OutgoingEmailStatus.choices, default=OutgoingEmailStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # Why it failed, in words that hold no address or content.
    problem = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"email {self.pk} ({self.template}, {self.status})"
