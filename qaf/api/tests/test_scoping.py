"""The API shows each role exactly what the pages show (the same scoped selectors)."""

from typing import Any

import pytest
from django.test import Client

from qaf.access_log.models import AccessLogEntry
from qaf.accounts.models import Role
from qaf.accounts.services import api_token_create
from qaf.cases.selectors import child_list_visible
from qaf.organisation.selectors import team_list_visible

pytestmark = pytest.mark.django_db


def api_client(council: Any, role: str) -> Client:
    _, key = api_token_create(user=council.users[role], name="Tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def all_items(client: Client, url: str) -> list[dict[str, Any]]:
    """Follow the pagination to the end, two at a time (so paging itself is exercised)."""
    items: list[dict[str, Any]] = []
    while True:
        response = client.get(url, {"limit": 2, "offset": len(items)})
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["items"]
        if len(items) >= body["count"] or not body["items"]:
            return items


@pytest.mark.parametrize("role", list(Role))
def test_children_list_equals_the_pages_scope(council: Any, role: str):
    ids = {c["id"] for c in all_items(api_client(council, role), "/api/v1/children/")}
    expected = set(child_list_visible(user=council.users[role]).values_list("pk", flat=True))
    assert ids == expected


@pytest.mark.parametrize("role", list(Role))
def test_team_list_equals_the_pages_scope(council: Any, role: str):
    ids = {t["id"] for t in all_items(api_client(council, role), "/api/v1/organisation/teams")}
    expected = set(team_list_visible(user=council.users[role]).values_list("pk", flat=True))
    assert ids == expected


@pytest.mark.parametrize("role", [Role.ELECTED_MEMBER, Role.PARTNER_AUDITOR])
def test_elected_members_and_partners_get_empty_lists(council: Any, role: str):
    client = api_client(council, role)
    for url in ("/api/v1/children/", "/api/v1/organisation/teams", "/api/v1/organisation/staff"):
        assert client.get(url).json() == {"items": [], "count": 0}, url


def test_in_scope_child_is_returned_and_logged(council: Any):
    response = api_client(council, Role.PRACTITIONER).get(
        f"/api/v1/children/{council.own_child.pk}"
    )
    assert response.status_code == 200
    assert response.json()["council_child_id"] == council.own_child.council_child_id
    entry = AccessLogEntry.objects.get()
    assert (entry.username, entry.object_id, entry.via, entry.outcome) == (
        "practitioner",
        str(council.own_child.pk),
        "api",
        "allowed",
    )


@pytest.mark.parametrize("suffix", ["", "/involvements"])
def test_out_of_scope_child_is_404_and_logged_as_not_found(council: Any, suffix: str):
    client = api_client(council, Role.PRACTITIONER)
    response = client.get(f"/api/v1/children/{council.team_child.pk}{suffix}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}
    entry = AccessLogEntry.objects.get()
    assert (entry.username, entry.role, entry.object_type, entry.object_id) == (
        "practitioner",
        Role.PRACTITIONER,
        "child",
        str(council.team_child.pk),
    )
    assert (entry.via, entry.outcome) == ("api", "not_found")


def test_missing_child_answers_exactly_like_an_out_of_scope_one(council: Any):
    client = api_client(council, Role.DIRECTOR)
    missing = client.get("/api/v1/children/999999")
    assert missing.status_code == 404
    hidden = api_client(council, Role.PRACTITIONER).get(f"/api/v1/children/{council.far_child.pk}")
    assert missing.json() == hidden.json()


def test_out_of_scope_team_is_404(council: Any):
    client = api_client(council, Role.TEAM_MANAGER)
    assert client.get(f"/api/v1/organisation/teams/{council.home_team.pk}").status_code == 200
    response = client.get(f"/api/v1/organisation/teams/{council.other_area_team.pk}")
    assert response.status_code == 404


def test_pagination_envelope_and_limits(council: Any):
    client = api_client(council, Role.QA_OFFICER)
    first = client.get("/api/v1/children/", {"limit": 2}).json()
    assert first["count"] == 6
    assert len(first["items"]) == 2
    rest = client.get("/api/v1/children/", {"limit": 2, "offset": 2}).json()
    assert {c["id"] for c in first["items"]}.isdisjoint({c["id"] for c in rest["items"]})
    ordered = [c["council_child_id"] for c in all_items(client, "/api/v1/children/")]
    assert ordered == sorted(ordered)


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "x"}])
def test_bad_pagination_parameters_are_refused_with_422(council: Any, query: dict[str, Any]):
    response = api_client(council, Role.QA_OFFICER).get("/api/v1/children/", query)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)
