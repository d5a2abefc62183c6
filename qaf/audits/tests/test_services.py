import datetime as dt

import pytest
from django.core import mail

from qaf.accounts.models import Role
from qaf.audits import selectors, services
from qaf.audits.models import (
    AllocationChange,
    Audit,
    AuditReminder,
    AuditStatus,
    CycleStatus,
    ModerationStatus,
    SampledCase,
    SampleStatus,
)
from qaf.audits.tests.factories import SECTIONS, auditable, committed_cycle, fill_form
from qaf.common import clock
from qaf.common.errors import IllegalTransition, Invalid, NotAllowed
from qaf.organisation.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_template_phases_tri_annual():
    phases = services.cycle_phases_for(template="tri_annual", start_date=dt.date(2026, 1, 1))
    kinds = [(p.kind, p.round, p.start_date.month) for p in phases]
    assert kinds == [
        ("audit", 1, 1),
        ("moderation", 1, 2),
        ("appreciative_inquiry", 1, 2),
        ("audit", 2, 3),
        ("moderation", 2, 4),
        ("triad", 2, 4),
    ]
    assert phases[-1].end_date == dt.date(2026, 4, 30)


def test_bad_rule_is_refused_and_nothing_created(council):
    qa = council.users[Role.QA_OFFICER]
    with pytest.raises(Invalid, match="percentage"):
        services.cycle_create(
            name="x",
            template="dip_sample",
            start_date=dt.date(2026, 1, 1),
            rule={"percentage": 150},
            seed=1,
            by=qa,
        )
    from qaf.audits.models import Cycle

    assert not Cycle.objects.exists()


def test_only_qa_plans(council):
    with pytest.raises(NotAllowed, match="Only the QA unit can plan and run audit cycles"):
        services.cycle_create(
            name="x",
            template="dip_sample",
            start_date=dt.date(2026, 1, 1),
            rule=None,
            seed=1,
            by=council.users[Role.TEAM_MANAGER],
        )


def test_same_database_and_seed_give_same_sample(council):
    qa = council.users[Role.QA_OFFICER]

    def draw(seed):
        cycle = services.cycle_create(
            name="c",
            template="dip_sample",
            start_date=dt.date(2026, 1, 5),
            rule={"percentage": 50, "strata": ["district"]},
            seed=seed,
            by=qa,
        )
        services.cycle_draw_sample(cycle=cycle, by=qa)
        return sorted(
            SampledCase.objects.filter(cycle=cycle).values_list("involvement_id", "reason")
        )

    first, second = draw(3), draw(3)
    assert first == second and first
    assert all(reason for _, reason in first)


def test_adjusting_the_sample_needs_reasons_and_keeps_them_on_redraw(council):
    qa = council.users[Role.QA_OFFICER]
    cycle = services.cycle_create(
        name="c",
        template="dip_sample",
        start_date=dt.date(2026, 1, 5),
        rule={"per_stratum_quota": 1},
        seed=3,
        by=qa,
    )
    services.cycle_draw_sample(cycle=cycle, by=qa)
    case = SampledCase.objects.filter(cycle=cycle).first()
    with pytest.raises(Invalid, match="Enter the reason for removing the case"):
        services.sampled_case_decide(sampled_case=case, decision="removed", reason=" ", by=qa)
    services.sampled_case_decide(sampled_case=case, decision="exempted", reason="Court", by=qa)
    with pytest.raises(Invalid, match="no child"):
        services.sampled_case_add(cycle=cycle, council_child_id="NOPE", reason="x", by=qa)
    services.cycle_draw_sample(cycle=cycle, by=qa)
    case.refresh_from_db()
    assert case.status == SampleStatus.EXEMPTED and case.status_reason == "Court"


def test_commit_creates_audits_allocates_peers_and_is_idempotent(council):
    setup = committed_cycle(council)
    cycle = setup.cycle
    assert cycle.status == CycleStatus.COMMITTED
    audits = Audit.objects.filter(cycle=cycle)
    assert audits.count() == SampledCase.objects.filter(cycle=cycle).count() == 3
    for audit in audits:
        assert audit.transitions.count() == 1
        if audit.auditor_id:
            assert audit.team_id != council.home_team.pk  # never the auditor's own team
    # the home team's case has no auditor: the only pool member is in that team
    home = audits.get(team=council.home_team)
    assert home.auditor_id is None
    again = services.cycle_commit(cycle=cycle, by=setup.qa, expected_version=cycle.row_version - 1)
    assert again.pk == cycle.pk and Audit.objects.filter(cycle=cycle).count() == 3


def test_reallocation_refuses_peer_rule_without_override(council):
    setup = committed_cycle(council)
    home = Audit.objects.get(cycle=setup.cycle, team=council.home_team)
    with pytest.raises(Invalid, match="own team"):
        services.audit_reallocate(
            audit=home, role="auditor", staff=setup.auditor.staff, reason="cover", by=setup.qa
        )
    assert not AllocationChange.objects.exists()
    services.audit_reallocate(
        audit=home,
        role="auditor",
        staff=setup.auditor.staff,
        reason="Only trained auditor",
        by=setup.qa,
        override=True,
    )
    change = AllocationChange.objects.get()
    assert change.overrides_rule and "own team" in change.reason


