"""The access matrix names each route's permission ("# gate <permission>" on the entry), for the
apps whose views are gated: the name written there is the gate the view declares, so the matrix
cannot drift from the code."""

import re
from pathlib import Path

import pytest

from tests.test_view_gates import gates

MATRIX = Path(__file__).resolve().parents[3] / "docs" / "access-matrix"
APPS = ["audits", "cases", "feedback", "organisation", "performance", "tools", "web"]
ENTRY = re.compile(r"^\s*- name: (?P<name>\S+)(?:\s+#\s*(?P<comment>.*))?$")
METHOD = re.compile(r"^\s+method: (?P<method>[A-Z]+)")
NAMED = re.compile(r"^gate (?P<gate>[\w.]+)")


def entries(app: str) -> list[tuple[str, str, str | None]]:
    """(route name, method, the gate the comment names) for each entry of the app's file."""
    found: list[tuple[str, str, str | None]] = []
    for line in (MATRIX / f"{app}.yaml").read_text().splitlines():
        entry = ENTRY.match(line)
        if entry:
            named = NAMED.match(entry["comment"] or "")
            found.append((entry["name"], "GET", named["gate"] if named else None))
            continue
        method = METHOD.match(line)
        if method and found:
            name, _, gate = found[-1]
            found[-1] = (name, method["method"], gate)
    return found


def declared(name: str, method: str) -> str | None:
    views = gates()
    if not name.startswith("api-v1:"):
        return views[name]
    for key, gate in views.items():
        route, _, methods = key.partition(" ")
        if route == name and method in methods.split("/"):
            return gate
    raise KeyError(f"{name} {method}: no such API operation")


@pytest.mark.parametrize("app", APPS)
def test_each_route_names_the_gate_its_view_declares(app):
    wrong = [
        f"{name} {method}: the matrix says {named!r}, the view's gate is {declared(name, method)!r}"
        for name, method, named in entries(app)
        if named != declared(name, method)
    ]
    assert not wrong, wrong
