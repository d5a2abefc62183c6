"""The audit cycle's four workflows (audit, moderation, cycle, sampled case) against their
specification in spec.py, written here in the tests and never read from the implementation.

Checked both ways:
1. the implementation's table (qaf.audits.workflows) has exactly the specification's moves,
   final states and steps that need a reason (qaf/common/tests/workflow_spec.py);
2. every (state, step, person) is driven through the real services, from a record brought to
   that state through the services: a legal move by someone who may take it succeeds and leaves
   the new state and its history; every other one is refused with the specification's error
   (IllegalTransition when the move is not in the table, whoever asks; NotAllowed when it is but
   the person may not take it) and changes nothing. In each state, what the workflow offers each
   person (`available`, what pages and the API show as buttons) is the specification's too.

Each state's cases run in savepoints over one record, rolled back after each case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import transaction

from qaf.accounts.models import Role
from qaf.audits import selectors, services
from qaf.audits.models import (
    Audit,
    AuditTransition,
    Cycle,
    Moderation,
    SampledCase,
)
from qaf.audits.tests import spec
from qaf.audits.tests.factories import (
    CycleSetup,
    auditable,
    committed_cycle,
    fill_form,
    planned_cycle,
)
from qaf.audits.workflows import (
    AUDIT_WORKFLOW,
    CYCLE_WORKFLOW,
    MODERATION_WORKFLOW,
    SAMPLE_WORKFLOW,
)
from qaf.common import clock
from qaf.common.errors import DomainError, Invalid
from qaf.common.tests.workflow_spec import assert_moves_are
from qaf.common.workflow import Workflow

pytestmark = pytest.mark.django_db

REASON = "The chronology is missing."


# 1. The implementation's tables are the specification's ---------------------------------------


@pytest.mark.parametrize(
    ("workflow", "moves", "final", "states", "taken_by"),
    [
        (
            AUDIT_WORKFLOW,
            spec.AUDIT_MOVES,
            spec.AUDIT_FINAL,
            spec.AUDIT_STATES,
            spec.AUDIT_TAKEN_BY,
        ),
        (
            MODERATION_WORKFLOW,
            spec.MODERATION_MOVES,
            spec.MODERATION_FINAL,
            spec.MODERATION_STATES,
            spec.MODERATION_TAKEN_BY,
        ),
        (
            CYCLE_WORKFLOW,
            spec.CYCLE_MOVES,
            spec.CYCLE_FINAL,
            spec.CYCLE_STATES,
            spec.CYCLE_TAKEN_BY,
        ),
        (
            SAMPLE_WORKFLOW,
            spec.SAMPLE_MOVES,
            spec.SAMPLE_FINAL,
            spec.SAMPLE_STATES,
            spec.SAMPLE_TAKEN_BY,
        ),
    ],
    ids=["audit", "moderation", "cycle", "sampled case"],
)
def test_the_workflow_has_exactly_the_specified_moves(workflow, moves, final, states, taken_by):
    assert_moves_are(workflow, moves)
    assert set(workflow.states.values) == set(states)
    assert workflow.final == final
    assert set(workflow.steps) == set(taken_by)


@pytest.mark.parametrize(
    ("workflow", "needs_reason"),
    [
        (AUDIT_WORKFLOW, spec.AUDIT_REASON_REQUIRED),
        (MODERATION_WORKFLOW, set()),
        (CYCLE_WORKFLOW, set()),
        (SAMPLE_WORKFLOW, spec.SAMPLE_REASON_REQUIRED),
    ],
    ids=["audit", "moderation", "cycle", "sampled case"],
)
def test_the_steps_that_need_a_reason(workflow: Workflow, needs_reason):
    assert {s.name for s in workflow.steps.values() if s.reason_required} == needs_reason


# Helpers -------------------------------------------------------------------------------------


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run one case and undo everything it wrote."""
    point = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(point)


