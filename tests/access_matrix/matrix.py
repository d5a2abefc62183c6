"""The access matrix: reading docs/access-matrix/*.yaml, walking every route, judging outcomes.

The format is described in docs/access-matrix/README.md.
"""

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver

from qaf.accounts.models import Role

MATRIX_DIR = Path(__file__).resolve().parents[2] / "docs" / "access-matrix"
ANONYMOUS = "anonymous"
OTHERS = "others"
ROLES: tuple[str, ...] = (*(role.value for role in Role), ANONYMOUS)
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
OUTCOMES = {
    "ok",
    "sign-in",
    "admin-sign-in",
    "not-found",
    "forbidden",
    "scoped",
    "not-allowed",
    "bad-request",
    "unauthorised",
    "invalid",
    "scoped-invalid",
}
SCOPED = {"scoped", "scoped-invalid"}  # judged per object: in scope, out of scope
API_NAMESPACE = "api-v1"
SIGN_IN_PATH = "/accounts/sign-in/"
ADMIN_SIGN_IN_PATH = "/admin/login/"


@dataclass(frozen=True)
class Route:
    """One URL pattern, however deeply included."""

    name: str  # "namespace:url_name"; unnamed patterns get "namespace:<pattern>"
    pattern: str  # the full pattern, e.g. "children/<int:child_id>/"
    kwargs: tuple[str, ...]
    named: bool
    methods: frozenset[str] = frozenset()  # API operations only: the methods they answer
    app: str = ""  # the qaf app whose view answers, e.g. "cases"; "" for Django's and ninja's

    @property
    def namespace(self) -> str:
        return self.name.partition(":")[0] if ":" in self.name else ""


@dataclass(frozen=True)
class Entry:
    name: str
    method: str
    access: dict[str, str]
    objects: dict[str, str] = field(default_factory=dict)
    source: str = ""

    @property
    def is_wildcard(self) -> bool:
        return self.name.endswith(":*")

    def outcome_for(self, role: str) -> str | None:
        return self.access.get(role, self.access.get(OTHERS))


def _app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "qaf" else ""


def _api_operation(callback: Any, name: str) -> tuple[frozenset[str], str]:
    """The HTTP methods of the ninja operation behind a URL pattern, and the app defining it."""
    for cell in getattr(callback, "__closure__", None) or ():
        operations = getattr(cell.cell_contents, "operations", None)
        if operations is None:
            continue
        for operation in operations:
            op_name = getattr(operation, "url_name", None) or operation.view_func.__name__
            if op_name == name:
                methods = frozenset(m.upper() for m in operation.methods)
                return methods, _app_of(operation.view_func.__module__)
        methods = frozenset(m.upper() for op in operations for m in op.methods)
        return methods, _app_of(operations[0].view_func.__module__)
    return frozenset({"GET"}), "api"  # ninja's own views: the OpenAPI document, the root


def _walk(patterns: list[Any], prefix: str, namespace: str, urlconf_app: str) -> list[Route]:
    routes: list[Route] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            module = getattr(p.urlconf_module, "__name__", "")
            app = _app_of(module) if isinstance(module, str) else ""
            routes += _walk(p.url_patterns, prefix + str(p.pattern), full_ns, app or urlconf_app)
            continue
        assert isinstance(p, URLPattern)
        pattern = prefix + str(p.pattern)
        kwargs = tuple(p.pattern.regex.groupindex)
        named = p.name is not None
        base = p.name if named else f"<{pattern}>"
        name = f"{namespace}:{base}" if namespace else str(base)
        if namespace == API_NAMESPACE:
            methods, app = _api_operation(p.callback, str(p.name))
        else:
            callback_app = _app_of(getattr(p.callback, "__module__", "") or "")
            methods, app = frozenset(), urlconf_app or callback_app
        routes.append(Route(name, pattern, kwargs, named, methods, app))
    return routes


def all_routes() -> list[Route]:
    return _walk(get_resolver().url_patterns, "", "", "")


def _file_label(path: Path) -> str:
    return f"docs/access-matrix/{path.name}"


@cache
def load_entries() -> tuple[Entry, ...]:
    """Every entry in every YAML file, checked for shape (not yet against the routes)."""
    entries: list[Entry] = []
    for path in sorted(MATRIX_DIR.glob("*.yaml")):
        label = _file_label(path)
        data = yaml.safe_load(path.read_text()) or {}
        if not isinstance(data, dict) or not isinstance(data.get("routes"), list):
            raise ValueError(f"{label}: must be a mapping with a 'routes:' list")
        for i, raw in enumerate(data["routes"]):
            where = f"{label}, routes[{i}]"
            if not isinstance(raw, dict) or "name" not in raw or "access" not in raw:
                raise ValueError(f"{where}: each entry needs 'name' and 'access'")
            unknown = set(raw) - {"name", "method", "objects", "access"}
            if unknown:
                raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
            method = str(raw.get("method", "GET")).upper()
            if method not in METHODS:
                raise ValueError(f"{where}: unknown method {method!r}")
            access = {str(k): str(v) for k, v in raw["access"].items()}
            bad_roles = set(access) - set(ROLES) - {OTHERS}
            if bad_roles:
                raise ValueError(f"{where}: unknown roles {sorted(bad_roles)}")
            bad_outcomes = set(access.values()) - OUTCOMES
            if bad_outcomes:
                raise ValueError(f"{where}: unknown outcomes {sorted(bad_outcomes)}")
            if method == "GET" and {"invalid", "scoped-invalid"} & set(access.values()):
                raise ValueError(f"{where}: a GET shows a page; 'invalid' is for a refused form")
            if SCOPED & set(access.values()) and not raw.get("objects"):
                raise ValueError(f"{where}: 'scoped' needs 'objects' to choose objects by")
            missing = [r for r in ROLES if r not in access] if OTHERS not in access else []
            if missing:
                raise ValueError(f"{where}: no outcome for {missing}; list them or add 'others'")
            entry = Entry(
                name=str(raw["name"]),
                method=method,
                access=access,
                objects={str(k): str(v) for k, v in (raw.get("objects") or {}).items()},
                source=label,
            )
            entries.append(entry)
    return tuple(entries)


