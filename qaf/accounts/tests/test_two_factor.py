"""The second factor: enrol at first sign-in, verify every sign-in, nothing before it."""

import datetime as dt
from base64 import b32decode

import pytest
import time_machine
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from qaf.accounts.tests.factories import UserFactory
from qaf.accounts.tests.helpers import (
    current_code,
    error_summary,
    heading,
    page,
    post_sign_in,
    signed_in_client,
)

START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def carol(db):
    return UserFactory(username="carol")


def test_new_user_enrols_then_gets_in(carol):
    with time_machine.travel(START, tick=False):
        client = Client()
        response = post_sign_in(client, "carol")
        assert response["Location"] == "/accounts/two-factor/"

        response = client.get("/accounts/two-factor/")
        assert heading(response) == "Set up your authenticator app"
        device = TOTPDevice.objects.get(user=carol, confirmed=False)
        # The key shown for typing in is the base32 key the QR code carries.
        shown = page(response).select_one(".govuk-details__text code").get_text()
        assert b32decode(shown) == device.bin_key
        assert page(response).select_one("svg") is not None

        response = client.post("/accounts/two-factor/", {"code": current_code(device)})
        assert response.status_code == 302
        assert response["Location"] == "/"
        device.refresh_from_db()
        assert device.confirmed
        assert client.get("/").status_code == 200


def test_wrong_code_is_an_error_in_the_summary_and_changes_nothing(carol):
    with time_machine.travel(START, tick=False):
        client = Client()
        post_sign_in(client, "carol")
        client.get("/accounts/two-factor/")
        device = TOTPDevice.objects.get(user=carol)
        wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"

        response = client.post("/accounts/two-factor/", {"code": wrong})

        assert response.status_code == 200
        assert error_summary(response) == [
            "The security code is wrong or has expired. Enter the current code"
        ]
        link = page(response).select_one(".govuk-error-summary__list a")
        assert link["href"] == "#id_code"
        device.refresh_from_db()
        assert not device.confirmed
        assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Enter the 6-digit security code"),
        ("12345", "The security code must be 6 digits"),
        ("12a456", "The security code must be 6 digits"),
    ],
)
def test_malformed_codes_are_specific_errors(carol, code, message):
    client = Client()
    post_sign_in(client, "carol")
    response = client.post("/accounts/two-factor/", {"code": code})
    assert error_summary(response) == [message]


def test_pages_are_refused_until_verified(carol):
    client = signed_in_client(carol, verified=False)
    for path in ["/", "/accounts/account/", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/two-factor/", path


def test_enrolled_user_is_asked_for_a_code_and_next_is_kept(carol):
    device = TOTPDevice.objects.create(user=carol, name="phone", confirmed=True)
    with time_machine.travel(START, tick=False):
        client = Client()
        client.post(
            "/accounts/sign-in/",
            {
                "username": "carol",
                "password": "correct-horse-battery",
                "next": "/accounts/account/",
            },
        )
        response = client.get("/accounts/two-factor/")
        assert heading(response) == "Enter your security code"
        response = client.post("/accounts/two-factor/", {"code": current_code(device)})
        assert response["Location"] == "/accounts/account/"


def test_next_to_another_site_is_ignored(carol):
    device = TOTPDevice.objects.create(user=carol, name="phone", confirmed=True)
    with time_machine.travel(START, tick=False):
        client = Client()
        client.post(
            "/accounts/sign-in/",
            {
                "username": "carol",
                "password": "correct-horse-battery",
                "next": "https://evil.example/",
            },
        )
        response = client.post("/accounts/two-factor/", {"code": current_code(device)})
        assert response["Location"] == "/"


def test_api_refuses_an_unverified_session_but_takes_a_bearer_token(carol):
    unverified = signed_in_client(carol, verified=False)
    assert unverified.get("/api/v1/organisation/teams").status_code == 401

    verified = signed_in_client(carol)
    assert verified.get("/api/v1/organisation/teams").status_code == 200

    from qaf.accounts.services import api_token_create

    _, key = api_token_create(user=carol, name="Power BI refresh")
    response = Client().get("/api/v1/organisation/teams", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert (
        Client()
        .get("/api/v1/organisation/teams", HTTP_AUTHORIZATION="Bearer qaf_not-a-real-token")
        .status_code
        == 401
    )