def test_full_journey_with_downgrade_and_emails(council, django_capture_on_commit_callbacks):
    setup = committed_cycle(council)
    audit = auditable(setup)
    with pytest.raises(IllegalTransition, match="“Start moderation” is not possible now"):
        services.moderation_start(audit=audit, by=setup.moderator)  # before submission
    audit = fill_form(audit, setup.auditor)
    owner = StaffFactory()
    services.audit_action_add(
        audit=audit,
        by=setup.auditor,
        title="Update the plan",
        owner=owner,
        due_date=clock.today() + dt.timedelta(days=10),
    )
    with django_capture_on_commit_callbacks(execute=True):
        audit = services.audit_transition(audit=audit, action="submit", by=setup.auditor)
    assert audit.submitted_section_grades == dict.fromkeys(SECTIONS, "good")
    moderation = services.moderation_start(audit=audit, by=setup.moderator)
    grades = {k: {"grade": "good"} for k in SECTIONS}
    grades["assessment"] = {"grade": "requires_improvement", "reason": ""}
    with pytest.raises(Invalid, match="reason for changing the grade of section assessment"):
        services.moderation_save(
            moderation=moderation,
            by=setup.moderator,
            expected_version=moderation.row_version,
            meeting_date=clock.today(),
            attendees="A, B",
            section_grades=grades,
            overall_grade="good",
            overall_reason="",
            action_checks={},
        )
    grades["assessment"]["reason"] = "No chronology"
    action_id = str(selectors.audit_actions(audit=audit)[0].pk)
    moderation = services.moderation_save(
        moderation=moderation,
        by=setup.moderator,
        expected_version=moderation.row_version,
        meeting_date=clock.today(),
        attendees="A, B",
        section_grades=grades,
        overall_grade="requires_improvement",
        overall_reason="Assessment drags it down",
        action_checks={action_id: "not_yet_due"},
    )
    assert moderation.outcome == "downgraded"
    with pytest.raises(Invalid, match="confirm that outcome"):
        services.moderation_finalise(
            moderation=moderation,
            by=setup.moderator,
            expected_version=moderation.row_version,
            confirmed_outcome="agreed",
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moderation = services.moderation_finalise(
            moderation=moderation,
            by=setup.moderator,
            expected_version=moderation.row_version,
            confirmed_outcome="downgraded",
        )
    audit.refresh_from_db()
    assert audit.status == AuditStatus.FINALISED
    assert moderation.status == ModerationStatus.FINALISED
    sm_email = council.users[Role.SERVICE_MANAGER].staff.email
    assert any(sm_email in m.to and "finalised" in m.subject for m in mail.outbox)
    with pytest.raises(IllegalTransition, match="This moderation is finalised"):
        services.moderation_save(
            moderation=moderation,
            by=setup.moderator,
            expected_version=moderation.row_version,
            meeting_date=None,
            attendees="",
            section_grades={},
            overall_grade="",
            overall_reason="",
            action_checks={},
        )
    history = list(audit.transitions.values_list("from_status", "to_status"))
    assert history[-1] == ("in_moderation", "finalised")


def test_return_needs_reason(council):
    setup = committed_cycle(council)
    audit = fill_form(auditable(setup), setup.auditor)
    audit = services.audit_transition(audit=audit, action="submit", by=setup.auditor)
    with pytest.raises(Invalid, match="Enter the reason for returning the audit"):
        services.audit_transition(audit=audit, action="return", by=setup.moderator, reason="")
    audit.refresh_from_db()
    assert audit.status == AuditStatus.SUBMITTED
    audit = services.audit_transition(
        audit=audit, action="return", by=setup.moderator, reason="Family feedback missing"
    )
    assert audit.transitions.last().reason == "Family feedback missing"


def test_sweep_sends_each_reminder_once(council, django_capture_on_commit_callbacks, time_machine):
    setup = committed_cycle(council, start=dt.date(2026, 3, 2))
    time_machine.move_to(dt.datetime(2026, 3, 30, 9, tzinfo=dt.UTC))
    with django_capture_on_commit_callbacks(execute=True):
        first = services.audit_sweep()
        second = services.audit_sweep()
    assert first["due_soon"] >= 1 and second == {
        "due_soon": 0,
        "overdue": 0,
        "moderation_due_soon": 0,
    }
    time_machine.move_to(dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC))
    with django_capture_on_commit_callbacks(execute=True):
        third = services.audit_sweep()
        fourth = services.audit_sweep()
    assert third["overdue"] >= 1 and fourth["overdue"] == 0
    assert AuditReminder.objects.filter(kind="overdue").count() == third["overdue"]
    assert setup.cycle
