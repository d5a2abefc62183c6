import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from qaf.common.permissions import api_gate

from .selectors import (
    case_import_get,
    case_import_list,
    child_get_visible,
    child_list_visible,
    involvement_list_for_child,
)

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


# The register's API is open to every signed-in account and scoped like the pages: a role that
# sees no child gets an empty list and 404 for any child.


@router.get("", response=list[ChildSummaryOut])
@api_gate("accounts.signed_in")
@paginate
def list_children(request: HttpRequest) -> Any:
    return child_list_visible(user=request.user).order_by("council_child_id")


@router.get("/{child_id}", response=ChildOut)
@api_gate("accounts.signed_in")
def get_child(request: HttpRequest, child_id: int) -> Any:
    return child_get_visible(user=request.user, pk=child_id, via="api")


@router.get("/{child_id}/involvements", response=list[InvolvementOut])
@api_gate("accounts.signed_in")
def list_involvements(request: HttpRequest, child_id: int) -> Any:
    child = child_get_visible(user=request.user, pk=child_id, via="api")
    return list(involvement_list_for_child(child=child))


# Case data imports: history and status, for the QA unit only (everyone else: 404, as on the
# pages). No child-level data: file names, counts, warnings and outcomes.

imports_router = Router(tags=["case data imports"])


class CaseImportOut(Schema):
    id: int
    file_name: str
    format: str
    dry_run: bool
    via: str
    status: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    size_bytes: int
    sha256: str
    counts: dict[str, int]
    warnings: list[str]
    message: str
    problems: list[dict[str, Any]]


def _qa_unit_or_404(request: HttpRequest) -> None:
    if not getattr(request.user, "is_qa_unit", False):
        raise HttpError(404, "Not found")


@imports_router.get("", response=list[CaseImportOut])
@paginate
def list_case_imports(request: HttpRequest) -> Any:
    _qa_unit_or_404(request)
    return case_import_list()


@imports_router.get("/{import_id}", response=CaseImportOut)
def get_case_import(request: HttpRequest, import_id: int) -> Any:
    _qa_unit_or_404(request)
    record = case_import_get(pk=import_id)
    if record is None:
        raise HttpError(404, "Not found")
    return record
