from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from qaf.common.permissions import api_gate

from .selectors import staff_list_visible, team_get_visible, team_list_visible

router = Router(tags=["organisation"])


class TeamOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    service: str
    district: str
    area: str

    @staticmethod
    def resolve_service(obj: Any) -> str:
        return obj.service.key

    @staticmethod
    def resolve_district(obj: Any) -> str:
        return obj.district.name

    @staticmethod
    def resolve_area(obj: Any) -> str:
        return obj.district.area.name


class StaffOut(Schema):
    id: int
    staff_id: str
    given_name: str
    family_name: str
    job_role: str


@router.get("/teams", response=list[TeamOut])
@api_gate("organisation.view_teams")
@paginate
def list_teams(request: HttpRequest) -> Any:
    return team_list_visible(user=request.user).order_by("name")


@router.get("/teams/{team_id}", response=TeamOut)
@api_gate("organisation.view_teams")
def get_team(request: HttpRequest, team_id: int) -> Any:
    return team_get_visible(user=request.user, pk=team_id, via="api")


@router.get("/staff", response=list[StaffOut])
@api_gate("organisation.view_teams")
@paginate
def list_staff(request: HttpRequest) -> Any:
    return staff_list_visible(user=request.user).order_by("family_name", "given_name")
