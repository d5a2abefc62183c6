"""Audit cycles for the demo council, built through the services so every history is real.

``audit_demo_generate`` runs at the end of ``qaf.demo.services.demo_council_generate`` (after the
tool library is loaded). It makes:

* an earlier, closed bi-monthly cycle whose audits were all submitted, moderated (some grades
  changed, with reasons) and finalised, so *Agreement* shows kappa;
* a cycle in progress with audits in every state (allocated, in progress, submitted, returned,
  in moderation, finalised, cancelled).

demo-team-manager is in the auditor pool with audits allocated to them; demo-service-manager is
in the moderator pool with audits waiting for moderation; one of demo-practitioner's cases is in
each cycle, moderated and finalised, so they can read it and reflect. Colleagues in the pools (team
managers of other teams, other service managers; as many as the sample needs) get accounts
without a password (single sign-on) so their share of the work is done by a real account too.
Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from typing import Any

from qaf.accounts.models import Role, User
from qaf.cases.models import Involvement
from qaf.common import clock
from qaf.common.errors import Conflict
from qaf.organisation.models import JobRole, Service, Staff, TeamMembership
from qaf.tools.definition import ToolDefinition, suggest_grade, visible_questions
from qaf.tools.models import ToolVersion
from qaf.tools.services import (
    form_response_save_section,
    form_response_set_grade,
    tool_version_latest,
)

from . import selectors, services
from .agreement import GRADE_ORDER
from .models import IN_SAMPLE, Audit, AuditStatus, Cycle, PoolKind

DEMO_TOOL = "universal-case-audit"
# A section's scale answers for each grade (the tool's bands: 8.5 / 6.5 / 4).
SCALE_FOR_GRADE = {
    "outstanding": 9,
    "good": 7,
    "requires_improvement": 5,
    "inadequate": 2,
}
STRENGTHS = [
    "Visits are regular and purposeful; the child's views are recorded in their own words.",
    "The chronology is up to date and the plan is clear about who does what by when.",
    "Partners contribute to the plan and the family says the work has helped.",
]
TO_DEVELOP = [
    "The plan's actions need dates and named owners; some are open-ended.",
    "Management oversight is recorded but does not show the reasoning behind decisions.",
    "The father's views are not sought; the record should show why.",
]
CHANGE_REASONS = [
    "The record shows the plan was not reviewed after the last incident: not yet good.",
    "Supervision notes show reflective discussion the auditor did not see: better than judged.",
    "The child's views are recorded but did not shape the plan.",
]
# What each current-cycle audit is taken to, by whose work it is (see _plan_current).
EVERY_STATE = [
    AuditStatus.ALLOCATED,
    AuditStatus.IN_PROGRESS,
    AuditStatus.SUBMITTED,
    AuditStatus.RETURNED,
    AuditStatus.IN_MODERATION,
    AuditStatus.FINALISED,
    AuditStatus.CANCELLED,
]


def audit_demo_generate(*, seed: int) -> dict[str, int]:
    """Pools, an earlier finalised cycle and a cycle in progress for the demo council."""
    rng = random.Random(seed)
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    qa = users["demo-qa-officer"]
    team_manager = users["demo-team-manager"]
    service_manager = users["demo-service-manager"]
    practitioner = users["demo-practitioner"]
    pools = _Pools(qa, team_manager, service_manager)
    version = tool_version_latest(key=DEMO_TOOL)
    assert version is not None, "the tool library is loaded before the demo audits"
    today = clock.today()
    earlier = _cycle(
        "Spring case audits", today - dt.timedelta(days=150), seed, version, pools, practitioner
    )
    for audit in _audits(earlier):
        _take_to(audit, AuditStatus.FINALISED, pools.accounts, qa, version, rng)
    services.cycle_close(cycle=earlier, by=qa)
    current = _cycle(
        "Summer case audits", today - dt.timedelta(days=21), seed + 1, version, pools, practitioner
    )
    plan = _plan_current(_audits(current), team_manager, service_manager, practitioner)
    for audit, target in plan:
        _take_to(audit, target, pools.accounts, qa, version, rng)
    return {"audit cycles": Cycle.objects.count(), "audits": Audit.objects.count()}


class _Pools:
    """The auditor pool (demo-team-manager and team managers of other teams) and the moderator
    pool (demo-service-manager and other service managers), grown to fit each cycle's sample.
    Colleagues get accounts without a password (they would sign in with single sign-on)."""

    PER_CYCLE = 20  # monthly capacity; a bi-monthly cycle has one audit and one moderation month

    def __init__(self, qa: User, team_manager: User, service_manager: User) -> None:
        self.qa = qa
        own_teams = TeamMembership.objects.filter(staff=team_manager.staff).values("team_id")
        self.candidates = {
            PoolKind.AUDITOR: list(
                Staff.objects.filter(job_role=JobRole.TEAM_MANAGER, memberships__isnull=False)
                .exclude(memberships__team_id__in=own_teams)
                .order_by("staff_id")
            ),
            PoolKind.MODERATOR: list(
                Staff.objects.filter(job_role=JobRole.SERVICE_MANAGER)
                .exclude(pk=_staff_of(service_manager).pk)
                .order_by("staff_id")
            ),
        }
        self.members = {PoolKind.AUDITOR: [team_manager], PoolKind.MODERATOR: [service_manager]}
        self.accounts: dict[int, User] = {}
        self._save(PoolKind.AUDITOR, team_manager)
        self._save(PoolKind.MODERATOR, service_manager)

    def _save(self, kind: str, user: User) -> None:
        services.pool_member_save(
            kind=kind,
            staff=_staff_of(user),
            monthly_capacity=self.PER_CYCLE,
            trained_on=clock.today() - dt.timedelta(days=300),
            active=True,
            by=self.qa,
        )
        self.accounts[_staff_of(user).pk] = user

    def fit(self, sample_size: int) -> None:
        """Enough members for the sample, with one to spare for the peer rule."""
        wanted = max(2, -(-sample_size // self.PER_CYCLE) + 1)
        for kind, role in (
            (PoolKind.AUDITOR, Role.TEAM_MANAGER),
            (PoolKind.MODERATOR, Role.SERVICE_MANAGER),
        ):
            while len(self.members[kind]) < wanted and self.candidates[kind]:
                staff = self.candidates[kind].pop(0)
                user = User(
                    username=staff.staff_id.lower(),
                    role=role,
                    staff=staff,
                    first_name=staff.given_name,
                    last_name=staff.family_name,
                    email=staff.email,
                )
                user.set_unusable_password()
                user.save()
                self.members[kind].append(user)
                self._save(kind, user)


def _cycle(
    name: str,
    start: dt.date,
    seed: int,
    version: ToolVersion,
    pools: _Pools,
    practitioner: User,
) -> Cycle:
    """A bi-monthly cycle, one case per team of the services the tool covers, one of the demo
    practitioner's cases added by hand; committed and allocated."""
    qa = pools.qa
    covered = list(version.definition.services) if version.definition.services else []
    cycle = services.cycle_create(
        name=name,
        template="bi_monthly",
        start_date=start,
        rule={"per_stratum_quota": 1, "strata": ["team"], "services": covered},
        seed=seed,
        by=qa,
    )
    services.cycle_choose_tools(
        cycle=cycle,
        choice={s.pk: version.pk for s in Service.objects.filter(key__in=covered)},
        by=qa,
    )
    services.cycle_draw_sample(cycle=cycle, by=qa)
    cycle.refresh_from_db()
    chosen = set(cycle.sampled_cases.values_list("child_id", flat=True))
    own = (
        Involvement.objects.filter(
            allocated_worker=practitioner.staff_id,
            end_date__isnull=True,
            start_date__lte=start,
        )
        .exclude(child_id__in=chosen)
        .select_related("child")
        .order_by("child__council_child_id")
    )
    case = own.first()
    if case is not None:
        services.sampled_case_add(
            cycle=cycle,
            council_child_id=case.child.council_child_id,
            reason="Practice lead asked for one of the practitioner's cases to be included",
            by=qa,
        )
    cycle.refresh_from_db()
    pools.fit(cycle.sampled_cases.filter(status__in=IN_SAMPLE).count())
    return services.cycle_commit(cycle=cycle, by=qa, expected_version=cycle.row_version)


