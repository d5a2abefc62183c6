"""Named permissions, the view gate, and how domain errors reach people: one error page per
kind for pages, one JSON answer per kind for the API, and a form error that keeps the input."""

import pytest
import rules
from bs4 import BeautifulSoup
from django import forms
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from config import urls as project_urls
from conftest import sign_in
from qaf.access_log.models import AccessLogEntry, AccessOutcome
from qaf.access_log.services import get_visible
from qaf.accounts.models import Role
from qaf.common.errors import (
    Conflict,
    IllegalTransition,
    Invalid,
    NotAllowed,
    NotFound,
    RateLimited,
)
from qaf.common.forms import service_errors
from qaf.common.permissions import allowed, gate, gate_of, public, require

pytestmark = pytest.mark.django_db

if not rules.perm_exists("common_test.qa_only"):
    from qaf.accounts.permissions import is_qa_unit

    rules.add_perm("common_test.qa_only", is_qa_unit)


@gate("common_test.qa_only")
def qa_page(request):
    return HttpResponse("QA page")


ERRORS = {
    "invalid": Invalid("Enter a reason for changing the grade."),
    "not-allowed": NotAllowed("Only the auditor can submit this audit."),
    "not-found": NotFound("secret detail that must not show"),
    "conflict": Conflict("Someone else saved this section first."),
    "illegal": IllegalTransition("This audit is finalised."),
    "rate": RateLimited("Too many attempts."),
}


@gate("accounts.signed_in")
def raising(request, kind):
    raise ERRORS[kind]


@public
def open_page(request):
    return HttpResponse("open")


urlpatterns = [
    path("qa/", qa_page),
    path("raise/<slug:kind>/", raising),
    path("open/", open_page),
    *project_urls.urlpatterns,  # the error pages link home and to sign-in
]


def test_allowed_never_lets_a_superuser_through_what_their_role_may_not_do(council):
    member = council.users[Role.ELECTED_MEMBER]
    member.is_superuser = True
    assert member.has_perm("common_test.qa_only")  # Django's shortcut: why we never use it
    assert not allowed(member, "common_test.qa_only")
    assert allowed(council.users[Role.QA_OFFICER], "common_test.qa_only")


def test_an_unknown_permission_name_is_an_error_not_a_refusal(council):
    with pytest.raises(KeyError, match=r"no permission called 'common_test\.typo'"):
        allowed(council.users[Role.QA_OFFICER], "common_test.typo")


def test_require_raises_not_allowed_or_hides_with_not_found(council):
    member = council.users[Role.ELECTED_MEMBER]
    with pytest.raises(NotAllowed, match="do not have permission"):
        require(member, "common_test.qa_only")
    with pytest.raises(NotFound, match="Not found"):
        require(member, "common_test.qa_only", hide=True)
    require(council.users[Role.QA_OFFICER], "common_test.qa_only")


def test_gate_and_public_leave_their_mark_for_the_route_walk():
    assert gate_of(qa_page) == "common_test.qa_only"
    assert gate_of(open_page) == "public"
    assert gate_of(lambda request: None) is None


@pytest.mark.urls("tests.test_permissions_and_errors")
@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.QA_OFFICER, 200), (Role.TEAM_MANAGER, 404), (Role.ELECTED_MEMBER, 404)],
)
def test_the_gate_answers_404_to_roles_without_the_permission(council, role, status):
    assert sign_in(Client(), council.users[role]).get("/qa/").status_code == status


@pytest.mark.urls("tests.test_permissions_and_errors")
def test_the_gate_sends_a_signed_out_visitor_to_sign_in_and_public_lets_them_in():
    response = Client().get("/qa/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/?next=/qa/")
    assert Client().get("/open/").status_code == 200


@pytest.mark.urls("tests.test_permissions_and_errors")
@pytest.mark.parametrize(
    ("kind", "status", "shown"),
    [
        ("invalid", 422, "Enter a reason for changing the grade."),
        ("not-allowed", 403, "Only the auditor can submit this audit."),
        ("not-found", 404, "Page not found"),
        ("conflict", 409, "Someone else saved this section first."),
        ("illegal", 409, "This audit is finalised."),
        ("rate", 429, "Too many attempts."),
    ],
)
def test_pages_turn_each_domain_error_into_its_own_error_page(council, kind, status, shown):
    response = sign_in(Client(), council.users[Role.QA_OFFICER]).get(f"/raise/{kind}/")
    assert response.status_code == status
    text = BeautifulSoup(response.content, "html.parser").get_text(" ")
    assert shown in text
    assert "secret detail" not in text


class ReasonForm(forms.Form):
    reason = forms.CharField()


@pytest.mark.parametrize("kind", ["invalid", "conflict", "illegal", "rate"])
def test_service_errors_put_the_refusal_on_the_form_and_keep_the_input(kind):
    form = ReasonForm({"reason": "What I typed"})
    assert form.is_valid()
    with service_errors(form, "reason") as outcome:
        raise ERRORS[kind]
    assert not outcome.ok
    assert form.errors["reason"] == [str(ERRORS[kind])]
    assert form["reason"].value() == "What I typed"


@pytest.mark.parametrize(
    ("error", "match"), [(NotFound(), "Not found"), (NotAllowed("no"), "no"), (KeyError("k"), "k")]
)
def test_service_errors_let_not_found_not_allowed_and_bugs_through(error, match):
    form = ReasonForm({"reason": "x"})
    with pytest.raises(type(error), match=match), service_errors(form):
        raise error


def test_service_errors_ok_when_nothing_was_raised():
    form = ReasonForm({"reason": "x"})
    with service_errors(form) as outcome:
        pass
    assert outcome.ok


def test_get_visible_logs_both_outcomes_and_raises_not_found(council):
    from qaf.cases.selectors import child_list_visible

    user = council.users[Role.PRACTITIONER]
    own, far = council.own_child, council.far_child
    assert (
        get_visible(child_list_visible(user=user), user=user, pk=own.pk, object_type="child") == own
    )
    with pytest.raises(NotFound, match="Not found"):
        get_visible(
            child_list_visible(user=user), user=user, pk=far.pk, object_type="child", via="api"
        )
    rows = list(
        AccessLogEntry.objects.filter(user=user)
        .order_by("id")
        .values_list("object_id", "outcome", "via")
    )
    assert rows == [
        (str(own.pk), AccessOutcome.ALLOWED, "page"),
        (str(far.pk), AccessOutcome.NOT_FOUND, "api"),
    ]
