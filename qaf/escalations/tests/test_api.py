"""The escalations API answers exactly as the pages do: out of scope is 404."""

import json

import pytest
import time_machine

from qaf.accounts.models import Role
from qaf.escalations.models import EscalationStatus
from qaf.escalations.tests.conftest import at

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_list_is_scoped(council, client_for, raise_on):
    mine = raise_on(at(2026, 3, 2, 10, 0))
    raise_on(at(2026, 3, 2, 10, 0), child=council.far_child)
    body = client_for(Role.PRACTITIONER).get("/api/v1/escalations/").json()
    assert [e["id"] for e in body["items"]] == [mine.pk]
    assert client_for(Role.ELECTED_MEMBER).get("/api/v1/escalations/").json()["items"] == []


def test_detail_is_scoped(council, client_for, raise_on):
    far = raise_on(at(2026, 3, 2, 10, 0), child=council.far_child)
    assert client_for(Role.SERVICE_MANAGER).get(f"/api/v1/escalations/{far.pk}").status_code == 404
    body = client_for(Role.QA_OFFICER).get(f"/api/v1/escalations/{far.pk}").json()
    assert body["reference"] == f"E{far.pk}"
    assert [s["action"] for s in body["steps"]] == ["raise"]
    # what the caller may do next: nothing alone on a safeguarding concern (issue 17) ...
    assert body["available_steps"] == []
    practice = raise_on(at(2026, 3, 2, 10, 0), kind="practice", child=council.far_child)
    body = client_for(Role.QA_OFFICER).get(f"/api/v1/escalations/{practice.pk}").json()
    # ... and cancel a practice concern
    assert [s["name"] for s in body["available_steps"]] == ["cancel"]


def test_raise_and_steps_through_the_api(council, client_for):
    qa, sm = client_for(Role.QA_OFFICER), client_for(Role.SERVICE_MANAGER)
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        response = post(
            qa,
            "/api/v1/escalations/",
            {
                "child_id": council.own_child.pk,
                "kind": "safeguarding",
                "source": "audit",
                "reason": "No visits",
            },
        )
        assert response.status_code == 201
        pk = response.json()["id"]
        assert response.json()["deadline_on"] == "2026-03-03"
        url = f"/api/v1/escalations/{pk}/steps"
        assert post(sm, url, {"action": "sign_off", "note": "x"}).status_code == 409
        assert (
            post(client_for(Role.PRACTITIONER), url, {"action": "acknowledge"}).status_code == 403
        )
        assert (
            post(sm, url, {"action": "acknowledge"}).json()["status"]
            == EscalationStatus.ACKNOWLEDGED
        )
        assert (
            post(sm, url, {"action": "agree_actions", "note": "Talked", "actions": []}).status_code
            == 422  # Invalid (ADR 0004: bad input is 422 everywhere)
        )
        body = post(
            sm, url, {"action": "agree_actions", "note": "Talked", "actions": ["Visit"]}
        ).json()
        assert body["status"] == EscalationStatus.ACTIONS_AGREED


def test_raise_on_out_of_scope_child_is_404_and_bad_input_422(council, client_for):
    client = client_for(Role.PRACTITIONER)
    data = {"child_id": council.far_child.pk, "kind": "practice", "source": "manual", "reason": "r"}
    assert post(client, "/api/v1/escalations/", data).status_code == 404
    data["child_id"] = council.own_child.pk
    data["kind"] = "urgent"
    response = post(client, "/api/v1/escalations/", data)
    assert response.status_code == 422
    assert "safeguarding concern or a practice concern" in response.json()["detail"]


def test_dashboard_for_elected_members_has_no_children(council, client_for, raise_on):
    raise_on(at(2026, 3, 2, 10, 0))
    body = client_for(Role.ELECTED_MEMBER).get("/api/v1/escalations/dashboard").json()
    assert body["open"] == 1
    assert council.own_child.council_child_id not in json.dumps(body)
    assert client_for(Role.PARTNER_AUDITOR).get("/api/v1/escalations/dashboard").status_code == 404