def _audits(cycle: Cycle) -> list[Audit]:
    return list(Audit.objects.filter(cycle=cycle).select_related("child", "team").order_by("pk"))


def _plan_current(
    audits: list[Audit], team_manager: User, service_manager: User, practitioner: User
) -> list[tuple[Audit, str]]:
    """Every state at least once; the demo accounts' work first: the team manager's first
    audits allocated (and one in progress), the service manager's first ones submitted (waiting
    for moderation) and in moderation, the practitioner's case finalised."""
    own_auditor = [AuditStatus.ALLOCATED, AuditStatus.ALLOCATED, AuditStatus.IN_PROGRESS]
    own_moderator = [AuditStatus.SUBMITTED, AuditStatus.SUBMITTED, AuditStatus.IN_MODERATION]
    plan: list[tuple[Audit, str]] = []
    rest: list[Audit] = []
    for audit in audits:
        if audit.practitioner_id == practitioner.staff_id:
            plan.append((audit, AuditStatus.FINALISED))
        elif audit.auditor_id == team_manager.staff_id and own_auditor:
            plan.append((audit, own_auditor.pop(0)))
        elif audit.moderator_id == service_manager.staff_id and own_moderator:
            plan.append((audit, own_moderator.pop(0)))
        else:
            rest.append(audit)
    for i, audit in enumerate(rest):
        plan.append((audit, EVERY_STATE[(i + 3) % len(EVERY_STATE)]))
    return plan