def attempt(take: Callable[..., None], *args: Any) -> DomainError | None:
    try:
        take(*args)
    except DomainError as error:
        return error
    return None


def check_refusal(
    failures: list[str],
    case: str,
    error: DomainError | None,
    want: type[Exception],
    before: Any,
    after: Any,
) -> None:
    if error is None:
        failures.append(f"{case}: taken ({before[0]} -> {after[0]}), want {want.__name__}")
        return
    if type(error) is not want:
        failures.append(
            f"{case}: refused with {type(error).__name__} ({error}), want {want.__name__}"
        )
    if after != before:
        failures.append(f"{case}: refused but changed {before} -> {after}")


def offered(workflow: Workflow, obj: Any, user: Any) -> set[str]:
    return {s.name for s in workflow.available(obj, by=user)}


def specified(
    moves: set[tuple[str, str, str]], taken_by: dict[str, set[str]], state: str, actor: str
) -> set[str]:
    return {step for s, step, _ in moves if s == state and actor in taken_by[step]}


# 2a. The audit ---------------------------------------------------------------------------------


def audit_people(council: Any, setup: CycleSetup) -> dict[str, Any]:
    return {
        spec.AUDITOR: setup.auditor,
        spec.MODERATOR: setup.moderator,
        spec.QA_UNIT: setup.qa,
        spec.PRACTITIONER: council.users[Role.PRACTITIONER],
        spec.OTHER: council.users[Role.ASSISTANT_DIRECTOR],
    }


def save_complete_moderation(moderation: Moderation, moderator: Any) -> Moderation:
    """The moderator records everything finalising needs, agreeing every grade."""
    audit = moderation.audit
    return services.moderation_save(
        moderation=moderation,
        by=moderator,
        expected_version=moderation.row_version,
        meeting_date=clock.today() - dt.timedelta(days=1),
        attendees="Auditor, moderator and practitioner",
        section_grades={
            k: {"grade": g, "reason": ""} for k, g in audit.submitted_section_grades.items()
        },
        overall_grade=audit.submitted_overall_grade,
        overall_reason="",
        action_checks={str(a.pk): "done" for a in selectors.audit_actions(audit=audit)},
    )


def audit_in(state: str, setup: CycleSetup) -> Audit:
    """An audit brought to `state` through the services, each step by the right person."""
    audit = auditable(setup)
    if state == "allocated":
        return audit
    audit = fill_form(audit, setup.auditor)  # opening it starts it: in progress
    if state == "in_progress":
        return audit
    audit = services.audit_transition(audit=audit, action="submit", by=setup.auditor)
    if state == "submitted":
        return audit
    moderation = services.moderation_start(audit=audit, by=setup.moderator)
    save_complete_moderation(moderation, setup.moderator)
    audit.refresh_from_db()
    if state == "in_moderation":
        return audit
    if state == "returned":
        return services.audit_transition(
            audit=audit, action="return", by=setup.moderator, reason=REASON
        )
    if state == "cancelled":
        return services.audit_transition(audit=audit, action="cancel", by=setup.qa, reason=REASON)
    moderation = Moderation.objects.get(audit=audit)
    services.moderation_finalise(
        moderation=moderation,
        by=setup.moderator,
        expected_version=moderation.row_version,
        confirmed_outcome=moderation.outcome,
    )
    audit.refresh_from_db()
    assert state == "finalised"
    return audit


def audit_snapshot(pk: int) -> tuple[Any, ...]:
    a = Audit.objects.get(pk=pk)
    return (
        a.status,
        a.row_version,
        a.auditor_id,
        a.moderator_id,
        a.form_id,
        a.submitted_section_grades,
        a.submitted_at,
        a.finalised_at,
        AuditTransition.objects.filter(audit_id=pk).count(),
        tuple(
            Moderation.objects.filter(audit_id=pk).values_list(
                "status", "row_version", "section_grades", "overall_grade"
            )
        ),
    )


