"""Unsafe API methods need a CSRF token when the browser session authenticates them.

The API has no unsafe endpoint yet, so this builds one with the API's own authentication classes
(the ones qaf/api/api.py uses) and checks both ways of authenticating. It also checks that every
unsafe operation of the real API uses those classes, so the guarantee carries over.
"""

from typing import Any

import pytest
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client, override_settings
from django.urls import path
from ninja import NinjaAPI

from qaf.accounts.models import Role
from qaf.accounts.services import api_token_create
from qaf.api.auth import TokenAuth, VerifiedSessionAuth

pytestmark = pytest.mark.django_db

probe = NinjaAPI(auth=[TokenAuth(), VerifiedSessionAuth()], urls_namespace="csrf-probe")


@probe.post("/change")
def change(request: Any) -> dict[str, bool]:
    return {"changed": True}


urlpatterns = [path("probe/", probe.urls)]


def csrf_session_client(client: Client) -> tuple[Client, str]:
    """A session client with a CSRF cookie, and a matching token for the header."""
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    return client, _mask_cipher_secret(secret)


@override_settings(ROOT_URLCONF=__name__)
def test_session_post_without_csrf_token_is_refused(client_for):
    client = client_for(Role.DIRECTOR)
    client.handler.enforce_csrf_checks = True
    response = client.post("/probe/change")
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF check Failed"}


@override_settings(ROOT_URLCONF=__name__)
def test_session_post_with_csrf_header_is_accepted(client_for):
    client, token = csrf_session_client(client_for(Role.DIRECTOR))
    client.handler.enforce_csrf_checks = True
    response = client.post("/probe/change", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert response.json() == {"changed": True}


@override_settings(ROOT_URLCONF=__name__)
def test_bearer_token_post_needs_no_csrf_token(council):
    _, key = api_token_create(user=council.users[Role.DIRECTOR], name="Scripts")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/probe/change", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


def test_real_api_authenticates_every_operation_with_these_classes(client):
    """A view given its own auth (or auth=None) would escape the CSRF check above."""
    spec = client.get("/api/v1/openapi.json").json()
    for path_, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] == [{"TokenAuth": []}, {"VerifiedSessionAuth": []}], (
                f"{method.upper()} {path_} authenticates differently"
            )
