"""The actions API: scoped like the pages."""

import json

import pytest

from qaf.accounts.models import Role
from qaf.actions.models import ActionStatus
from qaf.actions.tests.factories import ActionFactory, ActionPlanFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def test_actions_are_scoped_and_updatable_by_the_owner(council, client_for):
    mine = ActionFactory(owner=council.users[Role.PRACTITIONER].staff)
    other = ActionFactory()
    client = client_for(Role.PRACTITIONER)
    assert [a["id"] for a in client.get("/api/v1/actions/").json()["items"]] == [mine.pk]
    assert [a["id"] for a in client.get("/api/v1/actions/?mine=true").json()["items"]] == [mine.pk]
    assert client.get(f"/api/v1/actions/{other.pk}").status_code == 404
    response = client.patch(
        f"/api/v1/actions/{mine.pk}",
        json.dumps({"status": "done"}),
        content_type="application/json",
    )
    assert response.status_code == 422  # Invalid: no evidence (ADR 0004)
    assert response.json()["detail"] == "Enter the evidence that the action is complete."
    response = client.patch(
        f"/api/v1/actions/{mine.pk}",
        json.dumps({"status": "done", "evidence": "Plan updated"}),
        content_type="application/json",
    )
    assert response.json()["status"] == ActionStatus.DONE
    response = client.patch(
        f"/api/v1/actions/{mine.pk}",
        json.dumps({"status": "open"}),
        content_type="application/json",
    )
    assert response.status_code == 409


def test_plans_and_meetings(council, client_for):
    plan = ActionPlanFactory()
    meeting = MeetingFactory()
    ActionFactory(meeting=meeting, item_number=1, item_letter="a")
    qa = client_for(Role.QA_OFFICER)
    assert qa.get(f"/api/v1/actions/plans/{plan.pk}").json()["title"] == plan.title
    body = qa.get(f"/api/v1/actions/meetings/{meeting.pk}").json()
    assert [a["log_reference"] for a in body["actions"]] == ["1a"]
    assert (
        client_for(Role.PRACTITIONER).get(f"/api/v1/actions/meetings/{meeting.pk}").status_code
        == 404
    )
    assert client_for(Role.ELECTED_MEMBER).get("/api/v1/actions/plans").json()["items"] == []
