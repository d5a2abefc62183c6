from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from qaf.common import clock

from .selectors import staff_current_members, team_get_visible, team_list_visible


@login_required
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    today = clock.today()
    open_cases = Q(involvements__end_date__isnull=True) | Q(involvements__end_date__gte=today)
    teams = team_list_visible(user=user).annotate(
        open_cases=Count("involvements", filter=open_cases)
    )
    return render(request, "organisation/team_list.html", {"teams": teams})


@login_required
@require_GET
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_get_visible(user=request.user, pk=team_id)
    if team is None:
        raise Http404
    members = staff_current_members(team=team).select_related("line_manager")
    return render(request, "organisation/team_detail.html", {"team": team, "members": members})
