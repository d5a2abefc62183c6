"""How the escalation pages show times, people and deadlines."""

from typing import Any

from django.utils import timezone


def when(value: Any) -> str:
    """A moment in the council's local time (Europe/London), e.g. 24 December 2025, 16:45."""
    return f"{timezone.localtime(value):%-d %B %Y, %H:%M}" if value else ""


def who(user: Any) -> str:
    if user is None:
        return ""
    if getattr(user, "staff", None) is not None:
        return str(user.staff.full_name)
    return str(user.get_full_name() or user.username)


def deadline_text(escalation: Any) -> str:
    return f"End of {escalation.deadline_on:%A %-d %B %Y}"
