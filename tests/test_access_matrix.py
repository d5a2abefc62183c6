"""Every route x every role (and the signed-out visitor) answers as docs/access-matrix/ says.

The matrix format is in docs/access-matrix/README.md; the support code in tests/access_matrix/.
The council is built once for this module; each test runs in its own rolled-back savepoint.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import Council, build_council, sign_in
from qaf.accounts.models import Role
from tests.access_matrix.matrix import (
    ANONYMOUS,
    API_NAMESPACE,
    ROLES,
    SCOPED,
    Entry,
    Route,
    all_routes,
    concrete_path,
    coverage_problems,
    describe,
    judge,
    load_entries,
)
from tests.access_matrix.objects import KINDS


def _cases() -> tuple[list[Any], str]:
    try:
        entries = load_entries()
    except (ValueError, TypeError) as error:
        return [], str(error)
    routes = {r.name: r for r in all_routes()}
    explicit = {e.name for e in entries if not e.is_wildcard}
    cases = []
    for entry in entries:
        if entry.is_wildcard:
            namespace = entry.name[:-2]
            targets = [r for r in routes.values() if r.namespace == namespace]
            targets = [r for r in targets if r.name not in explicit]
        else:
            targets = [routes[entry.name]] if entry.name in routes else []
        for route in targets:
            for role in ROLES:
                case_id = f"{route.name} {entry.method} {role}"
                cases.append(pytest.param(route, entry, role, id=case_id))
    return cases, ""


CASES, LOAD_ERROR = _cases()


def test_matrix_files_are_well_formed():
    assert not LOAD_ERROR, LOAD_ERROR


def test_every_route_has_an_entry_and_every_entry_a_route():
    problems = coverage_problems(all_routes(), load_entries())
    assert not problems, "The access matrix is out of step with the URLs:\n" + "\n".join(problems)


def test_every_object_kind_named_in_the_matrix_exists():
    unknown = [
        f"{e.source}: {e.name} uses object kind {kind!r}, not registered in "
        f"tests/access_matrix/objects*.py"
        for e in load_entries()
        for kind in e.objects.values()
        if kind not in KINDS
    ]
    assert not unknown, "\n".join(unknown)


FORM_WITH_ERRORS = (
    '<html><main><div class="govuk-error-summary" data-module="govuk-error-summary">'
    "<h2>There is a problem</h2><ul><li><a href='#id_title'>Enter a title</a></li></ul>"
    "</div><form method='post'></form></main></html>"
)


@pytest.mark.parametrize(
    ("method", "response", "api", "outcome"),
    [
        ("POST", HttpResponse(FORM_WITH_ERRORS), False, "invalid"),
        ("GET", HttpResponse(FORM_WITH_ERRORS), False, "ok"),  # a page that shows errors
        ("POST", HttpResponse("<html><main><h1>Done</h1></main></html>"), False, "ok"),
        ("POST", HttpResponseRedirect("/actions/7/"), False, "ok"),
        ("POST", HttpResponseRedirect("/accounts/sign-in/?next=/x/"), False, "sign-in"),
        ("GET", HttpResponseRedirect("/admin/login/?next=/admin/"), False, "admin-sign-in"),
        ("POST", HttpResponse(FORM_WITH_ERRORS, status=400), False, "bad-request"),
        ("POST", HttpResponse(status=404), False, "not-found"),
        ("POST", HttpResponse(status=403), False, "forbidden"),
        ("GET", HttpResponse(status=405), False, "not-allowed"),
        ("POST", HttpResponse(status=401), False, "unauthorised"),
        ("POST", HttpResponse(status=401), True, "sign-in"),
        ("POST", HttpResponse(status=422), True, "invalid"),
        ("POST", HttpResponse(FORM_WITH_ERRORS, content_type="text/csv"), False, "ok"),
        ("POST", HttpResponse(status=500), False, "status 500"),
    ],
)
def test_judge_tells_a_refused_form_from_an_accepted_one(method, response, api, outcome):
    assert judge(response, api=api, method=method) == outcome


def test_invalid_is_never_expected_of_a_get():
    assert all(
        not ({"invalid", "scoped-invalid"} & set(e.access.values()))
        for e in load_entries()
        if e.method == "GET"
    )


@dataclass
class MatrixCouncil:
    council: Council
    sessions: dict[str, str]  # role -> session key of a signed-in, verified session


@pytest.fixture(scope="module")
def matrix_council(django_db_setup: Any, django_db_blocker: Any) -> Iterator["MatrixCouncil"]:
    """One council for the whole module, rolled back at the end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            council = build_council()
            # As in the demo council, the QA unit administers the service through the admin.
            qa = council.users[Role.QA_OFFICER]
            qa.is_staff = qa.is_superuser = True
            qa.save()
            for user in council.users.values():
                TOTPDevice.objects.create(user=user, name="test", confirmed=True)
            # Sign each role in once; every test reuses the session (its changes roll back).
            sessions = {
                role: sign_in(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
                for role, user in council.users.items()
            }
            yield MatrixCouncil(council, sessions)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _admin_values(route: Route, council: Council) -> dict[str, Any]:
    """Sample URL values for the admin's own patterns: real objects where they exist."""
    values: dict[str, Any] = {}
    first_model = next(iter(admin.site._registry))
    parts = route.pattern.split("/")
    model = None
    if len(parts) > 2:
        try:
            model = apps.get_model(parts[1], parts[2])
        except (LookupError, ValueError):
            model = None
    for kwarg in route.kwargs:
        if kwarg == "app_label":
            values[kwarg] = first_model._meta.app_label
        elif kwarg == "content_type_id":
            values[kwarg] = ContentType.objects.get_for_model(type(council.users[Role.DIRECTOR])).pk
        elif kwarg == "url":
            # The catch-all: a changelist address without its slash, which it redirects.
            meta = first_model._meta
            values[kwarg] = f"{meta.app_label}/{meta.model_name}"
        else:  # object_id, pk, id: an object of the model the address is about
            if route.name == "admin:view_on_site":
                values[kwarg] = council.users[Role.DIRECTOR].pk
            else:
                existing = model.objects.order_by("pk").first() if model else None
                values[kwarg] = existing.pk if existing else 0
    return values


def _variants(
    route: Route, entry: Entry, role: str, council: Council
) -> list[tuple[str, dict[str, Any]]]:
    """(label, URL values) pairs: the in-scope and out-of-scope objects, or a single fill."""
    if route.namespace == "admin":
        return [("", _admin_values(route, council))]
    missing = [k for k in route.kwargs if k not in entry.objects]
    assert not missing, (
        f"{entry.source}: {route.name} takes {missing}: add 'objects: {{<kwarg>: <kind>}}'"
    )
    if not route.kwargs:
        return [("", {})]
    inside: dict[str, Any] = {}
    outside: dict[str, Any] = {}
    for kwarg in route.kwargs:
        inside[kwarg], outside[kwarg] = KINDS[entry.objects[kwarg]](council, role)
    variants = []
    if None not in inside.values():
        variants.append(("in scope", inside))
    if None not in outside.values():
        variants.append(("out of scope", outside))
    assert variants, f"object kinds {entry.objects} give no object at all for {role}"
    return variants


# `objects: {body: <kind>}` on an API entry: the kind gives (a valid JSON body, an invalid one)
# and the test sends each instead of the empty form. With `scoped`, the valid body must succeed
# and the invalid one answer 422 (the role may create, and the body is checked after the role);
# any other outcome must hold for both bodies (a role that may not create is refused whatever it
# sends).
BODY = "body"
INVALID = "invalid"  # 422 from the API, as docs/api.md's validation error


def _bodies(entry: Entry, role: str, council: Council) -> list[tuple[str, Any]]:
    if BODY not in entry.objects:
        return [("", None)]
    valid, invalid = KINDS[entry.objects[BODY]](council, role)
    bodies = [("valid body", valid), ("invalid body", invalid)]
    return [(label, body) for label, body in bodies if body is not None]


def _expected(outcome: str, object_label: str, body_label: str) -> str:
    """`scoped`: in scope `ok` (or `invalid` for the invalid body), out of scope `not-found`;
    `scoped-invalid`: in scope the form comes back with errors, out of scope `not-found`."""
    if outcome not in SCOPED:
        return outcome
    if object_label == "out of scope":
        return "not-found"
    if outcome == "scoped-invalid" or body_label == "invalid body":
        return INVALID
    return "ok"


@pytest.mark.parametrize(("route", "entry", "role"), CASES)
def test_access(
    route: Route, entry: Entry, role: str, matrix_council: MatrixCouncil, db: Any
) -> None:
    council = matrix_council.council
    outcome = entry.outcome_for(role)
    assert outcome is not None
    client = Client()
    if role != ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = matrix_council.sessions[role]
    api = route.namespace == API_NAMESPACE
    for label, values in _variants(route, entry, role, council):
        path = reverse(route.name, kwargs=values) if route.named else concrete_path(route, values)
        for body_label, body in _bodies(entry, role, council):
            if body is not None:
                response = client.generic(
                    entry.method, path, json.dumps(body), content_type="application/json"
                )
            elif entry.method == "POST":
                response = client.post(path, {})
            else:
                response = client.generic(entry.method, path)
            expected = _expected(outcome, label, body_label)
            seen = judge(response, api=api, method=entry.method)
            where = ", ".join(x for x in (f"{label} object" if label else "", body_label) if x)
            assert seen == expected, (
                f"route {route.name} {entry.method} {path}{f' ({where})' if where else ''} as "
                f"{role}: expected {expected}, got "
                f"{describe(response, api=api, method=entry.method)}"
            )