def expected_file(route: Route) -> str:
    """Where a route's entry belongs: the app whose view answers it, or the namespace's file."""
    return f"docs/access-matrix/{route.app or route.namespace or 'web'}.yaml"


def coverage_problems(routes: list[Route], entries: tuple[Entry, ...]) -> list[str]:
    """Routes without an entry, and entries naming no route."""
    problems: list[str] = []
    names = {r.name for r in routes}
    explicit = {(e.name, e.method) for e in entries if not e.is_wildcard}
    explicit_names = {e.name for e in entries if not e.is_wildcard}
    wildcards = {e.name[:-2] for e in entries if e.is_wildcard}
    seen: set[tuple[str, str]] = set()
    for e in entries:
        key = (e.name, e.method)
        if key in seen:
            problems.append(f"{e.source}: {e.name} {e.method} is listed twice")
        seen.add(key)
        if e.is_wildcard:
            if not any(r.namespace == e.name[:-2] for r in routes):
                problems.append(f"{e.source}: {e.name} matches no route")
        elif e.name not in names:
            problems.append(f"{e.source}: {e.name} names a route that does not exist")
    for r in routes:
        if r.namespace in wildcards:
            continue
        if not r.named:
            problems.append(
                f"route /{r.pattern} has no URL name: give it one, then add it to "
                f"{expected_file(r)}"
            )
            continue
        if r.methods:
            for method in sorted(r.methods):
                if (r.name, method) not in explicit:
                    problems.append(
                        f"API operation {r.name} {method} (/{r.pattern}) has no entry: add it "
                        f"to {expected_file(r)}"
                    )
        elif r.name not in explicit_names:
            problems.append(
                f"route {r.name} (/{r.pattern}) has no entry: add it to {expected_file(r)}"
            )
    return problems


STATUS_OUTCOMES = {
    404: "not-found",
    403: "forbidden",
    405: "not-allowed",
    400: "bad-request",
    401: "unauthorised",
    422: "invalid",
}
# The GOV.UK error summary a page shows when it refuses what was sent
# (templates/components/error_summary.html).
ERROR_SUMMARY = re.compile(rb'class="govuk-error-summary[ "]')


def refused_input(response: HttpResponse) -> bool:
    """A page that re-rendered its form with a GOV.UK error summary."""
    content_type = response.get("Content-Type", "")
    if not content_type.startswith("text/html") or getattr(response, "streaming", False):
        return False
    return bool(ERROR_SUMMARY.search(response.content))


def judge(response: HttpResponse, *, api: bool, method: str = "GET") -> str:
    """The outcome one response shows (never 'scoped': the caller resolves that per object).

    A request that is not a GET answered 200 with a page re-rendering its form under a GOV.UK
    error summary is `invalid` (the view let the role in and refused the empty form), not `ok`
    (let in and done): a role that must not use a form must not get the form back with errors
    either. (A 400 stays `bad-request`, a 422 from the API is `invalid`.)
    """
    status = response.status_code
    location = response.get("Location", "")
    if 300 <= status < 400:
        if location.startswith(SIGN_IN_PATH):
            return "sign-in"
        if location.startswith(ADMIN_SIGN_IN_PATH):
            return "admin-sign-in"
        return "ok"
    if api and status == 401:
        return "sign-in"
    if method != "GET" and not api and status == 200 and refused_input(response):
        return "invalid"
    if 200 <= status < 300:
        return "ok"
    return STATUS_OUTCOMES.get(status, f"status {status}")


def describe(response: HttpResponse, *, api: bool = False, method: str = "GET") -> str:
    location = response.get("Location")
    seen = judge(response, api=api, method=method)
    shown = f"{response.status_code}" + (f" -> {location}" if location else "")
    if seen == "invalid" and not api:
        shown += f" (the form again, with errors: {_error_summary_text(response)!r})"
    return f"{seen} ({shown})"


def _error_summary_text(response: HttpResponse) -> str:
    from bs4 import BeautifulSoup

    summary = BeautifulSoup(response.content, "html.parser").select_one(".govuk-error-summary")
    return " ".join(summary.get_text(" ").split())[:200] if summary else ""


def matches(outcome: str, response: HttpResponse, *, api: bool, method: str = "GET") -> bool:
    """Does one response show the outcome? ('scoped' is judged per object by the caller.)"""
    return judge(response, api=api, method=method) == outcome


def concrete_path(route: Route, values: dict[str, Any]) -> str:
    """Fill a route's pattern with values: <conv:name> and (?P<name>...) groups alike."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), route.pattern)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)
    path = path.lstrip("^").rstrip("$").replace("^", "")
    return "/" + path
