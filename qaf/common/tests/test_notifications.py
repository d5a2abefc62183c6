"""Emails leave only after the transaction commits, through the task queue."""

import datetime as dt
import json

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from qaf.common.models import OutgoingEmail, OutgoingEmailStatus
from qaf.common.notifications import notification_send, outbox_sweep
from qaf.common.tests.fake_notify import (
    ESCALATION_TEMPLATE,
    MESSAGE_TEMPLATE,
    NOTIFY_SETTINGS,
    FakeNotify,
)

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


# --- The outbox, GOV.UK Notify and the task queue (issue 17) ---------------------------------

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
SECRET_LINK = "https://qaf.example.invalid/f/s/Zk3J9qLxT0pSecretToken/"
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


def run_worker_once() -> None:
    """The real worker, in this process, until the queue is empty. It closes "old" database
    connections between jobs, which inside the test's transaction on PostgreSQL would close
    the test's own connection: that one step is left out here."""
    from unittest import mock

    from django.core.management import call_command

    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)


@override_settings(TASKS=DB_TASKS)
def test_task_arguments_carry_only_an_id(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            to=["parent@example.invalid"],
            subject="Tell us how it went",
            body=f"Your single-use link: {SECRET_LINK}",
        )
    (row,) = DBTaskResult.objects.all()
    stored = json.dumps(row.args_kwargs)
    assert row.args_kwargs == {"args": [], "kwargs": {"email_id": OutgoingEmail.objects.get().pk}}
    for secret in ("parent@example.invalid", "Zk3J9qLxT0pSecretToken", "Tell us how"):
        assert secret not in stored
    # At rest in the outbox, sealed: not readable in the database either.
    sealed = OutgoingEmail.objects.get().sealed
    for secret in ("parent@example.invalid", "Zk3J9qLxT0pSecretToken", "Tell us how"):
        assert secret not in sealed
    run_worker_once()
    assert [m.to for m in mail.outbox] == [["parent@example.invalid"]]
    assert SECRET_LINK in mail.outbox[0].body
    assert not OutgoingEmail.objects.exists()  # sent: gone
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL


@override_settings(**NOTIFY_SETTINGS)
def test_notify_sends_each_recipient_its_template(django_capture_on_commit_callbacks):
    with FakeNotify() as notify, django_capture_on_commit_callbacks(execute=True):
        notification_send(
            to=["sm@example.invalid"],
            cc=["qa@example.invalid"],
            subject="Escalation raised",
            body="Please look.",
            template="escalation_raised",
        )
        notification_send(to=["tm@example.invalid"], subject="Reminder", body="Due Friday.")
    assert mail.outbox == []  # not through SMTP
    assert [(m["email_address"], m["template_id"]) for m in notify.sent] == [
        ("sm@example.invalid", ESCALATION_TEMPLATE),
        ("qa@example.invalid", ESCALATION_TEMPLATE),
        ("tm@example.invalid", MESSAGE_TEMPLATE),  # no template of its own: "message"
    ]
    assert notify.sent[0]["personalisation"] == {
        "subject": "Escalation raised",
        "body": "Please look.",
    }
    assert not OutgoingEmail.objects.exists()


@override_settings(**{**NOTIFY_SETTINGS, "TASKS": DB_TASKS})
def test_a_failed_send_is_kept_sealed_and_sent_again_by_the_sweep(
    django_capture_on_commit_callbacks,
):
    with FakeNotify() as notify:
        notify.fail_next = 1
        with django_capture_on_commit_callbacks(execute=True):
            notification_send(to=["sm@example.invalid"], subject="S", body="B")
        run_worker_once()
        email = OutgoingEmail.objects.get()
        assert (email.status, email.attempts) == (OutgoingEmailStatus.FAILED, 1)
        assert email.problem == "sending failed (HTTPError)"
        assert notify.sent == []
        assert outbox_sweep()["resent"] == 1
        run_worker_once()
    assert [m["email_address"] for m in notify.sent] == ["sm@example.invalid"]
    assert not OutgoingEmail.objects.exists()


@override_settings(TASKS=DB_TASKS, QAF_EMAIL_MAX_AGE_SECONDS=3600)
def test_an_email_not_sent_in_time_expires_unread(django_capture_on_commit_callbacks):
    with time_machine.travel(START, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            notification_send(to=["parent@example.invalid"], subject="S", body=SECRET_LINK)
        traveller.move_to(START + dt.timedelta(hours=2))  # the worker was down
        assert outbox_sweep()["expired"] == 1
        email = OutgoingEmail.objects.get()
        assert (email.status, email.sealed) == (OutgoingEmailStatus.FAILED, "")
        assert email.problem == "expired before it could be sent"
        run_worker_once()  # the task still queued finds nothing to send
    assert mail.outbox == []


@override_settings(TASKS=DB_TASKS)
def test_a_job_left_by_a_stopped_worker_is_sent_again(django_capture_on_commit_callbacks):
    with time_machine.travel(START, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            notification_send(to=["sm@example.invalid"], subject="S", body="B")
        DBTaskResult.objects.all().delete()  # the worker died holding the job
        traveller.move_to(START + dt.timedelta(minutes=5))
        assert outbox_sweep()["resent"] == 0  # too early to call it lost
        traveller.move_to(START + dt.timedelta(minutes=11))
        assert outbox_sweep()["resent"] == 1
        run_worker_once()
    assert len(mail.outbox) == 1


@override_settings(TASKS=DB_TASKS)
def test_successful_task_rows_are_pruned(django_capture_on_commit_callbacks):
    with time_machine.travel(START, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            notification_send(to=["sm@example.invalid"], subject="S", body="B")
        run_worker_once()
        assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == 1
        traveller.move_to(START + dt.timedelta(minutes=30))
        assert outbox_sweep()["task_results_pruned"] == 0
        traveller.move_to(START + dt.timedelta(hours=2))
        assert outbox_sweep()["task_results_pruned"] == 1
    assert not DBTaskResult.objects.exists()


def test_the_task_table_is_not_in_the_admin():
    from django.contrib import admin

    assert not admin.site.is_registered(DBTaskResult)