def _answers(definition: ToolDefinition, grades: Mapping[str, str], rng: random.Random) -> dict:
    """An answer to every question the form shows, the scales pitched at each section's grade."""
    answers: dict[str, Any] = {}
    for section in definition.sections:
        level = SCALE_FOR_GRADE.get(grades.get(section.key, "good"), 7)
        for q in section.questions:
            if q.show_if is not None and not q.show_if.matches(answers.get(q.show_if.question)):
                continue
            values = [v for v, _ in definition.choices(q)]
            if q.type == "scale":
                answers[q.key] = _nearest(values, level)
            elif q.type == "multiple_choice":
                answers[q.key] = [v for v in values if v in ("child", "parent")] or values[:1]
            elif q.type in ("single_choice", "yes_no_na", "grade"):
                answers[q.key] = values[0]
            elif q.type == "date":
                answers[q.key] = (clock.today() - dt.timedelta(days=rng.randint(5, 60))).isoformat()
            elif q.type == "number":
                answers[q.key] = int(q.min_value) if q.min_value is not None else 2
            elif q.type == "own_words":
                answers[q.key] = "“My worker listens to me and comes when she says she will.”"
            elif "develop" in q.key:
                answers[q.key] = rng.choice(TO_DEVELOP)
            else:
                answers[q.key] = rng.choice(STRENGTHS)
    shown = visible_questions(definition, answers)
    return {k: v for k, v in answers.items() if k in shown}


def _nearest(values: list[Any], level: int) -> Any:
    """The scale value closest to `level`."""
    return min(values, key=lambda v: abs(int(v) - level))


def _staff_of(user: User) -> Staff:
    """The demo accounts all work for the council: one without a staff record is a bug."""
    if user.staff is None:
        raise Conflict(f"The demo account {user.username} has no staff record.")
    return user.staff


