"""JSON API for feedback: requests, responses (the same scoping as the pages) and the
complaints and compliments log (the QA unit's). Out of scope is 404."""

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import pydantic
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError, ValidationError
from ninja.pagination import paginate

from qaf.cases.selectors import child_get_visible
from qaf.common.permissions import api_gate
from qaf.organisation.selectors import team_get_visible

from . import selectors, services
from .http import SignedInRequest
from .models import ComplaintCategory, ComplaintOutcome, FeedbackKind

router = Router(tags=["feedback"])

# Domain errors reach the one exception handler (qaf.api.api). The lists and the reads are open
# to every account and scoped like the pages (an empty list, or 404, for roles that see none).
# The create endpoints' gates check the permission before the body is read, so an account that
# may not create gets 404 whatever it sends, and the access matrix can tell "not for you" from
# "bad body". django-ninja validates a typed body parameter before the view runs,
# so these views take no body parameter: they parse it themselves once the checks have passed
# (_body), and document it with openapi_extra (_documents_body). Errors keep ninja's own shapes:
# 400 "Cannot parse request body" for a body that is not JSON, 422 with one
# {"type", "loc": ["body", "payload", <field>], "msg"} per field for one that is invalid.

SchemaT = TypeVar("SchemaT", bound=Schema)


def _documents_body(schema: type[Schema]) -> dict[str, Any]:
    """openapi_extra for an operation whose view parses `schema` from the JSON body itself."""
    return {
        "requestBody": {
            "content": {"application/json": {"schema": schema.model_json_schema()}},
            "required": True,
        }
    }


def _field_errors(errors: Iterable[Mapping[str, Any]]) -> ValidationError:
    return ValidationError(
        [
            {"type": e["type"], "loc": ["body", "payload", *e["loc"]], "msg": e["msg"]}
            for e in errors
        ]
    )


def _body(request: HttpRequest, schema: type[SchemaT]) -> SchemaT:
    """The request's JSON body as `schema`: 400 if it is not JSON, 422 naming each bad field."""
    if not request.body:
        raise ValidationError(
            [{"type": "missing", "loc": ["body", "payload"], "msg": "Field required"}]
        )
    try:
        data = json.loads(request.body)
    except ValueError:
        raise HttpError(400, "Cannot parse request body") from None
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as e:
        raise _field_errors(e.errors(include_url=False)) from None


def _invalid(field: str, message: str) -> ValidationError:
    return _field_errors([{"type": "value_error", "loc": [field], "msg": message}])


class RequestOut(Schema):
    id: int
    reference: str
    audience: str
    survey: str
    child_id: int | None
    team_id: int | None
    delivery: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None
    status: str

    @staticmethod
    def resolve_reference(obj: Any) -> str:
        return obj.reference_code

    @staticmethod
    def resolve_survey(obj: Any) -> str:
        return obj.tool_version.tool.key

    @staticmethod
    def resolve_status(obj: Any) -> str:
        return selectors.request_status(obj)


class RequestMadeOut(RequestOut):
    url: str  # shown once: the token is never stored


class RequestIn(Schema):
    audience: str  # "child" chooses the age band from the date of birth
    child_id: int | None = None
    team_id: int | None = None
    recipient: str = ""
    email: str = ""


class ResponseOut(Schema):
    id: int
    reference: str
    audience: str
    survey: str
    survey_version: int
    mode: str
    child_id: int | None
    team_id: int | None
    service_id: int | None
    open_link_id: int | None
    request_id: int | None
    anonymity: str
    consent_to_link: bool
    consent_to_quote: bool
    answers: dict[str, Any]
    submitted_at: dt.datetime
    safety_alert: bool

    @staticmethod
    def resolve_reference(obj: Any) -> str:
        return obj.reference_code

    @staticmethod
    def resolve_survey(obj: Any) -> str:
        return obj.tool_version.tool.key

    @staticmethod
    def resolve_survey_version(obj: Any) -> int:
        return int(obj.tool_version.version)

    @staticmethod
    def resolve_safety_alert(obj: Any) -> bool:
        return hasattr(obj, "safety_alert")


