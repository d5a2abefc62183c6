"""create_admin: the only way the first QA-unit administrator comes to exist."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from qaf.accounts.models import Role, User
from qaf.accounts.tests.factories import UserFactory

GOOD = "plum-tractor-orbit-93"


def run(monkeypatch, *args, password=GOOD, inputs=()):
    if password is None:
        monkeypatch.delenv("QAF_ADMIN_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("QAF_ADMIN_PASSWORD", password)
    answers = iter(inputs)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    out = StringIO()
    call_command("create_admin", *args, stdout=out)
    return out.getvalue()


def test_creates_a_qa_unit_superuser_from_options(db, monkeypatch):
    out = run(monkeypatch, "--username", "grace", "--email", "grace@example.invalid", "--no-input")
    user = User.objects.get(username="grace")
    assert (user.role, user.is_staff, user.is_superuser, user.is_active) == (
        Role.QA_OFFICER,
        True,
        True,
        True,
    )
    assert user.email == "grace@example.invalid"
    assert user.check_password(GOOD)
    assert "Created the QA-unit administrator 'grace'" in out
    assert "enrol an authenticator app (TOTP)" in out


def test_interactive_prompts(db, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": GOOD)
    run(monkeypatch, password=None, inputs=["heidi", "heidi@example.invalid"])
    user = User.objects.get(username="heidi")
    assert user.email == "heidi@example.invalid"
    assert user.check_password(GOOD)


def test_mismatched_prompted_passwords_are_refused(db, monkeypatch):
    answers = iter([GOOD, GOOD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="The two passwords are different"):
        run(monkeypatch, "--username", "ivan", "--email", "", password=None)
    assert not User.objects.filter(username="ivan").exists()


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1", "too short"),
        ("password1234", "too common"),
        ("839201748392017", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused_with_the_validators_reason(db, monkeypatch, password, reason):
    with pytest.raises(CommandError, match=reason):
        run(monkeypatch, "--username", "judy", "--no-input", password=password)
    assert not User.objects.filter(username="judy").exists()


def test_existing_username_is_refused(db, monkeypatch):
    UserFactory(username="kate")
    with pytest.raises(CommandError, match="'Kate' already exists"):
        run(monkeypatch, "--username", "Kate", "--no-input")
    assert User.objects.filter(username__iexact="kate").count() == 1


def test_no_input_without_a_password_is_refused(db, monkeypatch):
    with pytest.raises(CommandError, match="Set QAF_ADMIN_PASSWORD"):
        run(monkeypatch, "--username", "liam", "--no-input", password=None)
    assert not User.objects.exists()


def test_no_default_accounts_exist(db):
    assert not User.objects.exists()