def prepare_audit_step(step: str, audit: Audit) -> None:
    """Finalising needs a moderation to name. None can exist yet in the states before the first
    moderation through the services; a complete draft is written here so that the audit's own
    state is what refuses the step."""
    if step == "finalise" and not Moderation.objects.filter(audit=audit).exists():
        Moderation.objects.create(
            audit=audit,
            moderator=audit.moderator,
            meeting_date=clock.today(),
            attendees="Moderator",
            overall_grade="good",
            outcome="agreed",
            created_at=clock.now(),
            updated_at=clock.now(),
        )


def take_audit_step(step: str, audit: Audit, user: Any) -> None:
    """Ask the service a person's page (or the API) asks for this step."""
    if step == "begin_moderation":
        services.moderation_start(audit=audit, by=user)
    elif step == "finalise":
        moderation = Moderation.objects.get(audit=audit)
        services.moderation_finalise(
            moderation=moderation,
            by=user,
            expected_version=moderation.row_version,
            confirmed_outcome=moderation.outcome,
        )
    else:
        services.audit_transition(
            audit=audit, action=step, by=user, reason=REASON, expected_version=audit.row_version
        )


# Asking again to start a moderation its moderator has already started answers with it (a double
# click): not a move, not an error, and nothing changes.
HARMLESS_REPEATS = {("in_moderation", "begin_moderation", spec.MODERATOR)}


@pytest.mark.parametrize("state", spec.AUDIT_STATES)
def test_every_audit_step_by_every_person_from_each_state(council, state):
    setup = committed_cycle(council)
    audit = audit_in(state, setup)
    assert audit.status == state
    people = audit_people(council, setup)
    Audit.objects.filter(pk=audit.pk).update(practitioner=people[spec.PRACTITIONER].staff)
    failures: list[str] = []
    for actor, user in people.items():
        shown = offered(AUDIT_WORKFLOW, Audit.objects.get(pk=audit.pk), user)
        want = specified(spec.AUDIT_MOVES, spec.AUDIT_TAKEN_BY, state, actor)
        if shown != want:
            failures.append(f"{state}, {actor}: offered {sorted(shown)}, want {sorted(want)}")
        for step in sorted(spec.AUDIT_TAKEN_BY):
            case = f"{state} --{step}--> as {actor}"
            outcome = spec.expected(spec.AUDIT_MOVES, spec.AUDIT_TAKEN_BY, state, step, actor)
            with rolled_back():
                current = Audit.objects.get(pk=audit.pk)
                prepare_audit_step(step, current)
                before = audit_snapshot(audit.pk)
                error = attempt(take_audit_step, step, current, user)
                after = audit_snapshot(audit.pk)
                if (state, step, actor) in HARMLESS_REPEATS:
                    if error is not None or after != before:
                        failures.append(f"{case}: a repeat must answer and change nothing")
                elif isinstance(outcome, str):
                    moved = Audit.objects.get(pk=audit.pk)
                    last = moved.transitions.order_by("-at", "-pk").first()
                    if error is not None:
                        failures.append(f"{case}: refused ({type(error).__name__}: {error})")
                    elif moved.status != outcome or moved.row_version != before[1] + 1:
                        failures.append(f"{case}: now {moved.status}, want {outcome}")
                    elif last is None or (last.from_status, last.to_status, last.by_id) != (
                        state,
                        outcome,
                        user.pk,
                    ):
                        failures.append(f"{case}: no history row for the move")
                else:
                    check_refusal(failures, case, error, outcome, before, after)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("state", "step"),
    sorted((s, step) for s, step, _ in spec.AUDIT_MOVES if step in spec.AUDIT_REASON_REQUIRED),
)
def test_an_audit_step_that_needs_a_reason_is_refused_without_one(council, state, step):
    setup = committed_cycle(council)
    audit = audit_in(state, setup)
    (taker,) = spec.AUDIT_TAKEN_BY[step]
    user = audit_people(council, setup)[taker]
    before = audit_snapshot(audit.pk)
    for reason in ("", "   "):
        with pytest.raises(Invalid, match=r"Enter the reason for (returning|cancelling) the audit"):
            services.audit_transition(audit=audit, action=step, by=user, reason=reason)
    assert audit_snapshot(audit.pk) == before


