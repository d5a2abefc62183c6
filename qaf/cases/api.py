import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from .selectors import child_get_visible, child_list_visible, involvement_list_for_child

router = Router(tags=["case register"])


class ChildSummaryOut(Schema):
    id: int
    council_child_id: str


class ChildOut(Schema):
    id: int
    council_child_id: str
    given_name: str
    family_name: str
    date_of_birth: dt.date | None
    sex: str
    ethnicity: str
    disability: bool
    uasc: bool
    on_vulnerability_register: bool
    vulnerability_reason: str


class InvolvementOut(Schema):
    id: int
    kind: str
    start_date: dt.date
    end_date: dt.date | None
    team_id: int
    allocated_worker_id: int | None


@router.get("", response=list[ChildSummaryOut])
@paginate
def list_children(request: HttpRequest) -> Any:
    return child_list_visible(user=request.user).order_by("council_child_id")


def _child_or_404(request: HttpRequest, child_id: int) -> Any:
    child = child_get_visible(user=request.user, pk=child_id, via="api")
    if child is None:
        raise HttpError(404, "Not found")
    return child


@router.get("/{child_id}", response=ChildOut)
def get_child(request: HttpRequest, child_id: int) -> Any:
    return _child_or_404(request, child_id)


@router.get("/{child_id}/involvements", response=list[InvolvementOut])
def list_involvements(request: HttpRequest, child_id: int) -> Any:
    return list(involvement_list_for_child(child=_child_or_404(request, child_id)))
