"""Bad input never answers 500 (issue 17: a huge offset, NUL characters or broken Unicode did,
on PostgreSQL). Each case: the status the API answers, and that nothing changed."""

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qaf.accounts.models import Role
from qaf.accounts.services import api_token_create
from qaf.escalations.models import Escalation

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(council: Any) -> Client:
    _, key = api_token_create(user=council.users[Role.QA_OFFICER], name="Tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


GETS = [
    ("/api/v1/children/?offset=" + "9" * 30, 422),
    ("/api/v1/children/?offset=1000000001", 422),
    ("/api/v1/children/?offset=1000000000", 200),  # the largest offset: simply no items
    ("/api/v1/children/?offset=-1", 422),
    ("/api/v1/children/?limit=" + "9" * 30, 422),
    ("/api/v1/children/?limit=501", 422),
    ("/api/v1/children/?limit=0", 422),
    ("/api/v1/children/" + "9" * 25, 404),  # a key no database integer holds: not found
    ("/api/v1/children/?team=%00", 422),
    ("/api/v1/children/?%00=x", 422),
    ("/api/v1/tools/universal%00/versions/1", 422),
    ("/api/v1/tools/universal/versions/" + "9" * 25, 404),
]


@pytest.mark.parametrize(("url", "status"), GETS)
def test_bad_queries_and_paths(api, url, status):
    response = api.get(url)
    assert response.status_code == status, response.content
    if status == 422:
        assert response.json()["detail"]


def raise_body(**overrides: Any) -> dict[str, Any]:
    return {"child_id": 1, "kind": "safeguarding", "source": "audit", "reason": "x", **overrides}


BODIES = [
    (json.dumps(raise_body(reason="before\u0000after")), "reason contains a NUL character"),
    (json.dumps(raise_body(reason="broken \ud800 text")), "reason contains a lone surrogate"),
    (json.dumps(raise_body(**{"re\u0000son": "x"})), "contains a NUL character"),
    (json.dumps(raise_body(child_id=2**70)), "child_id is a number too large to store"),
    (json.dumps([{"deep": [{"deeper": "\u0000"}]}]), "[0].deep[0].deeper contains a NUL"),
    (b'{"reason": "\xff\xfe"}', "The request body is not valid UTF-8"),
]


@pytest.mark.parametrize(("body", "message"), BODIES)
def test_bad_json_bodies_are_refused_with_where_and_why(api, body, message):
    before = Escalation.objects.count()
    response = api.post("/api/v1/escalations/", body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert message in response.json()["detail"]
    assert Escalation.objects.count() == before


@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0xDFFF)))
def test_any_text_in_a_query_or_body_is_never_a_server_error(api, text):
    # A URL cannot carry a lone surrogate (it is percent-encoded UTF-8); a JSON body can.
    in_url = "".join(c for c in text if not "\ud800" <= c <= "\udfff")
    assert api.get("/api/v1/children/", {"team": in_url}).status_code in (200, 422)
    response = api.post(
        "/api/v1/escalations/", json.dumps(raise_body(reason=text)), content_type="application/json"
    )
    assert response.status_code < 500, response.content
