"""Every read of child-level data goes through these functions (deny by default)."""

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from qaf.access_log.services import get_visible
from qaf.common import clock
from qaf.organisation.selectors import ScopeKind, scope_for

from .models import CaseEvent, CaseImport, Child, Involvement, InvolvementKind
from .models import EventKind as EventKind  # the register's vocabulary, for reporting code

# The register as reporting code reads it (performance): querysets of events and involvements.
CaseEvents = QuerySet[CaseEvent]
Involvements = QuerySet[Involvement]


def _open_involvements() -> QuerySet[Involvement]:
    today = clock.today()
    return Involvement.objects.filter(start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )


def involvement_scope_filter(*, user: Any) -> QuerySet[Involvement] | None:
    """Open involvements that put a child in this account's scope; None means every child."""
    scope = scope_for(user=user)
    if scope.kind == ScopeKind.EVERYTHING:
        return None
    if scope.kind == ScopeKind.TEAMS:
        return _open_involvements().filter(team_id__in=scope.team_ids)
    if scope.kind == ScopeKind.OWN_CASELOAD:
        return _open_involvements().filter(allocated_worker_id=scope.staff_id)
    if scope.kind == ScopeKind.REVIEWED_CASES:
        return _open_involvements().filter(independent_reviewer_id=scope.staff_id)
    return Involvement.objects.none()


def child_list_visible(*, user: Any) -> QuerySet[Child]:
    """The children this account may see. Elected members and partners see none."""
    involvements = involvement_scope_filter(user=user)
    if involvements is None:
        return Child.objects.all()
    return Child.objects.filter(Exists(involvements.filter(child=OuterRef("pk"))))


def child_get_visible(*, user: Any, pk: int, via: str = "page") -> Child:
    """One child in the account's scope; NotFound when missing or out of scope. Logged."""
    return get_visible(
        child_list_visible(user=user), user=user, pk=pk, object_type="child", via=via
    )


def involvement_list_for_child(*, child: Child) -> QuerySet[Involvement]:
    """Involvements of a child already fetched through child_get_visible."""
    return child.involvements.select_related(
        "team", "allocated_worker", "independent_reviewer"
    ).order_by("-start_date")


def involvement_list_visible(*, user: Any) -> QuerySet[Involvement]:
    return Involvement.objects.filter(child__in=child_list_visible(user=user)).select_related(
        "child", "team", "allocated_worker"
    )


def case_event_list_for_figures() -> CaseEvents:
    """Every case event, unscoped, for aggregate figures only (the KPIs): the caller narrows it
    to the viewer's scope and never shows a record from it."""
    return CaseEvent.objects.all()


def involvement_list_for_figures() -> Involvements:
    """Every involvement, unscoped, for aggregate figures only (as case_event_list_for_figures)."""
    return Involvement.objects.all()


def case_register_counts() -> dict[str, Any]:
    """Aggregates only (no child can be identified): for dashboards and elected members."""
    open_inv = _open_involvements()
    by_kind = dict(open_inv.values_list("kind").annotate(n=Count("child", distinct=True)))
    return {
        "children": Child.objects.count(),
        "open_children": open_inv.values("child").distinct().count(),
        "by_kind": [(label, by_kind.get(value, 0)) for value, label in InvolvementKind.choices],
        "vulnerability_register": Child.objects.filter(on_vulnerability_register=True).count(),
    }


def case_import_list() -> QuerySet[CaseImport]:
    """Import history (no child-level data: file names, counts and outcomes)."""
    return CaseImport.objects.select_related("by").defer("payload")


def case_import_get(*, pk: int) -> CaseImport | None:
    return case_import_list().filter(pk=pk).first()
