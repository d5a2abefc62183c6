from typing import Any

from qaf.common import clock

from .models import AccessLogEntry, AccessOutcome


def access_log_record(
    *, user: Any, object_type: str, object_id: object, outcome: str, via: str = "page"
) -> AccessLogEntry:
    """Write one row for one read of a child-level record. Never pass content here."""
    return AccessLogEntry.objects.create(
        at=clock.now(),
        user=user if user.is_authenticated else None,
        username=getattr(user, "username", "") or "",
        role=getattr(user, "role", "") or "",
        object_type=object_type,
        object_id=str(object_id)[:40],
        via=via,
        outcome=outcome,
    )


__all__ = ["AccessOutcome", "access_log_record"]
