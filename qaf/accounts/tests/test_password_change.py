"""Changing your own password: from "Your account", with the current password first
(re-authentication, counted by the lockout), the new one checked against every rule, other
sessions ended, this one kept."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client

from qaf.accounts.forms import SignInForm
from qaf.accounts.models import UserSession
from qaf.accounts.tests.factories import UserFactory
from qaf.accounts.tests.helpers import PASSWORD, error_summary, heading, page, post_sign_in

START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
NEW = "lantern orbit pebble"
URL = "/accounts/account/password/"


@pytest.fixture
def dana(db, settings):
    settings.QAF_DEMO_SKIP_SECOND_FACTOR = True  # the page, not the second factor, is tested
    return UserFactory(username="dana")


def signed_in(username: str = "dana", password: str = PASSWORD) -> Client:
    client = Client()
    assert post_sign_in(client, username, password).status_code == 302
    return client


def change(client: Client, current: str, new: str, again: str | None = None):
    return client.post(
        URL,
        {"current_password": current, "new_password": new, "new_password_again": again or new},
    )


def test_reached_from_your_account_and_changes_the_password(dana):
    with time_machine.travel(START, tick=False):
        client = signed_in()
        other_device = signed_in()
        account = client.get("/accounts/account/")
        link = page(account).find("a", string="Change your password")
        assert link is not None and link["href"] == URL
        form = client.get(URL)
        assert heading(form) == "Change your password"
        labels = [label.get_text(strip=True) for label in page(form).select("label")]
        assert labels == ["Current password", "New password", "Confirm new password"]

        response = change(client, PASSWORD, NEW)
        assert response.status_code == 302 and response["Location"] == "/accounts/account/"
        dana.refresh_from_db()
        assert dana.check_password(NEW)
        # This session stays; the other device is signed out.
        assert client.get("/accounts/account/").status_code == 200
        assert SESSION_KEY not in other_device.session
        assert other_device.get("/accounts/account/").status_code == 302
        assert UserSession.objects.filter(user=dana).count() == 1
        # The old password no longer signs in; the new one does.
        assert post_sign_in(Client(), "dana", PASSWORD).status_code == 200
        assert post_sign_in(Client(), "dana", NEW).status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "again", "errors"),
    [
        (
            "",
            "",
            "",
            ["Enter your current password", "Enter a new password", "Enter the new password again"],
        ),
        ("not-my-password", NEW, NEW, ["Your current password is wrong"]),
        (
            PASSWORD,
            "aaaaaaaaaaaa",
            "aaaaaaaaaaaa",
            [
                "This password is made of repeated or sequential characters (like aaaaaaaaaaaa or "
                "123456789abc). Choose one that is harder to guess"
            ],
        ),
        (
            PASSWORD,
            "short-one",
            "short-one",
            ["This password is too short. It must contain at least 12 characters."],
        ),
        (PASSWORD, NEW, NEW + "x", ["The two new passwords are different"]),
        (
            PASSWORD,
            PASSWORD,
            PASSWORD,
            ["Your new password must be different from your current one"],
        ),
    ],
)
def test_refusals_are_specific_and_change_nothing(dana, current, new, again, errors):
    with time_machine.travel(START, tick=False):
        client = signed_in()
        response = change(client, current, new, again)
        assert response.status_code == 200
        assert error_summary(response) == errors
        dana.refresh_from_db()
        assert dana.check_password(PASSWORD)


def test_wrong_current_passwords_count_towards_the_lockout(dana):
    with time_machine.travel(START, tick=False):
        client = signed_in()
        for _ in range(4):
            assert error_summary(change(client, "guess-number-x", NEW)) == [
                "Your current password is wrong"
            ]
        assert error_summary(change(client, "guess-number-x", NEW)) == [SignInForm.locked_message()]
        # Locked: even the right current password is refused now.
        assert error_summary(change(client, PASSWORD, NEW)) == [SignInForm.locked_message()]
        dana.refresh_from_db()
        assert dana.check_password(PASSWORD)


def test_council_accounts_are_sent_to_the_council(dana):
    dana.set_unusable_password()
    dana.save()
    client = Client()
    client.force_login(dana, backend="qaf.accounts.backends.LockoutModelBackend")
    session = client.session
    session["qaf_login_at"] = session["qaf_last_seen"] = START.timestamp()
    session.save()
    with time_machine.travel(START, tick=False):
        response = client.get(URL)
        assert response.status_code == 200
        assert page(response).find("input", type="password") is None
        assert "council account" in page(response).get_text()
        assert change(client, "x", NEW).status_code == 200
    dana.refresh_from_db()
    assert not dana.has_usable_password()