# 2b. The moderation -----------------------------------------------------------------------------


def take_moderation_step(step: str, moderation: Moderation, user: Any) -> None:
    audit = moderation.audit
    if step == "save":
        services.moderation_save(
            moderation=moderation,
            by=user,
            expected_version=moderation.row_version,
            meeting_date=clock.today(),
            attendees="Auditor and moderator",
            section_grades={k: {"grade": g} for k, g in audit.submitted_section_grades.items()},
            overall_grade=audit.submitted_overall_grade,
            overall_reason="",
            action_checks={},
        )
    else:
        services.moderation_finalise(
            moderation=moderation,
            by=user,
            expected_version=moderation.row_version,
            confirmed_outcome=moderation.outcome,
        )


def moderation_snapshot(pk: int) -> tuple[Any, ...]:
    m = Moderation.objects.select_related("audit").get(pk=pk)
    return (
        m.status,
        m.row_version,
        m.attendees,
        m.finalised_at,
        m.audit.status,
        m.audit.row_version,
    )


@pytest.mark.parametrize("state", spec.MODERATION_STATES)
def test_every_moderation_step_by_every_person_from_each_state(council, state):
    setup = committed_cycle(council)
    audit = audit_in({"draft": "in_moderation", "finalised": "finalised"}[state], setup)
    moderation = Moderation.objects.get(audit=audit)
    assert moderation.status == state
    people = audit_people(council, setup)
    failures: list[str] = []
    for actor, user in people.items():
        shown = offered(MODERATION_WORKFLOW, moderation, user)
        want = specified(spec.MODERATION_MOVES, spec.MODERATION_TAKEN_BY, state, actor)
        if shown != want:
            failures.append(f"{state}, {actor}: offered {sorted(shown)}, want {sorted(want)}")
        for step in sorted(spec.MODERATION_TAKEN_BY):
            case = f"moderation {state} --{step}--> as {actor}"
            outcome = spec.expected(
                spec.MODERATION_MOVES, spec.MODERATION_TAKEN_BY, state, step, actor
            )
            with rolled_back():
                before = moderation_snapshot(moderation.pk)
                current = Moderation.objects.select_related("audit").get(pk=moderation.pk)
                error = attempt(take_moderation_step, step, current, user)
                after = moderation_snapshot(moderation.pk)
                if isinstance(outcome, str):
                    if error is not None:
                        failures.append(f"{case}: refused ({type(error).__name__}: {error})")
                    elif after[0] != outcome or after[1] != before[1] + 1:
                        failures.append(f"{case}: now {after[0]}, want {outcome}")
                    elif step == "finalise" and after[4] != "finalised":
                        failures.append(f"{case}: the audit was not finalised with it")
                else:
                    check_refusal(failures, case, error, outcome, before, after)
    assert not failures, "\n".join(failures)


# 2c. The cycle ----------------------------------------------------------------------------------


def cycle_in(state: str, council: Any) -> CycleSetup:
    setup = planned_cycle(council)
    if state == "planning":
        return setup
    setup.cycle = services.cycle_commit(
        cycle=setup.cycle, by=setup.qa, expected_version=setup.cycle.row_version
    )
    for audit in Audit.objects.filter(cycle=setup.cycle):  # so that closing is possible
        services.audit_transition(audit=audit, action="cancel", by=setup.qa, reason=REASON)
    if state == "committed":
        return setup
    setup.cycle = services.cycle_close(cycle=setup.cycle, by=setup.qa)
    return setup


