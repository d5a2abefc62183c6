"""Checking the access log's chain: `qaf verify_access_log`, and the backup's verify step."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .models import GENESIS, AccessLogEntry, chain_hash


@dataclass(frozen=True)
class ChainReport:
    rows: int
    head: str  # the last row's hash: write it down to detect rows removed from the end later
    break_id: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.break_id is None


def access_log_verify(*, expected_head: str | None = None, using: str = "default") -> ChainReport:
    """The chain of the log in the database `using` (see chain_verify)."""
    entries = AccessLogEntry.objects.using(using).order_by("id").iterator(chunk_size=2000)
    return chain_verify(entries, expected_head=expected_head)


def chain_verify(entries: Iterable[Any], *, expected_head: str | None = None) -> ChainReport:
    """Walk the log in order and report the first row that breaks the chain: a row whose
    `prev_hash` is not the hash of the row before it (a row removed or inserted before it), or
    whose own hash does not match its fields (the row was changed)."""
    previous, rows, previous_id = GENESIS, 0, None
    head_seen = expected_head in (None, GENESIS)
    for entry in entries:
        rows += 1
        if entry.prev_hash != previous:
            after = f"row {previous_id}" if previous_id is not None else "the start of the log"
            return ChainReport(
                rows=rows,
                head=previous,
                break_id=entry.pk,
                problem=(
                    f"row {entry.pk} does not follow {after}: a row between them was removed "
                    "or inserted, or a hash was rewritten"
                ),
            )
        if chain_hash(entry) != entry.row_hash:
            return ChainReport(
                rows=rows,
                head=previous,
                break_id=entry.pk,
                problem=f"row {entry.pk} was changed after it was written",
            )
        previous, previous_id = entry.row_hash, entry.pk
        head_seen = head_seen or entry.row_hash == expected_head
    if not head_seen and expected_head is not None:
        return ChainReport(
            rows=rows,
            head=previous,
            break_id=previous_id or 0,
            problem=(
                f"no row has the recorded head hash {expected_head[:16]}... (the log now ends "
                f"at row {previous_id}): rows were removed from the end"
            ),
        )
    return ChainReport(rows=rows, head=previous)
