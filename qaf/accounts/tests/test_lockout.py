"""Lockout (docs/security.md, "Lockout"), stated as the rules a security officer reads:

- 5 failed sign-ins for a username from one address within 15 minutes lock that username from
  that address for the rest of the 15 minutes; even the right password is then refused;
- the lock is keyed on the username AND the address: a stranger elsewhere cannot lock a named
  person out, and one office address (a council's staff share one) never locks everyone;
- 20 failures from many addresses lock the username everywhere except the addresses it has
  signed in from before (guessing spread over many machines is capped);
- attempts while locked are not counted and do not extend the lock; the right password clears
  only its own address's count;
- the failure that locks says so, and the QA unit is told once per lock.
"""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client

from qaf.accounts.forms import SignInForm
from qaf.accounts.models import LoginFailure, Role
from qaf.accounts.tests.factories import UserFactory
from qaf.accounts.tests.helpers import error_summary, post_sign_in

OFFICE = {"REMOTE_ADDR": "203.0.113.10"}
STRANGER = {"REMOTE_ADDR": "198.51.100.7"}
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
LOCKED = [SignInForm.locked_message()]
WRONG = [SignInForm.error_messages["invalid"]]


@pytest.fixture
def people(db):
    return UserFactory(username="alice"), UserFactory(username="bob")


@pytest.fixture
def qa_unit(db):
    return UserFactory(username="qa-admin", role=Role.QA_OFFICER, email="qa-admin@example.invalid")


def from_address(address: str) -> dict[str, str]:
    return {"REMOTE_ADDR": address}


def fail(username: str, times: int, where: dict[str, str] = OFFICE) -> list[list[str]]:
    return [
        error_summary(post_sign_in(Client(), username, "wrong-password-123", **where))
        for _ in range(times)
    ]


def signs_in(username: str, where: dict[str, str] = OFFICE) -> bool:
    response = post_sign_in(Client(), username, **where)
    return response.status_code == 302 and response["Location"] == "/accounts/two-factor/"


def test_five_failures_lock_the_username_from_that_address(people):
    with time_machine.travel(START, tick=False):
        fail("alice", 5)
        # A brand-new client with the right password is refused, with the lockout message.
        response = post_sign_in(Client(), "alice", **OFFICE)
        assert error_summary(response) == LOCKED
        assert "15 minutes" in SignInForm.locked_message()
        assert "_auth_user_id" not in response.client.session
        # Bob, from the very same office address at the same moment, signs in fine.
        assert signs_in("bob", OFFICE)


def test_a_stranger_elsewhere_cannot_lock_a_named_person_out(people, qa_unit):
    with time_machine.travel(START, tick=False):
        assert fail("alice", 6, STRANGER)[-2:] == [LOCKED, LOCKED]
        # Alice at the office still signs in; the stranger stays locked.
        assert signs_in("alice", OFFICE)
        assert error_summary(post_sign_in(Client(), "alice", **STRANGER)) == LOCKED


def test_the_failure_that_locks_says_so(people):
    with time_machine.travel(START, tick=False):
        assert fail("alice", 5) == [WRONG, WRONG, WRONG, WRONG, LOCKED]


def test_case_and_spaces_do_not_dodge_the_count(people):
    with time_machine.travel(START, tick=False):
        for typed in ["alice", "ALICE", " Alice", "alice ", "aLiCe"]:
            post_sign_in(Client(), typed, "wrong-password-123", **OFFICE)
        assert error_summary(post_sign_in(Client(), "alice", **OFFICE)) == LOCKED


def test_attempts_while_locked_are_not_counted_and_do_not_extend_the_lock(people):
    with time_machine.travel(START, tick=False) as traveller:
        fail("alice", 5)
        traveller.move_to(START + dt.timedelta(minutes=10))
        assert fail("alice", 3) == [LOCKED, LOCKED, LOCKED]
        assert LoginFailure.objects.filter(username="alice").count() == 5
        traveller.move_to(START + dt.timedelta(minutes=15, seconds=1))
        assert signs_in("alice")


def test_lock_lifts_after_the_window_and_success_clears_only_its_address(people):
    with time_machine.travel(START, tick=False) as traveller:
        fail("alice", 5)
        fail("alice", 2, STRANGER)
        traveller.move_to(START + dt.timedelta(minutes=14, seconds=59))
        assert error_summary(post_sign_in(Client(), "alice", **OFFICE)) == LOCKED

        traveller.move_to(START + dt.timedelta(minutes=15, seconds=1))
        assert signs_in("alice", OFFICE)
        assert not LoginFailure.objects.filter(username="alice", address=OFFICE["REMOTE_ADDR"])
        # The stranger's failures are not wiped by Alice's success.
        assert LoginFailure.objects.filter(username="alice").count() == 2


def test_guessing_from_many_addresses_locks_everywhere_but_known_addresses(people, settings):
    settings.QAF_LOCKOUT_USERNAME_FAILURES = 8
    with time_machine.travel(START, tick=False):
        assert signs_in("alice", OFFICE)  # the office is now a known address for Alice
        for n in range(4):  # 4 machines x 2 failures: under each address's limit of 5
            fail("alice", 2, from_address(f"198.51.100.{n + 20}"))
        # A fifth machine, never used before, is refused at once; the office is not.
        assert (
            error_summary(post_sign_in(Client(), "alice", **from_address("198.51.100.99")))
            == LOCKED
        )
        assert signs_in("alice", OFFICE)


def test_the_qa_unit_is_told_once_per_lock(people, qa_unit, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(START, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        fail("alice", 7)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["qa-admin@example.invalid"]
    assert message.subject == "QAF: sign-in locked for alice"
    assert "203.0.113.10" in message.body
    assert "wrong-password-123" not in message.body


def test_behind_a_trusted_load_balancer_the_forwarded_address_counts(people, settings):
    settings.QAF_TRUSTED_PROXIES = 1
    balancer = {"REMOTE_ADDR": "10.0.0.2"}
    with time_machine.travel(START, tick=False):
        # The client's own claim (the left part) is ignored; the balancer's entry counts.
        for _ in range(5):
            post_sign_in(
                Client(),
                "alice",
                "wrong-password-123",
                HTTP_X_FORWARDED_FOR=f"1.2.3.{_}, 198.51.100.7",
                **balancer,
            )
        assert (
            error_summary(
                post_sign_in(Client(), "alice", HTTP_X_FORWARDED_FOR="198.51.100.7", **balancer)
            )
            == LOCKED
        )
        assert signs_in("alice", {**balancer, "HTTP_X_FORWARDED_FOR": "203.0.113.10"})


def test_sign_in_page_errors_are_specific(people):
    response = Client().post("/accounts/sign-in/", {"username": "", "password": ""})
    assert error_summary(response) == ["Enter your username", "Enter your password"]
    response = post_sign_in(Client(), "alice", "not-her-password")
    assert error_summary(response) == WRONG


def test_disabled_account_cannot_sign_in(people):
    alice, _ = people
    alice.is_active = False
    alice.save()
    response = post_sign_in(Client(), "alice")
    assert response.status_code == 200
    assert error_summary(response) == WRONG
