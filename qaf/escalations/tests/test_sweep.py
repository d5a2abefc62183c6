"""Overdue reminders go out exactly once, however often the sweep runs."""

import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from qaf.accounts.models import Role
from qaf.escalations.models import (
    EscalationReminder,
    EscalationStatus,
    ReminderKind,
    SecondPersonRequestKind,
)
from qaf.escalations.services import (
    second_person_request_create,
    second_person_request_decide,
)
from qaf.escalations.tests.conftest import at
from qaf.escalations.tests.factories import ClosureDayFactory

pytestmark = pytest.mark.django_db


def sweep(when, capture):
    with time_machine.travel(when, tick=False), capture(execute=True):
        out = io.StringIO()
        call_command("sweep_escalations", stdout=out)
    return out.getvalue()


def recipients():
    return [(m.to, m.subject.split(":")[0]) for m in mail.outbox]


def test_reminder_then_assistant_director_each_once(
    council, raise_on, django_capture_on_commit_callbacks
):
    # Raised Friday 6 March 2026: safeguarding deadline end of Monday 9 March.
    escalation = raise_on(at(2026, 3, 6, 11, 0))
    mail.outbox.clear()
    sm = council.home_team.district.service_manager
    ad = council.home_team.district.area.assistant_director
    capture = django_capture_on_commit_callbacks

    assert "0 service manager" in sweep(at(2026, 3, 9, 23, 0), capture)  # not yet overdue
    assert mail.outbox == []

    for _ in range(3):  # Tuesday: overdue, remind the service manager once
        sweep(at(2026, 3, 10, 7, 0), capture)
    assert [m.to for m in mail.outbox] == [[sm.email]]
    assert mail.outbox[0].subject.startswith("Overdue")

    sweep(at(2026, 3, 10, 23, 0), capture)  # still within the further working day
    assert len(mail.outbox) == 1

    for _ in range(3):  # Wednesday: the further working day has passed
        sweep(at(2026, 3, 11, 7, 0), capture)
    assert [m.to for m in mail.outbox] == [[sm.email], [ad.email]]
    assert mail.outbox[1].cc == [sm.email]
    kinds = set(
        EscalationReminder.objects.filter(escalation=escalation).values_list("kind", flat=True)
    )
    assert kinds == {ReminderKind.OVERDUE_SERVICE_MANAGER, ReminderKind.OVERDUE_ASSISTANT_DIRECTOR}


def test_a_late_first_run_sends_both_once(council, raise_on, django_capture_on_commit_callbacks):
    raise_on(at(2026, 3, 6, 11, 0))
    mail.outbox.clear()
    sweep(at(2026, 3, 20, 7, 0), django_capture_on_commit_callbacks)
    sweep(at(2026, 3, 21, 7, 0), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2


def test_the_further_working_day_skips_closure_days(
    council, raise_on, django_capture_on_commit_callbacks
):
    raise_on(at(2026, 3, 6, 11, 0))
    ClosureDayFactory(date=at(2026, 3, 10).date())
    mail.outbox.clear()
    sweep(at(2026, 3, 11, 7, 0), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1  # the further working day is Wednesday 11th, not Tuesday
    sweep(at(2026, 3, 12, 7, 0), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2


def test_cancelled_escalations_are_not_chased(
    council, raise_on, django_capture_on_commit_callbacks
):
    escalation = raise_on(at(2026, 3, 6, 11, 0))  # safeguarding: cancelled by two people
    request = second_person_request_create(
        escalation=escalation,
        kind=SecondPersonRequestKind.CANCEL,
        by=council.users[Role.QA_OFFICER],
        reason="Duplicate",
    )
    second_person_request_decide(
        request=request, by=council.users[Role.SERVICE_MANAGER], approve=True
    )
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.CANCELLED
    mail.outbox.clear()
    sweep(at(2026, 3, 20, 7, 0), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert not EscalationReminder.objects.exists()
