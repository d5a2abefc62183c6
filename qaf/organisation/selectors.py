"""Reads of the organisation, and the scope every child-level selector starts from."""

from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.db.models import Count, Q, QuerySet

from qaf.access_log.services import get_visible
from qaf.accounts.permissions import (
    is_assistant_director,
    is_chair,
    is_practitioner,
    is_service_manager,
    is_team_manager,
    is_whole_council,
)
from qaf.common import clock

from .models import Area, District, ImportRun, Service, Staff, Team, TeamMembership


class ScopeKind(Enum):
    NOTHING = "nothing"  # deny by default
    EVERYTHING = "everything"
    TEAMS = "teams"  # team manager, service manager, assistant director
    OWN_CASELOAD = "own_caseload"  # practitioner
    REVIEWED_CASES = "reviewed_cases"  # CP chair, IRO


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    team_ids: frozenset[int] = frozenset()
    staff_id: int | None = None


def current_team_ids(*, staff: Staff) -> frozenset[int]:
    today = clock.today()
    return frozenset(
        TeamMembership.objects.filter(staff=staff, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values_list("team_id", flat=True)
    )


def scope_for(*, user: Any) -> Scope:
    """What part of the council this account may see. Unknown or unlinked accounts see nothing."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope(ScopeKind.NOTHING)
    if is_whole_council(user):
        return Scope(ScopeKind.EVERYTHING)
    staff = user.staff
    if staff is None:
        return Scope(ScopeKind.NOTHING)
    if is_practitioner(user):
        return Scope(ScopeKind.OWN_CASELOAD, staff_id=staff.pk)
    if is_chair(user):
        return Scope(ScopeKind.REVIEWED_CASES, staff_id=staff.pk)
    if is_team_manager(user):
        return Scope(ScopeKind.TEAMS, team_ids=current_team_ids(staff=staff), staff_id=staff.pk)
    if is_service_manager(user):
        ids = Team.objects.filter(district__service_manager=staff).values_list("pk", flat=True)
        return Scope(ScopeKind.TEAMS, team_ids=frozenset(ids), staff_id=staff.pk)
    if is_assistant_director(user):
        ids = Team.objects.filter(district__area__assistant_director=staff).values_list(
            "pk", flat=True
        )
        return Scope(ScopeKind.TEAMS, team_ids=frozenset(ids), staff_id=staff.pk)
    return Scope(ScopeKind.NOTHING)


def team_list_visible(*, user: Any) -> QuerySet[Team]:
    """Teams whose details (and staff) the account may see."""
    scope = scope_for(user=user)
    teams = Team.objects.select_related("service", "district__area")
    if scope.kind == ScopeKind.EVERYTHING:
        return teams
    if scope.kind == ScopeKind.TEAMS:
        return teams.filter(pk__in=scope.team_ids)
    if scope.kind == ScopeKind.OWN_CASELOAD and user.staff is not None:
        return teams.filter(pk__in=current_team_ids(staff=user.staff))
    return teams.none()


def staff_list_visible(*, user: Any) -> QuerySet[Staff]:
    today = clock.today()
    teams = team_list_visible(user=user)
    current = Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=today)
    if scope_for(user=user).kind == ScopeKind.EVERYTHING:
        return Staff.objects.all()
    return Staff.objects.filter(current, memberships__team__in=teams).distinct()


def team_get_visible(*, user: Any, pk: int, via: str = "page") -> Team:
    """One team in the account's scope; NotFound when missing or out of scope. Logged."""
    return get_visible(team_list_visible(user=user), user=user, pk=pk, object_type="team", via=via)


def staff_current_members(*, team: Team) -> QuerySet[Staff]:
    today = clock.today()
    return (
        Staff.objects.filter(memberships__team=team, memberships__start_date__lte=today)
        .filter(Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=today))
        .distinct()
    )


def staff_current_in_teams(*, team_ids: frozenset[int] | set[int]) -> QuerySet[Staff]:
    """Everyone in any of these teams today, by name."""
    today = clock.today()
    return Staff.objects.filter(
        pk__in=TeamMembership.objects.filter(team_id__in=team_ids, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values("staff")
    ).order_by("family_name", "given_name")


def team_list_by_name(*, ids: frozenset[int] | None = None) -> QuerySet[Team]:
    """Teams (these, or every one when `ids` is None) with their district and area, by name."""
    teams = Team.objects.select_related("district__area").order_by("name")
    return teams if ids is None else teams.filter(pk__in=ids)


def team_ids_by_district() -> dict[int, set[int]]:
    """Each district's teams (districts without teams are left out)."""
    found: dict[int, set[int]] = {}
    for pk, district_id in Team.objects.values_list("pk", "district_id"):
        found.setdefault(district_id, set()).add(pk)
    return found


def team_ids_within(
    *, area_id: int | None = None, district_id: int | None = None, team_id: int | None = None
) -> frozenset[int]:
    """The teams in an area, in a district, or the one team."""
    teams = Team.objects.all()
    if area_id is not None:
        teams = teams.filter(district__area_id=area_id)
    if district_id is not None:
        teams = teams.filter(district_id=district_id)
    if team_id is not None:
        teams = teams.filter(pk=team_id)
    return frozenset(teams.values_list("pk", flat=True))


def district_list_by_name() -> QuerySet[District]:
    return District.objects.select_related("area").order_by("name")


def area_list_by_name() -> QuerySet[Area]:
    """Areas with their districts, by name."""
    return Area.objects.order_by("name").prefetch_related("districts")


def organisation_counts() -> dict[str, int]:
    """Aggregate counts only: safe for every role, including elected members."""
    return {
        "services": Service.objects.count(),
        "areas": Area.objects.count(),
        "districts": District.objects.count(),
        "teams": Team.objects.count(),
        "staff": Staff.objects.filter(is_active=True).count(),
    }


def team_list_with_counts() -> QuerySet[Team]:
    return Team.objects.select_related("district", "service").annotate(
        member_count=Count("memberships", distinct=True)
    )


def area_list_with_counts() -> QuerySet[Area]:
    """Areas with how many districts and teams each has (aggregates only)."""
    return Area.objects.annotate(
        district_count=Count("districts", distinct=True),
        team_count=Count("districts__teams", distinct=True),
    ).order_by("name")


def team_list_with_current_counts() -> QuerySet[Team]:
    """Every team with its district, area and service, and how many people are in it today."""
    today = clock.today()
    current = Q(memberships__start_date__lte=today) & (
        Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=today)
    )
    return (
        Team.objects.select_related("service", "district__area")
        .annotate(current_members=Count("memberships", filter=current, distinct=True))
        .order_by("district__area__name", "district__name", "name")
    )


def import_run_list(*, limit: int = 20) -> QuerySet[ImportRun]:
    return ImportRun.objects.select_related("by")[:limit]