class ComplaintOut(Schema):
    id: int
    reference: str
    kind: str
    received_on: dt.date
    service_id: int | None
    team_id: int | None
    category: str
    summary: str
    outcome: str
    learning: str
    response_due_on: dt.date | None
    responded_on: dt.date | None
    within_timescale: bool | None

    @staticmethod
    def resolve_reference(obj: Any) -> str:
        return obj.reference_code


class ComplaintIn(Schema):
    kind: str
    received_on: dt.date
    team_id: int | None = None
    category: str
    summary: str
    outcome: str = ""
    learning: str = ""
    responded_on: dt.date | None = None


@router.get("/requests", response=list[RequestOut])
@api_gate("accounts.signed_in")
@paginate
def list_feedback_requests(request: HttpRequest) -> Any:
    return selectors.request_list_visible(user=request.user).select_related("tool_version__tool")


@router.get("/requests/{int:request_id}", response=RequestOut)
@api_gate("accounts.signed_in")
def get_feedback_request(request: HttpRequest, request_id: int) -> Any:
    return selectors.request_get_visible(user=request.user, pk=request_id, via="api")


@router.post("/requests", response={201: RequestMadeOut}, openapi_extra=_documents_body(RequestIn))
@api_gate("feedback.request_feedback")
def create_feedback_request(request: SignedInRequest) -> Any:
    user = request.user
    payload = _body(request, RequestIn)
    child = None
    if payload.child_id is not None:
        child = child_get_visible(user=user, pk=payload.child_id, via="api")
    team = None
    if payload.team_id is not None:
        team = team_get_visible(user=user, pk=payload.team_id, via="api")
    made = services.feedback_request_create(
        by=user,
        audience=payload.audience,
        child=child,
        team=team,
        recipient=payload.recipient,
        email=payload.email,
    )
    made.request.url = made.url  # type: ignore[attr-defined]
    return 201, made.request


@router.get("/responses", response=list[ResponseOut])
@api_gate("accounts.signed_in")
@paginate
def list_feedback_responses(request: HttpRequest) -> Any:
    return selectors.response_list_visible(user=request.user).select_related("safety_alert")


@router.get("/responses/{int:response_id}", response=ResponseOut)
@api_gate("accounts.signed_in")
def get_feedback_response(request: HttpRequest, response_id: int) -> Any:
    return selectors.response_get_visible(user=request.user, pk=response_id, via="api")


@router.get("/complaints", response=list[ComplaintOut])
@api_gate("feedback.keep_complaints_log")
@paginate
def list_complaints(request: HttpRequest) -> Any:
    return selectors.complaint_list_visible(user=request.user)


@router.get("/complaints/{int:complaint_id}", response=ComplaintOut)
@api_gate("feedback.keep_complaints_log")
def get_complaint(request: HttpRequest, complaint_id: int) -> Any:
    return selectors.complaint_get_visible(user=request.user, pk=complaint_id, via="api")


@router.post(
    "/complaints", response={201: ComplaintOut}, openapi_extra=_documents_body(ComplaintIn)
)
@api_gate("feedback.keep_complaints_log")
def create_complaint(request: SignedInRequest) -> Any:
    payload = _body(request, ComplaintIn)
    if payload.kind not in FeedbackKind.values:
        raise _invalid("kind", "Must be complaint or compliment")
    if payload.category not in ComplaintCategory.values:
        raise _invalid("category", "Not a known category")
    if payload.outcome not in ComplaintOutcome.values:
        raise _invalid("outcome", "Not a known outcome")
    team = None
    if payload.team_id is not None:
        team = team_get_visible(user=request.user, pk=payload.team_id, via="api")
    values = payload.dict()
    values.pop("team_id")
    entry = services.complaint_create(by=request.user, team=team, service=None, **values)
    return 201, entry
