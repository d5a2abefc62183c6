"""Facts derived from a child's case history, stored on the events so the KPIs need not search
each child's history row by row (docs/kpis.md, "How the scorecard is computed").

Every path that writes case events calls case_event_previous_refresh for the children it
touched, inside the same transaction: the importers, the synthetic seeder and the test helpers.
"""

from collections.abc import Iterable

from django.db.models import Exists, Max, OuterRef, Q, Subquery

from .models import CaseEvent, EventKind

# The kinds whose previous event a KPI reads: re-referrals and second or subsequent CP plans.
KINDS_WITH_PREVIOUS = (EventKind.REFERRAL, EventKind.CP_PLAN)

_CHUNK = 5_000


def case_event_previous_refresh(*, child_ids: Iterable[int] | None = None) -> int:
    """Set previous_start (the start of the child's latest strictly earlier event of the same
    kind) on the referrals and CP plans of these children, or of every child when None.
    Two events on the same day are not each other's previous event. Returns rows updated."""
    earlier_rows = CaseEvent.objects.filter(
        child=OuterRef("child"), kind=OuterRef("kind"), start_date__lt=OuterRef("start_date")
    )
    earlier = earlier_rows.order_by().values("child").annotate(latest=Max("start_date"))
    # Only rows that have an earlier event or hold a date now: the first event of each child
    # and kind stays None without being rewritten (writes are what this costs).
    events = CaseEvent.objects.filter(kind__in=KINDS_WITH_PREVIOUS).filter(
        Q(previous_start__isnull=False) | Q(Exists(earlier_rows))
    )
    if child_ids is None:
        return events.update(previous_start=Subquery(earlier.values("latest")))
    ids = sorted(set(child_ids))
    updated = 0
    for at in range(0, len(ids), _CHUNK):
        chunk = ids[at : at + _CHUNK]
        updated += events.filter(child_id__in=chunk).update(
            previous_start=Subquery(earlier.values("latest"))
        )
    return updated
