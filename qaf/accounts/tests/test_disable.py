"""Disabling an account (the QA unit's admin action) ends every session it has at once."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from qaf.accounts.models import Role, User, UserSession
from qaf.accounts.services import api_token_create
from qaf.accounts.tests.factories import UserFactory
from qaf.accounts.tests.helpers import signed_in_client


@pytest.fixture
def qa_admin(db):
    return UserFactory(username="qa-admin", role=Role.QA_OFFICER, is_staff=True, is_superuser=True)


def test_admin_action_disables_and_ends_every_session(qa_admin):
    dave = UserFactory(username="dave")
    laptop, phone = signed_in_client(dave), signed_in_client(dave)
    assert laptop.get("/").status_code == 200
    keys = list(UserSession.objects.filter(user=dave).values_list("session_key", flat=True))
    assert len(keys) == 2
    _, key = api_token_create(user=dave, name="report")

    admin = signed_in_client(qa_admin)
    response = admin.post(
        "/admin/accounts/user/",
        {"action": "disable_accounts", "_selected_action": [dave.pk]},
        follow=True,
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["Disabled 1 account(s) and ended their sessions: dave"]

    dave.refresh_from_db()
    assert not dave.is_active
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=dave).exists()
    for client in (laptop, phone):
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/sign-in/")
    assert (
        Client().get("/api/v1/organisation/teams", HTTP_AUTHORIZATION=f"Bearer {key}").status_code
        == 401
    )
    # The administrator's own session is untouched.
    assert admin.get("/").status_code == 200


def test_admin_cannot_disable_themselves(qa_admin):
    admin = signed_in_client(qa_admin)
    response = admin.post(
        "/admin/accounts/user/",
        {"action": "disable_accounts", "_selected_action": [qa_admin.pk]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["You cannot disable your own account"]
    assert User.objects.get(pk=qa_admin.pk).is_active


def test_unticking_active_in_the_admin_form_also_ends_sessions(qa_admin):
    erin = UserFactory(username="erin")
    erin_client = signed_in_client(erin)
    admin = signed_in_client(qa_admin)
    form = admin.get(f"/admin/accounts/user/{erin.pk}/change/").context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update({"is_active": "", "date_joined_0": "2025-01-01", "date_joined_1": "09:00:00"})
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data["groups"] = []
    data["user_permissions"] = []
    response = admin.post(f"/admin/accounts/user/{erin.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not User.objects.get(pk=erin.pk).is_active
    assert not UserSession.objects.filter(user=erin).exists()
    assert erin_client.get("/")["Location"].startswith("/accounts/sign-in/")


def test_admin_login_page_is_the_qaf_sign_in(db):
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=%2Fadmin%2F"


def test_staff_outside_admin_cannot_use_it(db):
    client = signed_in_client(UserFactory(username="frank"))
    response = client.get("/admin/accounts/user/", follow=True)
    assert response.status_code == 403
    assert response.redirect_chain == [("/admin/login/?next=/admin/accounts/user/", 302)]


def test_accounts_cannot_be_deleted_only_disabled(qa_admin):
    dave = UserFactory(username="dave")
    admin = signed_in_client(qa_admin)
    assert admin.get(f"/admin/accounts/user/{dave.pk}/delete/").status_code == 403
    listing = admin.get("/admin/accounts/user/")
    choices = [value for value, _ in listing.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in choices
    assert "disable_accounts" in choices
