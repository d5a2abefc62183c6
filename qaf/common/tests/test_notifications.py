"""Emails leave only after the transaction commits, through the task queue."""

import pytest
from django.core import mail
from django.db import transaction

from qaf.common.notifications import notification_send

pytestmark = pytest.mark.django_db


def test_sent_only_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert notification_send(
            to=["sm@example.invalid"],
            subject="Escalation",
            body="Please look.",
            cc=["qa@example.invalid"],
        )
        assert mail.outbox == []  # nothing inside the transaction
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sm@example.invalid"]
    assert message.cc == ["qa@example.invalid"]
    assert message.subject == "Escalation"
    assert message.body == "Please look."


def test_nothing_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notification_send(to=["sm@example.invalid"], subject="S", body="B")
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []


def test_blank_and_duplicate_addresses_are_dropped(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            to=["a@example.invalid", "", "A@example.invalid"],
            subject="S",
            body="B",
            cc=["a@example.invalid", "b@example.invalid", " "],
        )
    assert mail.outbox[0].to == ["a@example.invalid"]
    assert mail.outbox[0].cc == ["b@example.invalid"]


def test_cc_only_is_promoted_to_to(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(to=[""], subject="S", body="B", cc=["b@example.invalid"])
    assert mail.outbox[0].to == ["b@example.invalid"]
    assert mail.outbox[0].cc == []


def test_no_recipient_queues_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert notification_send(to=["", " "], subject="S", body="B") is False
    assert callbacks == []
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"to": ["not-an-address"], "subject": "S", "body": "B"}, "invalid email address"),
        ({"to": ["a@example.invalid"], "subject": " ", "body": "B"}, "subject must not be empty"),
        ({"to": ["a@example.invalid"], "subject": "S\nBcc: x", "body": "B"}, "single line"),
        ({"to": ["a@example.invalid"], "subject": "S" * 201, "body": "B"}, "200 characters"),
        ({"to": ["a@example.invalid"], "subject": "S", "body": "  "}, "body must not be empty"),
    ],
)
def test_bad_input_raises_and_queues_nothing(django_capture_on_commit_callbacks, kwargs, message):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValueError, match=message),
    ):
        notification_send(**kwargs)
    assert callbacks == []


def test_a_single_string_is_refused():
    with pytest.raises(TypeError, match="to and cc must be lists of addresses, not a single"):
        notification_send(to="a@example.invalid", subject="S", body="B")  # type: ignore[arg-type]
