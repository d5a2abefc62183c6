"""Named permissions: one vocabulary for views, services, navigation, templates and the API.

Each app's `permissions.py` writes its rules as `rules` predicates and registers each under a
name, "<app>.<what>" (`rules.add_perm("audits.plan_cycles", is_qa_unit)`); `CommonConfig.ready`
imports every app's `permissions` module. Everything else asks by name:

- a view has exactly one gate, `@gate("audits.plan_cycles")`: signed in, then the permission,
  else 404 (a page a role may not use does not exist for it). Pages open to anyone signed in use
  `@gate("accounts.signed_in")`; pages for people without an account use `@public`. A test walks
  every URL and fails for a view without one;
- object-level checks after the lookup: `require(user, "audits.submit", audit)`;
- templates: `{% load permissions %}{% allowed "audits.submit" audit as can_submit %}`;
- navigation and services: `allowed(user, "audits.submit", audit)`.

Never `user.has_perm(...)`: Django lets an active superuser through every permission, and the
QA unit's accounts are superusers (the Django admin).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import rules
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from .errors import NotAllowed, NotFound

View = TypeVar("View", bound=Callable[..., HttpResponse])

# The attribute a view's gate leaves on it, for the test that walks every URL.
GATE_ATTRIBUTE = "qaf_gate"
PUBLIC = "public"


def allowed(user: Any, perm: str, obj: Any = None) -> bool:
    """Does the named permission hold for this person (and object)? Unknown names raise."""
    if not rules.perm_exists(perm):
        raise KeyError(f"no permission called {perm!r}: register it in the app's permissions.py")
    return bool(rules.has_perm(perm, user, obj))


def require(user: Any, perm: str, obj: Any = None, *, hide: bool = False) -> None:
    """Raise unless the permission holds: NotAllowed (403) with a message, or NotFound (404)
    when even saying "not allowed" would confirm the record exists to someone out of scope."""
    if not allowed(user, perm, obj):
        if hide:
            raise NotFound()
        raise NotAllowed("You do not have permission to do this.")


def gate(perm: str) -> Callable[[View], View]:
    """The view's one gate: the person is signed in (else the sign-in page) and the named
    permission holds without an object (else 404)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(user, perm):
                raise Http404
            return view(request, *args, **kwargs)

        setattr(gated, GATE_ATTRIBUTE, perm)
        return gated  # type: ignore[return-value]

    return decorate


def public(view: View) -> View:
    """Marks a view anyone may reach without signing in (sign-in, public survey links)."""
    setattr(view, GATE_ATTRIBUTE, PUBLIC)
    return view


def gate_of(view: Any) -> str | None:
    """The gate a view declared (a permission name or "public"), looking through wrappers."""
    seen = 0
    while view is not None and seen < 10:
        found = getattr(view, GATE_ATTRIBUTE, None)
        if found is not None:
            return str(found)
        view = getattr(view, "__wrapped__", None)
        seen += 1
    return None


def api_gate(perm: str) -> Callable[[View], View]:
    """The gate of an API operation: the named permission without an object, else 404. (The
    API's own authentication has already answered 401 to someone not signed in.)"""

    def decorate(view: View) -> View:
        @wraps(view)
        def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not allowed(request.user, perm):
                raise NotFound()
            return view(request, *args, **kwargs)

        setattr(gated, GATE_ATTRIBUTE, perm)
        return gated  # type: ignore[return-value]

    return decorate
