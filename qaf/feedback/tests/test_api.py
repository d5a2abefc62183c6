"""The feedback API's create endpoints: the role is checked before the body, a bad body is
refused with field errors and writes nothing, and the OpenAPI document still describes the body."""

import datetime as dt
import json

import pytest

from qaf.accounts.models import Role
from qaf.common import clock
from qaf.feedback.api import ComplaintIn, RequestIn
from qaf.feedback.models import ComplaintEntry, FeedbackRequest

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/feedback/requests"
COMPLAINTS = "/api/v1/feedback/complaints"
VALID_REQUEST = {"audience": "partner", "recipient": "Riverside Primary School"}
INVALID_REQUEST = {"child_id": "seven"}  # no audience; a child ID that is not a number


def valid_complaint() -> dict[str, str]:
    return {
        "kind": "complaint",
        "received_on": (clock.today() - dt.timedelta(days=3)).isoformat(),
        "category": "delay",
        "summary": "The review meeting was moved three times.",
    }


def post(client, url, body):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data, content_type="application/json")


def field_errors(response) -> list[tuple[tuple[str, ...], str, str]]:
    return [(tuple(e["loc"]), e["type"], e["msg"]) for e in response.json()["detail"]]


# Roles that may not create: 404 whatever the body, before it is read.

NOT_REQUESTERS = [
    Role.TEAM_MANAGER,
    Role.SERVICE_MANAGER,
    Role.DIRECTOR,
    Role.CP_CHAIR,
    Role.PARTNER_AUDITOR,
    Role.ELECTED_MEMBER,
]


@pytest.mark.parametrize("role", NOT_REQUESTERS)
@pytest.mark.parametrize(
    "body", [VALID_REQUEST, INVALID_REQUEST, "not json {", ""], ids=["valid", "invalid", "junk", ""]
)
def test_a_role_that_may_not_request_feedback_gets_404_whatever_it_sends(client_for, role, body):
    response = post(client_for(role), REQUESTS, body)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}
    assert FeedbackRequest.objects.count() == 0


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.TEAM_MANAGER, Role.DIRECTOR])
@pytest.mark.parametrize(
    "body",
    [lambda: valid_complaint(), lambda: {"kind": "complaint"}, lambda: "not json {"],
    ids=["valid", "invalid", "junk"],
)
def test_only_the_qa_unit_logs_complaints_whatever_is_sent(client_for, role, body):
    response = post(client_for(role), COMPLAINTS, body())
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}
    assert ComplaintEntry.objects.count() == 0


def test_signed_out_gets_401_before_the_body_is_read(client):
    assert post(client, REQUESTS, INVALID_REQUEST).status_code == 401
    assert post(client, COMPLAINTS, "not json {").status_code == 401


# Roles that may create: a bad body is refused field by field and nothing is written.


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.QA_OFFICER])
def test_an_invalid_request_body_names_each_field_and_writes_nothing(client_for, role):
    response = post(client_for(role), REQUESTS, INVALID_REQUEST)
    assert response.status_code == 422
    assert field_errors(response) == [
        (("body", "payload", "audience"), "missing", "Field required"),
        (
            ("body", "payload", "child_id"),
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
        ),
    ]
    assert FeedbackRequest.objects.count() == 0


def test_a_body_that_is_not_json_or_is_empty_or_not_an_object(client_for):
    client = client_for(Role.QA_OFFICER)
    response = post(client, REQUESTS, "not json {")
    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot parse request body"}
    response = post(client, REQUESTS, "")
    assert response.status_code == 422
    assert field_errors(response) == [(("body", "payload"), "missing", "Field required")]
    response = post(client, REQUESTS, ["partner"])
    assert response.status_code == 422
    # ninja's Schema reads attributes, so a list is an object without the required field.
    assert field_errors(response) == [
        (("body", "payload", "audience"), "missing", "Field required")
    ]
    assert FeedbackRequest.objects.count() == 0


def test_a_valid_request_body_makes_the_link(client_for):
    response = post(client_for(Role.PRACTITIONER), REQUESTS, VALID_REQUEST)
    assert response.status_code == 201
    made = FeedbackRequest.objects.get()
    body = response.json()
    assert body["id"] == made.pk and body["audience"] == "partner"
    assert body["url"]  # the link, shown once


def test_an_invalid_complaint_body_names_each_field_and_writes_nothing(client_for):
    client = client_for(Role.QA_OFFICER)
    response = post(client, COMPLAINTS, {"kind": "complaint", "received_on": "last Tuesday"})
    assert response.status_code == 422
    errors = field_errors(response)
    assert [(loc, kind) for loc, kind, _ in errors] == [
        (("body", "payload", "received_on"), "date_from_datetime_parsing"),
        (("body", "payload", "category"), "missing"),
        (("body", "payload", "summary"), "missing"),
    ]
    for field, value, message in (
        ("kind", "grumble", "Must be complaint or compliment"),
        ("category", "weather", "Not a known category"),
        ("outcome", "sorted", "Not a known outcome"),
    ):
        response = post(client, COMPLAINTS, {**valid_complaint(), field: value})
        assert response.status_code == 422, field
        assert field_errors(response) == [(("body", "payload", field), "value_error", message)]
    assert ComplaintEntry.objects.count() == 0


def test_a_valid_complaint_is_logged(client_for):
    response = post(client_for(Role.QA_OFFICER), COMPLAINTS, valid_complaint())
    assert response.status_code == 201
    entry = ComplaintEntry.objects.get()
    assert response.json()["id"] == entry.pk
    assert entry.category == "delay" and entry.response_due_on is not None


# The OpenAPI document still describes the body the views parse themselves.


@pytest.mark.parametrize(
    ("path", "schema", "required"),
    [
        (REQUESTS, RequestIn, ["audience"]),
        (COMPLAINTS, ComplaintIn, ["kind", "received_on", "category", "summary"]),
    ],
    ids=["request", "complaint"],
)
def test_the_openapi_document_describes_the_body(client, path, schema, required):
    spec = client.get("/api/v1/openapi.json").json()
    body = spec["paths"][path]["post"]["requestBody"]
    assert body["required"] is True
    documented = body["content"]["application/json"]["schema"]
    assert documented == schema.model_json_schema()
    assert documented["required"] == required
    assert spec["paths"][path]["post"]["parameters"] == []
