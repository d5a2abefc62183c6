"""JSON API for feedback: requests, responses (the same scoping as the pages) and the
complaints and compliments log (the QA unit's). Out of scope is 404."""

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import pydantic
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError, ValidationError
from ninja.pagination import paginate

from qaf.cases.selectors import child_list_visible
from qaf.common.errors import DomainError
from qaf.organisation.selectors import team_list_visible

from . import selectors, services
from .models import ComplaintCategory, ComplaintOutcome, FeedbackKind

router = Router(tags=["feedback"])


def _refuse(exc: Exception) -> HttpError:
    if isinstance(exc, PermissionDenied):
        return HttpError(403, str(exc) or "Forbidden")
    if isinstance(exc, services.SubmissionInvalid):
        return HttpError(422, "; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
    return HttpError(400, str(exc))


# The create endpoints check the role (and the account's scope) before they read the body, so an
# account that may not create gets 404 whatever it sends, and the access matrix can tell "not
# for you" from "bad body". django-ninja validates a typed body parameter before the view runs,
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
@paginate
def list_feedback_requests(request: HttpRequest) -> Any:
    return selectors.request_list_visible(user=request.user).select_related("tool_version__tool")


@router.get("/requests/{int:request_id}", response=RequestOut)
def get_feedback_request(request: HttpRequest, request_id: int) -> Any:
    found = selectors.request_get_visible(user=request.user, pk=request_id)
    if found is None:
        raise HttpError(404, "Not found")
    return found


@router.post("/requests", response={201: RequestMadeOut}, openapi_extra=_documents_body(RequestIn))
def create_feedback_request(request: HttpRequest) -> Any:
    user = request.user
    if user.role not in {"practitioner", "qa_officer"}:  # type: ignore[union-attr]
        raise HttpError(404, "Not found")
    payload = _body(request, RequestIn)
    child = None
    if payload.child_id is not None:
        child = child_list_visible(user=user).filter(pk=payload.child_id).first()
        if child is None:
            raise HttpError(404, "Not found")
    team = None
    if payload.team_id is not None:
        team = team_list_visible(user=user).filter(pk=payload.team_id).first()
        if team is None:
            raise HttpError(404, "Not found")
    try:
        made = services.feedback_request_create(
            by=user,
            audience=payload.audience,
            child=child,
            team=team,
            recipient=payload.recipient,
            email=payload.email,
        )
    except (DomainError, PermissionDenied) as e:
        raise _refuse(e) from None
    made.request.url = made.url  # type: ignore[attr-defined]
    return 201, made.request


@router.get("/responses", response=list[ResponseOut])
@paginate
def list_feedback_responses(request: HttpRequest) -> Any:
    return selectors.response_list_visible(user=request.user).select_related("safety_alert")


@router.get("/responses/{int:response_id}", response=ResponseOut)
def get_feedback_response(request: HttpRequest, response_id: int) -> Any:
    found = selectors.response_get_visible(user=request.user, pk=response_id)
    if found is None:
        raise HttpError(404, "Not found")
    return found


def _qa_only(request: HttpRequest) -> None:
    if not getattr(request.user, "is_qa_unit", False):
        raise HttpError(404, "Not found")


@router.get("/complaints", response=list[ComplaintOut])
@paginate
def list_complaints(request: HttpRequest) -> Any:
    _qa_only(request)
    return selectors.complaint_list()


@router.get("/complaints/{int:complaint_id}", response=ComplaintOut)
def get_complaint(request: HttpRequest, complaint_id: int) -> Any:
    _qa_only(request)
    found = selectors.complaint_get(pk=complaint_id)
    if found is None:
        raise HttpError(404, "Not found")
    return found


@router.post(
    "/complaints", response={201: ComplaintOut}, openapi_extra=_documents_body(ComplaintIn)
)
def create_complaint(request: HttpRequest) -> Any:
    _qa_only(request)
    payload = _body(request, ComplaintIn)
    if payload.kind not in FeedbackKind.values:
        raise _invalid("kind", "Must be complaint or compliment")
    if payload.category not in ComplaintCategory.values:
        raise _invalid("category", "Not a known category")
    if payload.outcome not in ComplaintOutcome.values:
        raise _invalid("outcome", "Not a known outcome")
    team = None
    if payload.team_id is not None:
        team = team_list_visible(user=request.user).filter(pk=payload.team_id).first()
        if team is None:
            raise HttpError(404, "Not found")
    values = payload.dict()
    values.pop("team_id")
    try:
        entry = services.complaint_create(by=request.user, team=team, service=None, **values)
    except (DomainError, PermissionDenied) as e:
        raise _refuse(e) from None
    return 201, entry