def take_cycle_step(step: str, cycle: Cycle, user: Any) -> None:
    if step == "change_sample":
        services.cycle_draw_sample(cycle=cycle, by=user)
    elif step == "commit":
        services.cycle_commit(cycle=cycle, by=user, expected_version=cycle.row_version)
    elif step == "allocate":
        services.cycle_allocate(cycle=cycle, by=user)
    else:
        services.cycle_close(cycle=cycle, by=user)


def cycle_snapshot(pk: int) -> tuple[Any, ...]:
    c = Cycle.objects.get(pk=pk)
    return (
        c.status,
        c.row_version,
        tuple(SampledCase.objects.filter(cycle_id=pk).order_by("pk").values_list("pk", "status")),
        tuple(Audit.objects.filter(cycle_id=pk).order_by("pk").values_list("pk", "auditor_id")),
    )


@pytest.mark.parametrize("state", spec.CYCLE_STATES)
def test_every_cycle_step_by_every_person_from_each_state(council, state):
    setup = cycle_in(state, council)
    cycle = setup.cycle
    assert cycle.status == state
    people = {
        spec.QA_UNIT: setup.qa,
        spec.AUDITOR: setup.auditor,
        spec.OTHER: council.users[Role.DIRECTOR],
    }
    failures: list[str] = []
    for actor, user in people.items():
        shown = offered(CYCLE_WORKFLOW, cycle, user)
        want = specified(spec.CYCLE_MOVES, spec.CYCLE_TAKEN_BY, state, actor)
        if shown != want:
            failures.append(f"{state}, {actor}: offered {sorted(shown)}, want {sorted(want)}")
        for step in sorted(spec.CYCLE_TAKEN_BY):
            case = f"cycle {state} --{step}--> as {actor}"
            outcome = spec.expected(spec.CYCLE_MOVES, spec.CYCLE_TAKEN_BY, state, step, actor)
            with rolled_back():
                before = cycle_snapshot(cycle.pk)
                current = Cycle.objects.get(pk=cycle.pk)
                error = attempt(take_cycle_step, step, current, user)
                after = cycle_snapshot(cycle.pk)
                if isinstance(outcome, str):
                    if error is not None:
                        failures.append(f"{case}: refused ({type(error).__name__}: {error})")
                    elif after[0] != outcome:
                        failures.append(f"{case}: now {after[0]}, want {outcome}")
                    elif step == "commit" and not _every_case_has_an_allocated_audit(cycle):
                        failures.append(f"{case}: the sample's audits were not created")
                else:
                    check_refusal(failures, case, error, outcome, before, after)
    assert not failures, "\n".join(failures)


def _every_case_has_an_allocated_audit(cycle: Cycle) -> bool:
    cases = SampledCase.objects.filter(cycle=cycle, status__in=("proposed", "added"))
    audits = Audit.objects.filter(cycle=cycle)
    history = AuditTransition.objects.filter(
        audit__cycle=cycle, from_status="", to_status="allocated"
    )
    return cases.count() == audits.count() == history.count() > 0


@pytest.mark.parametrize(
    "change",
    ["redraw", "rule", "add", "remove"],
)
def test_nothing_changes_the_sample_once_the_cycle_is_committed(council, change):
    setup = committed_cycle(council)
    cycle, qa = setup.cycle, setup.qa
    case = SampledCase.objects.filter(cycle=cycle).first()
    sampled = set(SampledCase.objects.filter(cycle=cycle).values_list("child_id", flat=True))
    outside = next(
        c for c in (council.own_child, council.team_child, council.far_child) if c.pk not in sampled
    )
    calls = {
        "redraw": lambda: services.cycle_draw_sample(cycle=cycle, by=qa),
        "rule": lambda: services.cycle_update_rule(
            cycle=cycle,
            rule={"per_stratum_quota": 2},
            seed=1,
            exclude_own_district=False,
            by=qa,
            expected_version=cycle.row_version,
        ),
        "add": lambda: services.sampled_case_add(
            cycle=cycle, council_child_id=outside.council_child_id, reason=REASON, by=qa
        ),
        "remove": lambda: services.sampled_case_decide(
            sampled_case=case, decision="removed", reason=REASON, by=qa
        ),
    }
    before = cycle_snapshot(cycle.pk)
    with pytest.raises(DomainError, match="committed") as refused:
        calls[change]()
    assert type(refused.value).__name__ == "IllegalTransition"
    assert cycle_snapshot(cycle.pk) == before


