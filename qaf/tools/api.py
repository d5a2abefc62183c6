"""The audit tools API, under /api/v1/tools/.

Tools and versions (list, definition, YAML export, import a draft, publish, retire) are the QA
unit's: anyone else gets 404, as on the pages. Form responses: the caller's own (the QA unit may
read any); writes only to the caller's own drafts (a submitted response answers 409 and does not
change).
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from qaf.common.permissions import api_gate, require

from . import services
from .definition import DefinitionInvalid
from .models import FormResponse, ToolVersion
from .pages import acting_user
from .selectors import (
    form_response_get_visible,
    form_response_list_authored,
    tool_list,
    tool_version_get,
)

router = Router(tags=["audit tools"])


class VersionSummaryOut(Schema):
    version: int
    status: str
    created_at: dt.datetime
    published_at: dt.datetime | None
    retired_at: dt.datetime | None


class ToolOut(Schema):
    key: str
    title: str
    kind: str
    services: list[str] | str
    versions: list[VersionSummaryOut]


class VersionOut(VersionSummaryOut):
    key: str
    definition: dict[str, Any]


class ImportIn(Schema):
    yaml: str


class ProblemOut(Schema):
    line: int | None
    path: str
    message: str


class ResponseOut(Schema):
    id: int
    tool_key: str
    tool_version: int
    child_id: int | None
    purpose: str
    status: str
    answers: dict[str, Any]
    section_status: dict[str, str]
    section_grades: dict[str, Any]
    overall_grade: str
    overall_grade_reason: str
    row_version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None


class SectionIn(Schema):
    answers: dict[str, Any]
    row_version: int
    grade: str | None = None
    grade_reason: str = ""
    complete: bool = False


class SectionSavedOut(Schema):
    response: ResponseOut
    errors: dict[str, str]
    completed: bool


class SubmitIn(Schema):
    row_version: int


def _version_out(tv: ToolVersion) -> dict[str, Any]:
    return {
        "key": tv.tool.key,
        "version": tv.version,
        "status": tv.status,
        "created_at": tv.created_at,
        "published_at": tv.published_at,
        "retired_at": tv.retired_at,
        "definition": tv.definition_data,
    }


def _response_out(r: FormResponse) -> dict[str, Any]:
    return {
        "id": r.pk,
        "tool_key": r.tool_version.tool.key,
        "tool_version": r.tool_version.version,
        "child_id": r.child_id,
        "purpose": r.purpose,
        "status": r.status,
        "answers": r.answers,
        "section_status": r.section_status,
        "section_grades": r.section_grades,
        "overall_grade": r.overall_grade,
        "overall_grade_reason": r.overall_grade_reason,
        "row_version": r.row_version,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "submitted_at": r.submitted_at,
    }


@router.get("", response=list[ToolOut])
@api_gate("tools.manage_tools")
def list_tools(request: HttpRequest) -> Any:
    return [
        {
            "key": t.key,
            "title": t.title,
            "kind": t.kind,
            "services": t.services,
            "versions": list(t.versions.all()),
        }
        for t in tool_list()
    ]


@router.post("/import", response={201: VersionOut, 422: list[ProblemOut]})
@api_gate("tools.manage_tools")
def import_tool_version(request: HttpRequest, payload: ImportIn) -> Any:
    """Create a draft version from YAML; 422 with every problem (line, path, message)."""
    try:
        tv = services.tool_version_import(yaml_text=payload.yaml, by=acting_user(request))
    except DefinitionInvalid as e:
        return 422, [{"line": p.line, "path": p.path, "message": p.message} for p in e.problems]
    return 201, _version_out(tv)


@router.get("/responses", response=list[ResponseOut])
@api_gate("tools.use_forms")
def list_form_responses(request: HttpRequest) -> Any:
    """The caller's own responses, newest first."""
    return [_response_out(r) for r in form_response_list_authored(user=request.user)]


def _own(request: HttpRequest, response_id: int) -> FormResponse:
    """The caller's own form (someone else's does not exist here: 404). A submitted one is
    refused by the services with 409."""
    r = form_response_get_visible(user=request.user, pk=response_id, via="api")
    require(request.user, "tools.fill_form_response", r, hide=True)
    return r


@router.get("/responses/{response_id}", response=ResponseOut)
@api_gate("tools.use_forms")
def get_form_response(request: HttpRequest, response_id: int) -> Any:
    return _response_out(form_response_get_visible(user=request.user, pk=response_id, via="api"))


@router.post("/responses/{response_id}/sections/{section_key}", response=SectionSavedOut)
@api_gate("tools.use_forms")
def save_form_response_section(
    request: HttpRequest, response_id: int, section_key: str, payload: SectionIn
) -> Any:
    """Save a section of the caller's own draft. Values in their stored shape; bad values come
    back in `errors` and are not saved. A stale row_version answers 409."""
    result = services.form_response_save_section(
        response=_own(request, response_id),
        section_key=section_key,
        data=payload.answers,
        by=acting_user(request),
        expected_version=payload.row_version,
        grade=payload.grade,
        grade_reason=payload.grade_reason,
        complete=payload.complete,
    )
    return {
        "response": _response_out(result.response),
        "errors": result.errors,
        "completed": result.completed,
    }


@router.post("/responses/{response_id}/submit", response={200: ResponseOut, 422: list[str]})
@api_gate("tools.use_forms")
def submit_form_response(request: HttpRequest, response_id: int, payload: SubmitIn) -> Any:
    try:
        r = services.form_response_submit(
            response=_own(request, response_id),
            by=acting_user(request),
            expected_version=payload.row_version,
        )
    except services.FormIncomplete as e:  # a richer answer: each missing item
        return 422, [m.message for m in e.missing]
    return 200, _response_out(r)


@router.get("/{key}/versions/{version}", response=VersionOut)
@api_gate("tools.manage_tools")
def get_tool_version(request: HttpRequest, key: str, version: int) -> Any:
    return _version_out(tool_version_get(key=key, version=version))


@router.get("/{key}/versions/{version}/yaml")
@api_gate("tools.manage_tools")
def export_tool_version(request: HttpRequest, key: str, version: int) -> HttpResponse:
    tv = tool_version_get(key=key, version=version)
    response = HttpResponse(tv.source_yaml, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{key}.v{version}.yaml"'
    return response


@router.post("/{key}/versions/{version}/publish", response=VersionOut)
@api_gate("tools.manage_tools")
def publish_tool_version(request: HttpRequest, key: str, version: int) -> Any:
    tv = services.tool_version_publish(
        version=tool_version_get(key=key, version=version), by=acting_user(request)
    )
    return _version_out(tv)


@router.post("/{key}/versions/{version}/retire", response=VersionOut)
@api_gate("tools.manage_tools")
def retire_tool_version(request: HttpRequest, key: str, version: int) -> Any:
    tv = services.tool_version_retire(
        version=tool_version_get(key=key, version=version), by=acting_user(request)
    )
    return _version_out(tv)
