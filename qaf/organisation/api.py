from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

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
@paginate
def list_teams(request: HttpRequest) -> Any:
    return team_list_visible(user=request.user).order_by("name")


@router.get("/teams/{team_id}", response=TeamOut)
def get_team(request: HttpRequest, team_id: int) -> Any:
    team = team_get_visible(user=request.user, pk=team_id)
    if team is None:
        raise HttpError(404, "Not found")
    return team


@router.get("/staff", response=list[StaffOut])
@paginate
def list_staff(request: HttpRequest) -> Any:
    return staff_list_visible(user=request.user).order_by("family_name", "given_name")
