"""Writing the access log: every read of a child-level record, allowed or refused.

- one record: `access_log_record(user=..., object_type="audit", object_id=pk, outcome=...,
  via="page" | "api" | "pdf" | "docx" | "export")`, or `get_visible(...)`, which fetches it and
  logs both outcomes;
- a list or an export: `access_log_record_list(user=..., object_type="child", count=n,
  via="page" | "api" | "export")`, one row for the whole list with how many records it showed.

Rows are chained (qaf/access_log/models.py): writers take turns to read the last row's hash and
append theirs.
"""

from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import Model, QuerySet

from qaf.common import clock
from qaf.common.errors import NotFound

from .models import GENESIS, AccessLogEntry, AccessOutcome, AccessVia

M = TypeVar("M", bound=Model)

# PostgreSQL advisory lock key for appending to the chain (any constant unique to QAF).
CHAIN_LOCK = 0x51AF_0ACC


def _append(entry: AccessLogEntry) -> AccessLogEntry:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
        # SQLite: write transactions begin IMMEDIATE, so they already take turns.
        last = AccessLogEntry.objects.order_by("-id").values_list("row_hash", flat=True).first()
        entry.prev_hash = last or GENESIS
        entry.row_hash = entry.compute_hash()
        entry.save()
    return entry


def _check(via: str, outcome: str) -> None:
    if via not in AccessVia.values:
        raise ValueError(f"via must be one of {AccessVia.values}, not {via!r}")
    if outcome not in AccessOutcome.values:
        raise ValueError(f"outcome must be one of {AccessOutcome.values}, not {outcome!r}")


def access_log_record(
    *, user: Any, object_type: str, object_id: object, outcome: str, via: str = AccessVia.PAGE
) -> AccessLogEntry:
    """Write one row for one read of a child-level record. Never pass content here."""
    _check(via, outcome)
    return _append(
        AccessLogEntry(
            at=clock.now(),
            user=user if user.is_authenticated else None,
            username=getattr(user, "username", "") or "",
            role=getattr(user, "role", "") or "",
            object_type=object_type,
            object_id=str(object_id)[:40],
            via=via,
            outcome=outcome,
        )
    )


def access_log_record_list(
    *, user: Any, object_type: str, count: int, via: str = AccessVia.PAGE
) -> AccessLogEntry:
    """Write one row for a list, search or export of child-level records: what kind, how
    many were shown or exported, and through what."""
    _check(via, AccessOutcome.ALLOWED)
    if count < 0:
        raise ValueError("count cannot be negative")
    return _append(
        AccessLogEntry(
            at=clock.now(),
            user=user if user.is_authenticated else None,
            username=getattr(user, "username", "") or "",
            role=getattr(user, "role", "") or "",
            object_type=object_type,
            object_id="",
            via=via,
            outcome=AccessOutcome.ALLOWED,
            count=count,
        )
    )


def get_visible(
    visible: QuerySet[M], *, user: Any, pk: object, object_type: str, via: str = AccessVia.PAGE
) -> M:
    """The one way to fetch one child-level record by key: from the person's scoped queryset
    (`audit_list_visible(user=user)`), logging the read whether it is allowed or refused, and
    raising NotFound (404 on pages and in the API) when it is missing or out of scope.

    Every `<entity>_get_visible(*, user, pk, via)` selector is this function and nothing else."""
    # A key no database integer can hold names nothing: not found, never an overflow error.
    in_range = not isinstance(pk, int) or -(2**63) <= pk < 2**63
    found = visible.filter(pk=pk).first() if in_range else None
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


__all__ = [
    "AccessOutcome",
    "AccessVia",
    "access_log_record",
    "access_log_record_list",
    "get_visible",
]
