"""Object kinds for the access matrix: kind -> function(council, role) -> (in_scope, out_of_scope).

Each function returns the value to put in the URL for an object the role may see and for one it
may not (either may be None when there is no such object for that role). The functions may create
objects: they run inside the test's transaction, which is rolled back afterwards.

Adding a kind for another app: create ``tests/access_matrix/objects_<app>.py`` defining a module
level ``KINDS`` dict of the same shape. Every such module is imported here automatically; a kind
defined twice is an error, so no file ever needs editing by two engineers.
"""

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qaf.accounts.models import APIToken, Role
from qaf.accounts.services import api_token_create

ANONYMOUS = "anonymous"

ObjectValue = int | str | None
KindFunction = Callable[[Any, str], tuple[ObjectValue, ObjectValue]]


def _pk(obj: Any) -> int | None:
    return None if obj is None else obj.pk


def child(council: Any, role: str) -> tuple[ObjectValue, ObjectValue]:
    """Chosen by hand from the council (not from the selectors), so a scoping bug shows."""
    c = council
    pairs = {
        Role.PRACTITIONER: (c.own_child, c.team_child),
        Role.TEAM_MANAGER: (c.team_child, c.district_child),
        Role.SERVICE_MANAGER: (c.district_child, c.far_child),
        Role.ASSISTANT_DIRECTOR: (c.district_child, c.far_child),
        Role.DIRECTOR: (c.far_child, None),
        Role.QA_OFFICER: (c.cic_child, None),
        Role.CP_CHAIR: (c.cp_child, c.cic_child),
        Role.IRO: (c.cic_child, c.cp_child),
        Role.PARTNER_AUDITOR: (None, c.own_child),
        Role.ELECTED_MEMBER: (None, c.own_child),
        ANONYMOUS: (None, c.own_child),
    }
    inside, outside = pairs[role]
    return _pk(inside), _pk(outside)


def team(council: Any, role: str) -> tuple[ObjectValue, ObjectValue]:
    c = council
    pairs = {
        Role.PRACTITIONER: (c.home_team, c.sibling_team),
        Role.TEAM_MANAGER: (c.home_team, c.sibling_team),
        Role.SERVICE_MANAGER: (c.sibling_team, c.other_area_team),
        Role.ASSISTANT_DIRECTOR: (c.sibling_team, c.other_area_team),
        Role.DIRECTOR: (c.other_area_team, None),
        Role.QA_OFFICER: (c.other_area_team, None),
        Role.CP_CHAIR: (None, c.home_team),
        Role.IRO: (None, c.home_team),
        Role.PARTNER_AUDITOR: (None, c.home_team),
        Role.ELECTED_MEMBER: (None, c.home_team),
        ANONYMOUS: (None, c.home_team),
    }
    inside, outside = pairs[role]
    return _pk(inside), _pk(outside)


def token(council: Any, role: str) -> tuple[ObjectValue, ObjectValue]:
    """The account's own API token, and one belonging to another account."""
    other_role = Role.DIRECTOR if role != Role.DIRECTOR else Role.QA_OFFICER
    theirs, _ = api_token_create(user=council.users[other_role], name="Someone else's token")
    if role == ANONYMOUS:
        return None, theirs.pk
    own: APIToken
    own, _ = api_token_create(user=council.users[role], name="My token")
    return own.pk, theirs.pk


KINDS: dict[str, KindFunction] = {"child": child, "team": team, "token": token}


def _load_app_kinds() -> None:
    package = __name__.rpartition(".")[0]
    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if not module.name.startswith("objects_"):
            continue
        extra = getattr(importlib.import_module(f"{package}.{module.name}"), "KINDS", None)
        if not isinstance(extra, dict):
            raise TypeError(f"tests/access_matrix/{module.name}.py must define a KINDS dict")
        clash = set(extra) & set(KINDS)
        if clash:
            raise ValueError(
                f"tests/access_matrix/{module.name}.py redefines object kinds {sorted(clash)}"
            )
        KINDS.update(extra)


_load_app_kinds()
