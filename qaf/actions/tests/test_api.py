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


@pytest.mark.parametrize("detail", ["plans", "meetings"])
@pytest.mark.parametrize(
    ("role", "sees_far"),
    [(Role.TEAM_MANAGER, False), (Role.SERVICE_MANAGER, False), (Role.QA_OFFICER, True)],
)
def test_nested_actions_in_plan_and_meeting_details_are_filtered_by_their_own_scope(
    council, client_for, detail, role, sees_far
):
    """Issue 17: a plan's or meeting's detail lists only the actions the reader may see."""
    plan, meeting = ActionPlanFactory(), MeetingFactory()
    parent = {"plan": plan} if detail == "plans" else {"meeting": meeting}
    home = ActionFactory(
        owner=council.users[Role.PRACTITIONER].staff,
        team=council.home_team,
        child=council.own_child,
        item_number=1,
        item_letter="a",
        **parent,
    )
    far = ActionFactory(
        team=council.other_area_team,
        child=council.far_child,
        item_number=1,
        item_letter="b",
        **parent,
    )
    pk = plan.pk if detail == "plans" else meeting.pk
    body = client_for(role).get(f"/api/v1/actions/{detail}/{pk}").json()
    expected = [home.pk, far.pk] if sees_far else [home.pk]
    assert sorted(a["id"] for a in body["actions"]) == expected
