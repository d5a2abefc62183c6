"""qaf.common.permissions without the database: asking by name, refusing, and each kind of gate
(tests/test_permissions_and_errors.py drives the same through real pages)."""

from types import SimpleNamespace

import pytest
import rules
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from qaf.common.errors import NotAllowed, NotFound
from qaf.common.permissions import (
    GATE_ATTRIBUTE,
    PUBLIC,
    allowed,
    api_gate,
    gate,
    gate_of,
    public,
    require,
)

PERM = "common_test.may_inspect"
OBJECT_PERM = "common_test.owns"


def person(role: str = "qa_officer", *, signed_in: bool = True) -> SimpleNamespace:
    return SimpleNamespace(is_authenticated=signed_in, role=role, pk=1)


@pytest.fixture(autouse=True)
def test_permissions():
    """Two permissions for these tests only, taken out again afterwards."""
    rules.add_perm(PERM, rules.predicate(lambda user: user.role == "qa_officer"))
    rules.add_perm(OBJECT_PERM, rules.predicate(lambda user, obj: obj == user.role))
    yield
    rules.remove_perm(PERM)
    rules.remove_perm(OBJECT_PERM)


def get(path: str = "/inspect/?page=2", user=None):
    request = RequestFactory().get(path)
    request.user = user or person()
    return request


def view(request, *args, **kwargs):
    return HttpResponse(f"args={args} kwargs={kwargs}")


def test_allowed_asks_the_named_rule_with_and_without_an_object():
    assert allowed(person("qa_officer"), PERM) is True
    assert allowed(person("director"), PERM) is False
    assert allowed(person("director"), OBJECT_PERM, "director") is True
    assert allowed(person("director"), OBJECT_PERM, "iro") is False
    assert allowed(person("director"), OBJECT_PERM) is False  # no object: not the owner


def test_an_unknown_permission_is_an_error_not_a_refusal():
    with pytest.raises(KeyError, match=r"no permission called 'common_test\.nope'"):
        allowed(person(), "common_test.nope")
    with pytest.raises(KeyError, match=r"register it in the app's permissions\.py"):
        require(person(), "common_test.nope")


def test_require_passes_or_refuses_with_the_right_error():
    assert require(person("qa_officer"), PERM) is None
    assert require(person("iro"), OBJECT_PERM, "iro", hide=True) is None
    with pytest.raises(NotAllowed, match=r"^You do not have permission to do this\.$"):
        require(person("director"), PERM)
    with pytest.raises(NotFound, match=r"^Not found$") as refused:
        require(person("director"), OBJECT_PERM, "iro", hide=True)
    assert refused.type is NotFound  # not NotAllowed: hiding says nothing about the record


def test_gate_sends_someone_signed_out_to_sign_in_and_back():
    response = gate(PERM)(view)(get(user=person(signed_in=False)))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/inspect/%3Fpage%3D2"


def test_gate_answers_404_without_the_permission():
    with pytest.raises(Http404, match=r"^$"):  # the 404 page says nothing about why
        gate(PERM)(view)(get(user=person("director")))


def test_gate_lets_the_permitted_person_through_with_the_view_arguments():
    response = gate(PERM)(view)(get(), 7, pk=3)
    assert response.status_code == 200
    assert response.content == b"args=(7,) kwargs={'pk': 3}"


def test_gate_checks_the_permission_without_an_object():
    """An object-level rule at the gate sees no object, so it refuses: object rules belong
    after the lookup, with require."""
    with pytest.raises(Http404, match=r"^$"):
        gate(OBJECT_PERM)(view)(get(user=person("director")))


def test_api_gate_refuses_with_not_found_and_passes_through():
    with pytest.raises(NotFound, match=r"^Not found$"):
        api_gate(PERM)(view)(get(user=person("director")))
    assert api_gate(PERM)(view)(get(), 1, x=2).content == b"args=(1,) kwargs={'x': 2}"


def test_each_gate_leaves_its_name_for_the_view_walk():
    assert getattr(gate(PERM)(view), GATE_ATTRIBUTE) == PERM
    assert getattr(api_gate(PERM)(view), GATE_ATTRIBUTE) == PERM
    assert gate_of(gate(PERM)(view)) == PERM
    assert gate_of(api_gate(PERM)(view)) == PERM
    assert gate(PERM)(view).__name__ == "view"  # wraps keeps the view's name for URLs and logs


def test_public_marks_the_view_itself():
    def sign_in_page(request):
        return HttpResponse("sign in")

    assert public(sign_in_page) is sign_in_page
    assert gate_of(sign_in_page) == PUBLIC == "public"


def test_gate_of_looks_through_wrappers_but_not_forever():
    def wrap(inner, depth):
        for _ in range(depth):

            def outer(request, _inner=inner):
                return _inner(request)

            outer.__wrapped__ = inner  # type: ignore[attr-defined]
            inner = outer
        return inner

    gated = gate(PERM)(view)
    assert gate_of(wrap(gated, 9)) == PERM  # the gate ten views deep is still found
    assert gate_of(wrap(gated, 10)) is None  # beyond that, a loop is assumed
    assert gate_of(view) is None
    assert gate_of(None) is None