def _fill(audit: Audit, auditor: User, version: ToolVersion, rng: random.Random) -> Audit:
    """The auditor opens the audit and completes every section of the tool (pages' services)."""
    audit = services.audit_open_form(audit=audit, by=auditor)
    definition = version.definition
    graded = [s.key for s in definition.sections if s.graded]
    grades = {
        key: rng.choice(["good", "good", "requires_improvement", "outstanding"]) for key in graded
    }
    answers = _answers(definition, grades, rng)
    form = audit.form
    if form is None:
        raise Conflict("The audit's form did not open.")
    for section in definition.sections:
        keys = {q.key for q in section.questions}
        result = form_response_save_section(
            response=form,
            section_key=section.key,
            data={k: v for k, v in answers.items() if k in keys},
            by=auditor,
            expected_version=form.row_version,
            grade=(suggest_grade(definition, section.key, answers) or "")
            if section.graded
            else None,
            complete=True,
        )
        assert result.completed, (section.key, result.errors)
        form = result.response
    chosen = {k: v["grade"] for k, v in form.section_grades.items()}
    overall = suggest_grade(definition, None, form.answers, section_grades=chosen) or "good"
    form_response_set_grade(
        response=form,
        section_key=None,
        grade=overall,
        reason="",
        by=auditor,
        expected_version=form.row_version,
    )
    audit.refresh_from_db()
    services.audit_action_add(
        audit=audit,
        by=auditor,
        title="Review the plan with the family and add dates to each action",
        owner=audit.practitioner or _staff_of(auditor),
        due_date=clock.today() + dt.timedelta(days=28),
    )
    return audit


def _moderate(audit: Audit, moderator: User, rng: random.Random, *, finalise: bool) -> None:
    moderation = services.moderation_start(audit=audit, by=moderator)
    audit.refresh_from_db()
    section_grades: dict[str, dict[str, str]] = {}
    changed = rng.random() < 0.6
    change_key = rng.choice(sorted(audit.submitted_section_grades)) if changed else ""
    for key, grade in audit.submitted_section_grades.items():
        if key == change_key:
            step = rng.choice([-1, 1])
            index = min(max(GRADE_ORDER.index(grade) + step, 0), len(GRADE_ORDER) - 2)
            if GRADE_ORDER[index] != grade:
                section_grades[key] = {
                    "grade": GRADE_ORDER[index],
                    "reason": rng.choice(CHANGE_REASONS),
                }
                continue
        section_grades[key] = {"grade": grade, "reason": ""}
    overall = audit.submitted_overall_grade
    overall_reason = ""
    if changed:
        moved = section_grades[change_key]["grade"]
        if moved != overall:
            overall, overall_reason = moved, "The changed section decides the overall judgement."
    moderation = services.moderation_save(
        moderation=moderation,
        by=moderator,
        expected_version=moderation.row_version,
        meeting_date=clock.today() - dt.timedelta(days=rng.randint(0, 6)),
        attendees=f"{moderator.get_full_name()} (moderator); the auditor; the team manager",
        section_grades=section_grades,
        overall_grade=overall,
        overall_reason=overall_reason,
        action_checks={str(a.pk): "not_yet_due" for a in selectors.audit_actions(audit=audit)},
        notes="Discussed the record with the auditor; the grades reflect the whole file.",
    )
    if finalise:
        services.moderation_finalise(
            moderation=moderation,
            by=moderator,
            expected_version=moderation.row_version,
            confirmed_outcome=moderation.outcome,
        )


def _take_to(
    audit: Audit,
    target: str,
    accounts: Mapping[int, User],
    qa: User,
    version: ToolVersion,
    rng: random.Random,
) -> None:
    """Move one audit to `target` the way its people would: the auditor opens, fills and
    submits; the moderator returns it or moderates (and finalises); the QA unit cancels."""
    auditor = accounts.get(audit.auditor_id) if audit.auditor_id is not None else None
    moderator = accounts.get(audit.moderator_id) if audit.moderator_id is not None else None
    if target == AuditStatus.ALLOCATED or auditor is None:
        return
    if target == AuditStatus.CANCELLED:
        services.audit_transition(
            audit=audit,
            action="cancel",
            by=qa,
            reason="The child moved out of the area before the audit started.",
        )
        return
    if target == AuditStatus.IN_PROGRESS:
        services.audit_open_form(audit=audit, by=auditor)
        return
    audit = _fill(audit, auditor, version, rng)
    audit = services.audit_transition(audit=audit, action="submit", by=auditor)
    if target == AuditStatus.SUBMITTED or moderator is None:
        return
    if target == AuditStatus.RETURNED:
        services.audit_transition(
            audit=audit,
            action="return",
            by=moderator,
            reason="Please add the child's own words to family feedback: the visit notes have them.",
        )
        return
    _moderate(audit, moderator, rng, finalise=target == AuditStatus.FINALISED)