# 2d. A sampled case -----------------------------------------------------------------------------


def sampled_case_in(state: str, setup: CycleSetup) -> SampledCase:
    case = SampledCase.objects.filter(cycle=setup.cycle, status="proposed").order_by("pk").first()
    assert case is not None
    if state in ("removed", "added"):
        services.sampled_case_decide(
            sampled_case=case, decision="removed", reason=REASON, by=setup.qa
        )
    if state == "exempted":
        services.sampled_case_decide(
            sampled_case=case, decision="exempted", reason=REASON, by=setup.qa
        )
    if state == "added":
        services.sampled_case_add(
            cycle=setup.cycle,
            council_child_id=case.child.council_child_id,
            reason=REASON,
            by=setup.qa,
        )
    case.refresh_from_db()
    return case


def take_sample_step(step: str, case: SampledCase, user: Any) -> None:
    if step == "add":
        services.sampled_case_add(
            cycle=case.cycle, council_child_id=case.child.council_child_id, reason=REASON, by=user
        )
    else:
        decision = {"remove": "removed", "exempt": "exempted"}[step]
        services.sampled_case_decide(sampled_case=case, decision=decision, reason=REASON, by=user)


def sample_snapshot(case: SampledCase) -> tuple[Any, ...]:
    return tuple(
        SampledCase.objects.filter(cycle_id=case.cycle_id)
        .order_by("pk")
        .values_list("pk", "status", "status_reason", "decided_by_id")
    )


@pytest.mark.parametrize("state", spec.SAMPLE_STATES)
def test_every_sample_step_by_every_person_from_each_state(council, state):
    setup = planned_cycle(council)
    case = sampled_case_in(state, setup)
    assert case.status == state
    people = {
        spec.QA_UNIT: setup.qa,
        spec.AUDITOR: setup.auditor,
        spec.OTHER: council.users[Role.DIRECTOR],
    }
    failures: list[str] = []
    for actor, user in people.items():
        shown = offered(SAMPLE_WORKFLOW, case, user)
        want = specified(spec.SAMPLE_MOVES, spec.SAMPLE_TAKEN_BY, state, actor)
        if shown != want:
            failures.append(f"{state}, {actor}: offered {sorted(shown)}, want {sorted(want)}")
        for step in sorted(spec.SAMPLE_TAKEN_BY):
            case_name = f"sampled case {state} --{step}--> as {actor}"
            outcome = spec.expected(spec.SAMPLE_MOVES, spec.SAMPLE_TAKEN_BY, state, step, actor)
            with rolled_back():
                before = sample_snapshot(case)
                current = SampledCase.objects.select_related("cycle", "child").get(pk=case.pk)
                error = attempt(take_sample_step, step, current, user)
                after = sample_snapshot(case)
                if isinstance(outcome, str):
                    moved = SampledCase.objects.get(pk=case.pk)
                    if error is not None:
                        failures.append(f"{case_name}: refused ({type(error).__name__}: {error})")
                    elif (moved.status, moved.status_reason, moved.decided_by_id) != (
                        outcome,
                        REASON,
                        user.pk,
                    ):
                        failures.append(f"{case_name}: now {moved.status}, want {outcome}")
                else:
                    check_refusal(failures, case_name, error, outcome, before, after)
    assert not failures, "\n".join(failures)
