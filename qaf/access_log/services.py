"""Writing the access log: every read of a child-level record, allowed or refused."""

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from qaf.common import clock
from qaf.common.errors import NotFound

from .models import AccessLogEntry, AccessOutcome

M = TypeVar("M", bound=Model)


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


def get_visible(
    visible: QuerySet[M], *, user: Any, pk: object, object_type: str, via: str = "page"
) -> M:
    """The one way to fetch one child-level record by key: from the person's scoped queryset
    (`audit_list_visible(user=user)`), logging the read whether it is allowed or refused, and
    raising NotFound (404 on pages and in the API) when it is missing or out of scope.

    Every `<entity>_get_visible(*, user, pk, via)` selector is this function and nothing else."""
    found = visible.filter(pk=pk).first()
    access_log_record(
        user=user,
        object_type=object_type,
        object_id=pk,
        via=via,
        outcome=AccessOutcome.ALLOWED if found is not None else AccessOutcome.NOT_FOUND,
    )
    if found is None:
        raise NotFound()
    return found


__all__ = ["AccessOutcome", "access_log_record", "get_visible"]
