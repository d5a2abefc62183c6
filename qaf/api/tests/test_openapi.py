"""The OpenAPI document is served, valid OpenAPI 3, and describes every endpoint."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

NINJA_OWN_ROUTES = {"openapi-json", "api-root"}


def api_route_paths() -> set[str]:
    """Every API route in the URL configuration, in OpenAPI's spelling (/api/v1/children/{id})."""
    paths: set[str] = set()

    def walk(patterns: list, prefix: str, inside_api: bool) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), inside_api or p.namespace == "api-v1")
            elif isinstance(p, URLPattern) and inside_api and p.name not in NINJA_OWN_ROUTES:
                route = prefix + str(p.pattern)
                paths.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))

    walk(get_resolver().url_patterns, "", False)
    return paths


def test_openapi_document_is_served_as_json(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")


def test_openapi_document_is_valid_openapi_3(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    validate(spec)  # raises on any schema error


def test_every_api_route_is_documented(client):
    spec = client.get("/api/v1/openapi.json").json()
    routes = api_route_paths()
    assert "/api/v1/children/{child_id}" in routes  # the walk finds the API at all
    assert routes == set(spec["paths"])


def test_every_operation_declares_its_authentication(client):
    spec = client.get("/api/v1/openapi.json").json()
    schemes = set(spec["components"]["securitySchemes"])
    assert {"TokenAuth", "VerifiedSessionAuth"} <= schemes
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security"), f"{method.upper()} {path} declares no security"


def test_list_endpoints_document_the_pagination_envelope(client):
    spec = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/children/", "/api/v1/organisation/teams", "/api/v1/organisation/staff"):
        get = spec["paths"][path]["get"]
        params = {p["name"] for p in get["parameters"]}
        assert {"limit", "offset"} <= params, path
        ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        envelope = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        assert set(envelope["required"]) == {"items", "count"}, path
