"""Council single sign-on against a fake OpenID Connect provider."""

import pytest
import responses
from django.test import Client, override_settings

from qaf.accounts.models import Role, User
from qaf.accounts.oidc import group_role_map_problems
from qaf.accounts.tests.factories import UserFactory
from qaf.accounts.tests.fake_oidc import (
    MANAGER_GROUP,
    PRACTITIONER_GROUP,
    QA_GROUP,
    FakeProvider,
    new_key,
    oidc_settings,
)
from qaf.accounts.tests.helpers import page

FAILED = "/accounts/sign-in/?sso_failed=1"


def claims(**extra):
    base = {
        "sub": "entra-subject-0001",
        "email": "mia.hughes@example.invalid",
        "preferred_username": "mia.hughes@example.invalid",
        "given_name": "Mia",
        "family_name": "Hughes",
        "groups": [PRACTITIONER_GROUP],
    }
    base.update(extra)
    return base


@pytest.fixture
def sso(db):
    with (
        override_settings(**oidc_settings()),
        responses.RequestsMock(assert_all_requests_are_fired=False) as mock,
    ):
        yield mock


def provider_for(mock, **kwargs) -> FakeProvider:
    provider = FakeProvider(**kwargs)
    provider.register(mock)
    return provider


def test_sign_in_creates_the_user_with_the_mapped_role(sso):
    provider = provider_for(sso, claims=claims(groups=[PRACTITIONER_GROUP, MANAGER_GROUP]))
    client = Client()

    response = provider.sign_in(client)

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(oidc_subject="entra-subject-0001")
    assert user.role == Role.TEAM_MANAGER  # the wider of the two mapped roles
    assert (user.username, user.first_name, user.last_name) == (
        "mia.hughes@example.invalid",
        "Mia",
        "Hughes",
    )
    assert not user.has_usable_password()
    # The provider enforces its own second factor: no TOTP page, straight in.
    assert client.get("/").status_code == 200
    assert client.session["qaf_sso"] is True
    # The code was exchanged with PKCE and our client credentials.
    request = provider.token_requests[0]
    assert request["code"] == ["fake-auth-code"]
    assert "code_verifier" in request


def test_second_sign_in_follows_group_changes(sso):
    provider = provider_for(sso, claims=claims())
    provider.sign_in(Client())
    provider.claims = claims(groups=[QA_GROUP], email="mia.h@example.invalid")
    assert provider.sign_in(Client())["Location"] == "/"
    user = User.objects.get(oidc_subject="entra-subject-0001")
    assert (user.role, user.email) == (Role.QA_OFFICER, "mia.h@example.invalid")
    assert User.objects.count() == 1


def test_matching_is_on_subject_never_on_email(sso):
    # A local QA-unit account with the same e-mail is not taken over by the provider.
    local = UserFactory(
        username="qa-local", email="mia.hughes@example.invalid", role=Role.QA_OFFICER
    )
    provider_for(sso, claims=claims()).sign_in(Client())
    created = User.objects.get(oidc_subject="entra-subject-0001")
    assert created.pk != local.pk
    local.refresh_from_db()
    assert local.oidc_subject is None


def test_username_held_by_a_local_account_is_refused(sso):
    UserFactory(username="mia.hughes@example.invalid")
    response = provider_for(sso, claims=claims()).sign_in(Client())
    assert response["Location"] == FAILED
    assert not User.objects.filter(oidc_subject__isnull=False).exists()


def test_person_in_no_mapped_group_gets_no_account(sso):
    client = Client()
    response = provider_for(sso, claims=claims(groups=["some-other-group"])).sign_in(client)
    assert response["Location"] == FAILED
    assert not User.objects.exists()
    assert "_auth_user_id" not in client.session
    landing = client.get(FAILED)
    assert "could not sign you in" in page(landing).select_one("#sso-failed").get_text()


def test_token_signed_by_another_key_is_refused(sso):
    client = Client()
    response = provider_for(sso, claims=claims(), signing_key=new_key()).sign_in(client)
    assert response["Location"] == FAILED
    assert not User.objects.exists()
    assert "_auth_user_id" not in client.session


def test_unsigned_token_is_refused(sso):
    client = Client()
    response = provider_for(sso, claims=claims(), unsigned=True).sign_in(client)
    assert response["Location"] == FAILED
    assert not User.objects.exists()


def test_token_for_another_application_is_refused(sso):
    response = provider_for(sso, claims=claims(aud="someone-elses-app")).sign_in(Client())
    assert response["Location"] == FAILED
    assert not User.objects.exists()


def test_token_from_another_issuer_is_refused(sso):
    response = provider_for(sso, claims=claims(iss="https://elsewhere.invalid/")).sign_in(Client())
    assert response["Location"] == FAILED
    assert not User.objects.exists()


def test_replayed_nonce_is_refused(sso):
    provider = provider_for(sso, claims=claims())
    client = Client()
    start = client.get("/oidc/authenticate/")
    from urllib.parse import parse_qs, urlsplit

    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    provider.nonce = "a-nonce-from-another-sign-in"
    response = client.get("/oidc/callback/", {"code": "fake-auth-code", "state": state})
    assert response["Location"] == FAILED
    assert not User.objects.exists()


def test_disabled_account_cannot_sign_in_nor_keep_its_session(sso):
    provider = provider_for(sso, claims=claims())
    client = Client()
    provider.sign_in(client)
    user = User.objects.get(oidc_subject="entra-subject-0001")

    from qaf.accounts.services import user_disable

    user_disable(user=user)
    assert client.get("/")["Location"].startswith("/accounts/sign-in/")
    assert provider.sign_in(Client())["Location"] == FAILED


def test_sso_routes_are_404_when_not_configured(db):
    assert Client().get("/oidc/authenticate/").status_code == 404
    assert Client().get("/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404


def test_sign_in_page_offers_council_sign_in_only_when_configured(db):
    def button(client):
        return page(client.get("/accounts/sign-in/")).find(
            "a", string="Sign in with your council account"
        )

    assert button(Client()) is None
    with override_settings(**oidc_settings()):
        link = button(Client())
        assert link is not None and link["href"] == "/oidc/authenticate/"


def test_group_role_map_problems_are_specific():
    assert group_role_map_problems(f"{QA_GROUP}=qa_officer") == []
    assert group_role_map_problems("abc") == ["'abc' has no '=': write group=role"]
    assert group_role_map_problems("=qa_officer") == ["'=qa_officer' has no group before '='"]
    assert group_role_map_problems("g=boss")[0].startswith("'boss' is not a role")
