"""Actions: status table, evidence, effectiveness checks, action-log numbering, reminders."""

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from qaf.accounts.models import Role
from qaf.actions.models import Action, ActionReminder, ActionStatus
from qaf.actions.services import (
    action_record_effectiveness,
    action_update,
    meeting_add_action,
)
from qaf.actions.tests.factories import ActionFactory, ActionPlanFactory, MeetingFactory
from qaf.common.errors import IllegalTransition, Invalid, NotAllowed
from qaf.organisation.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 2)


def worker(council):
    return council.users[Role.PRACTITIONER].staff


def test_owner_moves_their_action_to_done_with_evidence(council):
    action = ActionFactory(owner=worker(council))
    user = council.users[Role.PRACTITIONER]
    action = action_update(action=action, by=user, status=ActionStatus.IN_PROGRESS)
    with pytest.raises(Invalid, match="Enter the evidence that the action is complete"):
        action_update(action=action, by=user, status=ActionStatus.DONE, evidence=" ")
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    action = action_update(
        action=action, by=user, status=ActionStatus.DONE, evidence="Plan updated 3 March"
    )
    assert action.completed_at is not None
    with pytest.raises(IllegalTransition, match="This action is done"):
        action_update(action=action, by=user, status=ActionStatus.OPEN)


@pytest.mark.parametrize("final", [ActionStatus.DONE, ActionStatus.CANCELLED])
@pytest.mark.parametrize("target", list(ActionStatus))
def test_done_and_cancelled_are_final(council, final, target):
    action = ActionFactory(owner=worker(council), status=final, evidence="e")
    with pytest.raises(IllegalTransition, match=f"This action is (already )?{final.label.lower()}"):
        action_update(action=action, by=council.users[Role.QA_OFFICER], status=target, evidence="e")
    action.refresh_from_db()
    assert action.status == final


def test_someone_elses_action_cannot_be_updated(council):
    action = ActionFactory()  # owner outside every team
    with pytest.raises(NotAllowed, match="You cannot “mark the action in progress” on this action"):
        action_update(
            action=action, by=council.users[Role.PRACTITIONER], status=ActionStatus.IN_PROGRESS
        )


def test_plan_actions_need_an_effectiveness_check_before_they_close(council):
    plan_owner = StaffFactory()
    plan = ActionPlanFactory(owner=plan_owner)
    action = ActionFactory(owner=worker(council), plan=plan)
    owner_user = council.users[Role.PRACTITIONER]
    with pytest.raises(Invalid, match="record an effectiveness check before it is closed"):
        action_update(action=action, by=owner_user, status=ActionStatus.DONE, evidence="Done")
    with pytest.raises(NotAllowed, match="plan's owner checks"):
        action_record_effectiveness(action=action, by=owner_user, note="It worked")
    qa_owned = ActionFactory(owner=council.users[Role.QA_OFFICER].staff, plan=plan)
    with pytest.raises(NotAllowed, match="never the action's own owner"):
        action_record_effectiveness(
            action=qa_owned, by=council.users[Role.QA_OFFICER], note="It worked"
        )
    with pytest.raises(NotAllowed, match="plan's owner checks"):
        action_record_effectiveness(action=action, by=council.users[Role.TEAM_MANAGER], note="x")
    with pytest.raises(Invalid, match="Describe how"):
        action_record_effectiveness(action=action, by=council.users[Role.QA_OFFICER], note="  ")
    action_record_effectiveness(
        action=action,
        by=council.users[Role.QA_OFFICER],
        note="Re-audit in April found plans updated",
    )
    action = action_update(action=action, by=owner_user, status=ActionStatus.DONE, evidence="Done")
    assert action.status == ActionStatus.DONE


def test_actions_without_a_plan_have_no_effectiveness_check(council):
    action = ActionFactory(owner=worker(council))
    with pytest.raises(Invalid, match="Only plan actions"):
        action_record_effectiveness(action=action, by=council.users[Role.QA_OFFICER], note="n")


def test_action_log_numbers_item_then_letter(council):
    meeting = MeetingFactory()
    qa = council.users[Role.QA_OFFICER]
    lead = StaffFactory()

    def add(item):
        return meeting_add_action(
            meeting=meeting, item_number=item, title="t", lead=lead, due_date=DAY, by=qa
        )

    refs = [add(i).log_reference for i in (1, 3, 1, 3, 3, 2)]
    assert refs == ["1a", "3a", "1b", "3b", "3c", "2a"]
    other = MeetingFactory()
    assert (
        meeting_add_action(
            meeting=other, item_number=1, title="t", lead=lead, due_date=DAY, by=qa
        ).log_reference
        == "1a"
    )


def test_action_log_refuses_bad_item_numbers_and_non_leaders(council):
    meeting = MeetingFactory()
    lead = StaffFactory()
    qa = council.users[Role.QA_OFFICER]
    for bad in (0, -1, 1000, True):
        with pytest.raises(Invalid, match="item number"):
            meeting_add_action(
                meeting=meeting, item_number=bad, title="t", lead=lead, due_date=DAY, by=qa
            )
    with pytest.raises(NotAllowed, match="do not have permission"):
        meeting_add_action(
            meeting=meeting,
            item_number=1,
            title="t",
            lead=lead,
            due_date=DAY,
            by=council.users[Role.PRACTITIONER],
        )
    assert not Action.objects.exists()


def test_27th_action_on_one_item_is_refused(council):
    meeting = MeetingFactory()
    lead, qa = StaffFactory(), council.users[Role.QA_OFFICER]
    for _ in range(26):
        meeting_add_action(
            meeting=meeting, item_number=4, title="t", lead=lead, due_date=DAY, by=qa
        )
    with pytest.raises(Invalid, match="26 actions"):
        meeting_add_action(
            meeting=meeting, item_number=4, title="t", lead=lead, due_date=DAY, by=qa
        )


def test_overdue_reminders_are_sent_once_per_due_date(council, django_capture_on_commit_callbacks):
    manager = StaffFactory()
    owner = StaffFactory(line_manager=manager)
    action = ActionFactory(owner=owner, due_date=dt.date(2026, 3, 2))
    ActionFactory(owner=owner, due_date=dt.date(2026, 3, 2), status=ActionStatus.DONE, evidence="e")

    def sweep(day):
        with (
            time_machine.travel(dt.datetime(*day, 7, 0, tzinfo=dt.UTC), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            call_command("sweep_actions", stdout=io.StringIO())

    sweep((2026, 3, 2))  # due today: not overdue
    assert mail.outbox == []
    for day in [(2026, 3, 3), (2026, 3, 3), (2026, 3, 4)]:
        sweep(day)
    assert [(m.to, m.cc) for m in mail.outbox] == [([owner.email], [manager.email])]
    action.due_date = dt.date(2026, 3, 10)  # a new due date gets its own reminder
    action.save()
    sweep((2026, 3, 11))
    sweep((2026, 3, 12))
    assert len(mail.outbox) == 2
    assert ActionReminder.objects.count() == 2
