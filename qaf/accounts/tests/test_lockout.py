"""Lockout is keyed on the username: one office address cannot lock everyone out."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from qaf.accounts.forms import SignInForm
from qaf.accounts.models import LoginFailure
from qaf.accounts.tests.factories import UserFactory
from qaf.accounts.tests.helpers import error_summary, post_sign_in

OFFICE = {"REMOTE_ADDR": "203.0.113.10"}
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def people(db):
    return UserFactory(username="alice"), UserFactory(username="bob")


def fail_five_times(username: str) -> None:
    for _ in range(5):
        response = post_sign_in(Client(), username, "wrong-password-123", **OFFICE)
        assert response.status_code == 200


def test_five_failures_lock_the_username_not_the_address(people):
    with time_machine.travel(START, tick=False):
        fail_five_times("alice")

        # A brand-new client with the right password is still refused, with the lockout message.
        response = post_sign_in(Client(), "alice", **OFFICE)
        assert response.status_code == 200
        assert error_summary(response) == [SignInForm.locked_message()]
        assert "15 minutes" in SignInForm.locked_message()
        assert "_auth_user_id" not in response.client.session

        # Bob, from the very same office address at the same moment, signs in fine.
        response = post_sign_in(Client(), "bob", **OFFICE)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/two-factor/"


def test_the_failure_that_locks_says_so(people):
    with time_machine.travel(START, tick=False):
        for _ in range(4):
            response = post_sign_in(Client(), "alice", "wrong-password-123")
            assert error_summary(response) == [SignInForm.error_messages["invalid"]]
        response = post_sign_in(Client(), "alice", "wrong-password-123")
        assert error_summary(response) == [SignInForm.locked_message()]


def test_case_and_spaces_do_not_dodge_the_count(people):
    with time_machine.travel(START, tick=False):
        for typed in ["alice", "ALICE", " Alice", "alice ", "aLiCe"]:
            post_sign_in(Client(), typed, "wrong-password-123")
        response = post_sign_in(Client(), "alice")
        assert error_summary(response) == [SignInForm.locked_message()]


def test_attempts_while_locked_do_not_extend_the_lock(people):
    with time_machine.travel(START, tick=False) as traveller:
        fail_five_times("alice")
        traveller.move_to(START + dt.timedelta(minutes=10))
        post_sign_in(Client(), "alice", "wrong-password-123")
        assert LoginFailure.objects.filter(username="alice").count() == 5


def test_lock_lifts_after_the_window_and_success_clears_the_count(people):
    with time_machine.travel(START, tick=False) as traveller:
        fail_five_times("alice")
        traveller.move_to(START + dt.timedelta(minutes=14, seconds=59))
        assert error_summary(post_sign_in(Client(), "alice")) == [SignInForm.locked_message()]

        traveller.move_to(START + dt.timedelta(minutes=15, seconds=1))
        response = post_sign_in(Client(), "alice")
        assert response.status_code == 302
        assert not LoginFailure.objects.filter(username="alice").exists()


def test_sign_in_page_errors_are_specific(people):
    response = Client().post("/accounts/sign-in/", {"username": "", "password": ""})
    assert error_summary(response) == ["Enter your username", "Enter your password"]
    response = post_sign_in(Client(), "alice", "not-her-password")
    assert error_summary(response) == [
        "Enter a correct username and password. Both are case-sensitive."
    ]


def test_disabled_account_cannot_sign_in(people):
    alice, _ = people
    alice.is_active = False
    alice.save()
    response = post_sign_in(Client(), "alice")
    assert response.status_code == 200
    assert error_summary(response) == [SignInForm.error_messages["invalid"]]
