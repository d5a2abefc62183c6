"""What every audits service shares: the conflict error, the text rules, and locking a cycle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qaf.accounts.models import User
from qaf.common.errors import Conflict, Invalid, NotAllowed
from qaf.common.permissions import allowed

from ..models import Audit, Cycle, Moderation

MAX_REASON = 500
MAX_TEXT = 20_000


class AuditConflict(Conflict):
    """Someone changed the record after the caller read it. `current` is the record as saved
    now; `attempted` what the caller tried to save. Nothing was saved; the page shows both."""

    def __init__(
        self, *, current: Cycle | Audit | Moderation, attempted: Mapping[str, Any]
    ) -> None:
        self.current = current
        self.attempted = dict(attempted)
        super().__init__(
            "This was changed by someone else after you opened the page. Your changes have not "
            "been saved: compare them with the saved version below and save again."
        )


def clean_text(text: str, what: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    """The text as stored (trimmed); Invalid, in the person's words, if it is missing or long."""
    text = (text or "").strip()
    if required and not text:
        raise Invalid(f"Enter {what}.")
    if len(text) > limit:
        raise Invalid(f"{what[0].upper()}{what[1:]} must be {limit} characters or fewer.")
    return text


def require_qa_unit(by: User) -> None:
    if not allowed(by, "audits.plan_cycles"):
        raise NotAllowed("Only the QA unit can plan and run audit cycles.")


def lock_cycle(cycle: Cycle, expected_version: int | None = None) -> Cycle:
    """The cycle, locked for the caller's transaction; AuditConflict if it changed since the
    caller read `expected_version`."""
    locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if expected_version is not None and locked.row_version != expected_version:
        raise AuditConflict(current=locked, attempted={})
    return locked
