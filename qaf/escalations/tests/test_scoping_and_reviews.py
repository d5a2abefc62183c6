"""Who sees which escalation; practice reviews make appreciations and alerts."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from qaf.accounts.models import Role
from qaf.common.errors import Invalid, NotAllowed
from qaf.escalations.models import (
    Escalation,
    EscalationKind,
    EscalationSource,
    PracticeAppreciation,
    PracticeGrade,
    PracticeReview,
    ReviewKind,
)
from qaf.escalations.selectors import escalation_dashboard, escalation_list_visible
from qaf.escalations.services import (
    escalation_propose_for_grade,
    escalation_take_step,
    practice_review_record,
)
from qaf.escalations.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalations(council, raise_on):
    when = at(2026, 3, 2, 10, 0)
    return {
        "own": raise_on(when, child=council.own_child),
        "team": raise_on(when, child=council.team_child),
        "district": raise_on(when, child=council.district_child),
        "far": raise_on(when, child=council.far_child),
        "cp": raise_on(when, child=council.cp_child),
        "cic": raise_on(when, child=council.cic_child),
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.PRACTITIONER, {"own"}),
        (Role.TEAM_MANAGER, {"own", "team"}),
        (Role.SERVICE_MANAGER, {"own", "team", "district"}),
        (Role.ASSISTANT_DIRECTOR, {"own", "team", "district"}),
        (Role.DIRECTOR, {"own", "team", "district", "far", "cp", "cic"}),
        (Role.QA_OFFICER, {"own", "team", "district", "far", "cp", "cic"}),
        (Role.CP_CHAIR, {"cp"}),
        (Role.IRO, {"cic"}),
        (Role.PARTNER_AUDITOR, set()),
        (Role.ELECTED_MEMBER, set()),
    ],
)
def test_each_role_sees_its_escalations(council, escalations, role, expected):
    ids = set(escalation_list_visible(user=council.users[role]).values_list("pk", flat=True))
    assert {name for name, e in escalations.items() if e.pk in ids} == expected


def test_dashboard_counts_by_district_and_share_in_time(council, escalations):
    sm, tm = council.users[Role.SERVICE_MANAGER], council.users[Role.TEAM_MANAGER]
    own = escalations["own"]
    with time_machine.travel(at(2026, 3, 3, 9, 0), tick=False):  # deadline end of Tue 3 March
        own = escalation_take_step(escalation=own, step="acknowledge", by=sm)
        own = escalation_take_step(
            escalation=own, step="agree_actions", by=sm, note="d", actions=["a"]
        )
        own = escalation_take_step(escalation=own, step="confirm_on_file", by=tm, note="n")
        own = escalation_take_step(escalation=own, step="sign_off", by=sm, note="n")
    with time_machine.travel(at(2026, 3, 10, 9, 0), tick=False):
        data = escalation_dashboard()
    rows = {r.district: r for r in data["districts"]}
    ashby, redmoor = rows["Ashby"], rows["Redmoor"]
    assert (ashby.open, ashby.overdue, ashby.signed_off) == (2, 2, 1)
    assert ashby.average_days_to_sign_off == 1.0
    assert (redmoor.open, redmoor.overdue) == (3, 3)
    [march] = data["periods"]
    assert (march.period, march.raised, march.due, march.in_time) == ("March 2026", 6, 6, 1)
    assert march.share_in_time == 17


def test_inadequate_grade_proposes_an_unsaved_escalation(council):
    qa = council.users[Role.QA_OFFICER]
    assert (
        escalation_propose_for_grade(
            child=council.own_child,
            grade=PracticeGrade.GOOD,
            raised_by=qa,
            source=EscalationSource.AUDIT,
            reason="r",
        )
        is None
    )
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        proposal = escalation_propose_for_grade(
            child=council.own_child,
            grade=PracticeGrade.INADEQUATE,
            raised_by=qa,
            source=EscalationSource.AUDIT,
            reason="Plan not updated since January",
        )
        assert proposal.deadline_on == dt.date(2026, 3, 9)
        assert not Escalation.objects.exists()
        escalation = proposal.confirm()
    assert escalation.kind == EscalationKind.PRACTICE
    assert escalation.reason == "Plan not updated since January"


def record(council, role, child, grade, kind):
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        return practice_review_record(
            child=child,
            by=council.users[role],
            meeting_date=dt.date(2026, 3, 2),
            kind=kind,
            grade=grade,
            notes="The plan is clear and the child's voice is heard.",
        )


def test_outstanding_review_sends_an_appreciation(council, django_capture_on_commit_callbacks):
    from qaf.organisation.tests.factories import StaffFactory

    manager = StaffFactory()
    worker = StaffFactory(line_manager=manager)
    council.cp_child.involvements.update(allocated_worker=worker)
    # The emails go out when the callbacks run, still on the review's day (the outbox does not
    # send a message older than a day).
    with (
        time_machine.travel(at(2026, 3, 2, 10, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        review = record(
            council,
            Role.CP_CHAIR,
            council.cp_child,
            PracticeGrade.OUTSTANDING,
            ReviewKind.CP_CONFERENCE,
        )
    appreciation = PracticeAppreciation.objects.get(review=review)
    assert (appreciation.practitioner, appreciation.line_manager) == (worker, manager)
    assert review.involvement == council.cp_child.involvements.get()
    assert [(m.to, m.cc) for m in mail.outbox] == [([worker.email], [manager.email])]
    assert review.alert is None


def test_inadequate_iro_review_raises_a_practice_alert(council, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(at(2026, 3, 2, 10, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        review = record(
            council, Role.IRO, council.cic_child, PracticeGrade.INADEQUATE, ReviewKind.CIC_REVIEW
        )
    alert = review.alert
    assert alert.kind == EscalationKind.PRACTICE
    assert alert.source == EscalationSource.IRO
    assert alert.reference_id == str(review.pk)
    assert not PracticeAppreciation.objects.exists()
    assert len(mail.outbox) == 1  # the service manager (or QA when no district manager)


@pytest.mark.parametrize(
    ("role", "kind", "grade", "date", "message"),
    [
        (
            Role.CP_CHAIR,
            ReviewKind.CIC_REVIEW,
            PracticeGrade.GOOD,
            dt.date(2026, 3, 2),
            "does not record",
        ),
        (
            Role.IRO,
            ReviewKind.CP_CONFERENCE,
            PracticeGrade.GOOD,
            dt.date(2026, 3, 2),
            "does not record",
        ),
        (Role.IRO, ReviewKind.CIC_REVIEW, "excellent", dt.date(2026, 3, 2), "overall grade"),
        (
            Role.IRO,
            ReviewKind.CIC_REVIEW,
            PracticeGrade.GOOD,
            dt.date(2026, 3, 3),
            "today or in the past",
        ),
    ],
)
def test_bad_reviews_are_refused_and_change_nothing(council, role, kind, grade, date, message):
    with (
        time_machine.travel(at(2026, 3, 2, 10, 0), tick=False),
        pytest.raises(Invalid, match=message),
    ):
        practice_review_record(
            child=council.cic_child,
            by=council.users[role],
            meeting_date=date,
            kind=kind,
            grade=grade,
            notes="n",
        )
    assert not PracticeReview.objects.exists()


def test_midway_review_needs_a_plan_and_practitioners_cannot_record(council):
    with pytest.raises(Invalid, match="mid-way review needs an open"):
        record(
            council,
            Role.QA_OFFICER,
            council.own_child,
            PracticeGrade.GOOD,
            ReviewKind.MIDWAY_REVIEW,
        )
    with pytest.raises(NotAllowed, match="Only CP chairs, IROs and the QA unit record"):
        record(
            council,
            Role.PRACTITIONER,
            council.own_child,
            PracticeGrade.GOOD,
            ReviewKind.CP_CONFERENCE,
        )


def test_actions_agreed_on_a_practice_alert_are_practice_alert_actions(
    council, django_capture_on_commit_callbacks
):
    from qaf.actions.models import Action, ActionSource

    review = record(
        council, Role.IRO, council.cic_child, PracticeGrade.INADEQUATE, ReviewKind.CIC_REVIEW
    )
    # the child in care's district (South) has no service manager in the fixture: give it one
    district = council.other_area_team.district
    district.service_manager = council.users[Role.SERVICE_MANAGER].staff
    district.save()
    sm = council.users[Role.SERVICE_MANAGER]
    alert = escalation_take_step(escalation=review.alert, step="acknowledge", by=sm)
    escalation_take_step(
        escalation=alert, step="agree_actions", by=sm, note="d", actions=["Review contact plan"]
    )
    assert list(Action.objects.values_list("source", flat=True)) == [ActionSource.PRACTICE_ALERT]


@pytest.mark.parametrize("role", [None, Role.ELECTED_MEMBER, Role.PARTNER_AUDITOR])
def test_raising_needs_an_account_that_sees_children(council, role):
    from qaf.escalations.services import escalation_raise

    with pytest.raises(NotAllowed, match="cannot raise concerns about a child"):
        escalation_raise(
            child=council.own_child,
            kind=EscalationKind.SAFEGUARDING,
            raised_by=None if role is None else council.users[role],
            source=EscalationSource.FEEDBACK,
            reason="The trigger words",
        )
    assert not Escalation.objects.exists()
