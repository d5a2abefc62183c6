"""The API answers a bearer token or a signed-in, second-factor-verified session; nothing else."""

from typing import Any

import pytest
from django.test import Client

from qaf.accounts.models import Role
from qaf.accounts.services import api_token_create, api_token_revoke, user_disable

pytestmark = pytest.mark.django_db

CHILDREN = "/api/v1/children/"


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_signed_out_request_gets_401_with_a_json_error(client):
    response = client.get(CHILDREN)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_token_authenticates_and_is_scoped_to_its_user(council: Any):
    _, key = api_token_create(user=council.users[Role.PRACTITIONER], name="Reporting")
    response = Client().get(CHILDREN, **bearer(key))
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["items"]] == [council.own_child.pk]


def test_token_use_is_recorded(council: Any):
    token, key = api_token_create(user=council.users[Role.DIRECTOR], name="Reporting")
    assert token.last_used_at is None
    Client().get(CHILDREN, **bearer(key))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_wrong_token_gets_401(council: Any):
    api_token_create(user=council.users[Role.DIRECTOR], name="Reporting")
    assert Client().get(CHILDREN, **bearer("qaf_not-a-real-token")).status_code == 401


def test_revoked_token_gets_401(council: Any):
    token, key = api_token_create(user=council.users[Role.DIRECTOR], name="Reporting")
    assert Client().get(CHILDREN, **bearer(key)).status_code == 200
    api_token_revoke(token=token)
    assert Client().get(CHILDREN, **bearer(key)).status_code == 401


def test_disabled_users_token_gets_401(council: Any):
    user = council.users[Role.DIRECTOR]
    _, key = api_token_create(user=user, name="Reporting")
    user_disable(user=user)
    assert Client().get(CHILDREN, **bearer(key)).status_code == 401


def test_token_of_a_user_made_inactive_directly_gets_401(council: Any):
    """Even if the token was somehow not revoked, an inactive account is refused."""
    user = council.users[Role.DIRECTOR]
    _, key = api_token_create(user=user, name="Reporting")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert Client().get(CHILDREN, **bearer(key)).status_code == 401


def test_verified_session_authenticates(client_for):
    assert client_for(Role.DIRECTOR).get(CHILDREN).status_code == 200


def test_session_without_second_factor_gets_401(council: Any):
    client = Client()
    client.force_login(council.users[Role.DIRECTOR])  # password done, TOTP not
    assert client.get(CHILDREN).status_code == 401


def test_api_answers_are_never_cached(council: Any, client_for):
    _, key = api_token_create(user=council.users[Role.DIRECTOR], name="Reporting")
    for response in (
        Client().get(CHILDREN, **bearer(key)),
        client_for(Role.DIRECTOR).get(CHILDREN),
        Client().get(CHILDREN),
        Client().get("/api/v1/openapi.json"),
    ):
        assert "no-store" in response["Cache-Control"]


def test_wrong_method_gets_405(client_for):
    response = client_for(Role.DIRECTOR).delete(CHILDREN)
    assert response.status_code == 405
    assert response["Allow"] == "GET"
