"""Hypothesis stateful test of the audit state machine, driven through the services.

What is legal comes from the specification (spec.py), never from qaf.audits.workflows.

Random actors (auditor, moderator, QA unit, the practitioner's team manager, a stranger) ask for
random steps on two audits, with the version they read or a stale one, with and without reasons.
After every step: the status is one the table allows, a refused step changed nothing, a stale
version never changed anything, every change left exactly one history row chaining from the last,
and a finalised or cancelled audit never changes again. Moderation before submission is refused.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from qaf.accounts.models import Role
from qaf.audits import selectors, services
from qaf.audits.models import (
    Audit,
    AuditStatus,
    AuditTransition,
    Moderation,
    ModerationStatus,
)
from qaf.audits.tests import spec
from qaf.audits.tests.factories import SECTIONS, committed_cycle
from qaf.common import clock
from qaf.common.errors import DomainError, IllegalTransition
from qaf.tools.models import FormResponse, ResponseStatus

pytestmark = pytest.mark.django_db

ACTORS = ("auditor", "moderator", "qa", "stranger")  # stranger: the case's practitioner
# The spec's names for the machine's people.
SPEC_ACTOR = {
    "auditor": spec.AUDITOR,
    "moderator": spec.MODERATOR,
    "qa": spec.QA_UNIT,
    "stranger": spec.OTHER,
}
LEGAL_MOVES = {(source, target) for source, _, target in spec.AUDIT_MOVES}
# Mostly the right person and the version just read, so the walks get far along the table.
WHO = st.sampled_from((*ACTORS, "right", "right", "right", "right"))
STALE = st.sampled_from((False, False, False, True))
GRADES = ("outstanding", "good", "requires_improvement", "inadequate")


def _snapshot(audit_pk: int) -> tuple[Any, ...]:
    a = Audit.objects.get(pk=audit_pk)
    m = Moderation.objects.filter(audit_id=audit_pk).values_list(
        "status", "row_version", "section_grades", "overall_grade"
    )
    return (
        a.status,
        a.row_version,
        a.auditor_id,
        a.moderator_id,
        a.form_id,
        a.submitted_overall_grade,
        tuple(m),
        AuditTransition.objects.filter(audit_id=audit_pk).count(),
    )


def make_machine(setup: Any, audit_pks: list[int], stranger: Any) -> type[RuleBasedStateMachine]:
    users = {
        "auditor": setup.auditor,
        "moderator": setup.moderator,
        "qa": setup.qa,
        "stranger": stranger,
    }

    class AuditMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            # Each run starts from the committed cycle and is rolled back at teardown.
            self.savepoint = transaction.savepoint()
            self.final: dict[int, tuple[Any, ...]] = {}

        def teardown(self) -> None:
            transaction.savepoint_rollback(self.savepoint)

        @initialize(start=st.sampled_from(START_STATES))
        def begin_part_way(self, start: str) -> None:
            """Some walks begin with the last audit part-way along (by the right people), so
            every state is visited and checked however the random walks fall."""
            i = audit_pks[-1]
            if start == AuditStatus.ALLOCATED:
                return
            self.open_and_complete_form(i, "auditor", "good")
            self._step(i, "auditor", "submit", "", False)
            if start == AuditStatus.IN_MODERATION:
                self.start_moderation(i, "moderator")
            if start == AuditStatus.RETURNED:
                self._step(i, "moderator", "return", "The chronology is missing.", False)
            assert self._status(i) == start

        # helpers ---------------------------------------------------------------------------

        def _call(self, audit_pk: int, fn: Any, *, allowed: bool, stale: bool = False) -> None:
            before = _snapshot(audit_pk)
            try:
                fn()
            except DomainError:  # IllegalTransition and AuditConflict are DomainErrors
                assert _snapshot(audit_pk) == before, "a refused step changed something"
                assert not allowed, f"a legal step was refused from {before[0]}"
                return
            after = _snapshot(audit_pk)
            if stale:
                assert after == before, "a stale version changed the audit"
            if not allowed and not stale:
                assert after[0] == before[0], "an illegal step changed the status"

        def _status(self, audit_pk: int) -> str:
            return Audit.objects.values_list("status", flat=True).get(pk=audit_pk)

        # rules: the steps of the table -----------------------------------------------------

        @rule(i=st.sampled_from(audit_pks), who=WHO)
        def open_form(self, i: int, who: str) -> None:
            who = "auditor" if who == "right" else who
            status = self._status(i)
            allowed = who == "auditor" and status in (
                AuditStatus.ALLOCATED,
                AuditStatus.IN_PROGRESS,
                AuditStatus.RETURNED,
            )
            audit = Audit.objects.get(pk=i)
            self._call(
                i, lambda: services.audit_open_form(audit=audit, by=users[who]), allowed=allowed
            )
            if allowed:
                assert self._status(i) == AuditStatus.IN_PROGRESS
                assert Audit.objects.get(pk=i).form_id is not None

        @rule(i=st.sampled_from(audit_pks), who=WHO, grade=st.sampled_from(GRADES))
        def open_and_complete_form(self, i: int, who: str, grade: str) -> None:
            self.open_form(i, who)
            self.complete_form(i, grade)

        def complete_form(self, i: int, grade: str) -> None:
            """The auditor's form filled in (the tools engine's own pages have their tests)."""
            audit = Audit.objects.get(pk=i)
            if audit.form_id is None or audit.status != AuditStatus.IN_PROGRESS:
                return
            FormResponse.objects.filter(pk=audit.form_id).update(
                section_grades={
                    k: {"grade": grade, "suggested": grade, "reason": ""} for k in SECTIONS
                },
                overall_grade=grade,
                status=ResponseStatus.SUBMITTED,
                submitted_at=clock.now(),
            )

        @rule(
            i=st.sampled_from(audit_pks),
            who=WHO,
            action=st.sampled_from(sorted(spec.AUDIT_TAKEN_BY)),
            reason=st.sampled_from(["", "  ", "The chronology is missing.", "No plan."]),
            stale=STALE,
        )
        def transition(self, i: int, who: str, action: str, reason: str, stale: bool) -> None:
            self._step(i, who, action, reason, stale)

        @rule(i=st.sampled_from(audit_pks), who=WHO, stale=STALE)
        def submit(self, i: int, who: str, stale: bool) -> None:
            self._step(i, who, "submit", "", stale)

        @rule(
            i=st.sampled_from(audit_pks),
            who=WHO,
            action=st.sampled_from(["return", "return", "cancel"]),
            reason=st.sampled_from(["", "The chronology is missing.", "No plan."]),
            stale=STALE,
        )
        def send_back(self, i: int, who: str, action: str, reason: str, stale: bool) -> None:
            self._step(i, who, action, reason, stale)

        @rule(i=st.sampled_from(audit_pks), grade=st.sampled_from(GRADES))
        def the_whole_way(self, i: int, grade: str) -> None:
            """Every step by the right person, from wherever the audit is now."""
            self.open_and_complete_form(i, "right", grade)
            self._step(i, "right", "submit", "", False)
            self.moderate_and_finalise(i, "right", "good")

        @rule(i=st.sampled_from(audit_pks), who=WHO)
        def submit_and_return(self, i: int, who: str) -> None:
            self._step(i, "right", "submit", "", False)
            self._step(i, who, "return", "The chronology is missing.", False)

        def _step(self, i: int, who: str, action: str, reason: str, stale: bool) -> None:
            audit = Audit.objects.get(pk=i)
            (taker,) = spec.AUDIT_TAKEN_BY[action]
            if who == "right":
                who = next(name for name, role in SPEC_ACTOR.items() if role == taker)
            form_ok = action != "submit" or (audit.form_id is not None and audit.form.is_submitted)
            allowed = (
                audit.status in spec.sources(spec.AUDIT_MOVES, action)
                and SPEC_ACTOR[who] == taker
                and (action not in spec.AUDIT_REASON_REQUIRED or bool(reason.strip()))
                and form_ok
                # moderation is started and finalised only through the moderation services
                and action not in spec.MODERATION_ONLY_STEPS
            )
            version = audit.row_version - 1 if stale else audit.row_version
            self._call(
                i,
                lambda: services.audit_transition(
                    audit=audit,
                    action=action,
                    by=users[who],
                    reason=reason,
                    expected_version=version,
                ),
                allowed=allowed and not stale,
                stale=stale,
            )

        @rule(i=st.sampled_from(audit_pks), who=WHO)
        def start_moderation(self, i: int, who: str) -> None:
            who = "moderator" if who == "right" else who
            status = self._status(i)
            allowed = who == "moderator" and status in (
                AuditStatus.SUBMITTED,
                AuditStatus.IN_MODERATION,
            )
            audit = Audit.objects.get(pk=i)
            self._call(
                i, lambda: services.moderation_start(audit=audit, by=users[who]), allowed=allowed
            )
            if allowed:
                assert self._status(i) == AuditStatus.IN_MODERATION

        @rule(
            i=st.sampled_from(audit_pks),
            who=WHO,
            grade=st.sampled_from(GRADES),
            with_reason=st.booleans(),
            stale=STALE,
        )
        def save_moderation(
            self, i: int, who: str, grade: str, with_reason: bool, stale: bool
        ) -> None:
            who = "moderator" if who == "right" else who
            moderation = Moderation.objects.filter(audit_id=i).select_related("audit").first()
            if moderation is None:
                return
            audit = moderation.audit
            changed = grade != audit.submitted_overall_grade
            allowed = (
                who == "moderator"
                and audit.status == AuditStatus.IN_MODERATION
                and moderation.status == ModerationStatus.DRAFT
                and (with_reason or not changed)
                and not stale
            )
            reason = "The plan has no timescales." if with_reason else ""
            self._call(
                i,
                lambda: services.moderation_save(
                    moderation=moderation,
                    by=users[who],
                    expected_version=moderation.row_version - (1 if stale else 0),
                    meeting_date=clock.today() - dt.timedelta(days=1),
                    attendees="Auditor and moderator",
                    section_grades={k: {"grade": grade, "reason": reason} for k in SECTIONS},
                    overall_grade=grade,
                    overall_reason=reason,
                    action_checks={str(a.pk): "done" for a in selectors.audit_actions(audit=audit)},
                ),
                allowed=allowed,
                stale=stale,
            )

        @rule(i=st.sampled_from(audit_pks), who=WHO, grade=st.sampled_from(GRADES))
        def moderate_and_finalise(self, i: int, who: str, grade: str) -> None:
            self.start_moderation(i, who)
            self.save_moderation(i, who, grade, True, False)
            self.finalise(i, who, False)

        @rule(i=st.sampled_from(audit_pks), who=WHO, stale=STALE)
        def finalise(self, i: int, who: str, stale: bool) -> None:
            who = "moderator" if who == "right" else who
            moderation = Moderation.objects.filter(audit_id=i).select_related("audit").first()
            if moderation is None:
                return
            complete = not services.moderation_missing(moderation=moderation)
            allowed = (
                who == "moderator"
                and moderation.audit.status == AuditStatus.IN_MODERATION
                and moderation.status == ModerationStatus.DRAFT
                and complete
                and not stale
            )
            self._call(
                i,
                lambda: services.moderation_finalise(
                    moderation=moderation,
                    by=users[who],
                    expected_version=moderation.row_version - (1 if stale else 0),
                    confirmed_outcome=moderation.outcome,
                ),
                allowed=allowed,
                stale=stale,
            )
            if allowed:
                assert self._status(i) == AuditStatus.FINALISED

        @rule(i=st.sampled_from(audit_pks), who=WHO)
        def add_action(self, i: int, who: str) -> None:
            who = ("auditor", "moderator")[i % 2] if who == "right" else who
            audit = Audit.objects.get(pk=i)
            allowed = (who == "auditor" and audit.status in spec.AUDITOR_EDITABLE) or (
                who == "moderator" and audit.status == AuditStatus.IN_MODERATION
            )
            self._call(
                i,
                lambda: services.audit_action_add(
                    audit=audit,
                    by=users[who],
                    title="Update the chronology",
                    owner=setup.auditor.staff,
                    due_date=clock.today() + dt.timedelta(days=14),
                ),
                allowed=allowed,
            )

        # invariants ------------------------------------------------------------------------

        @invariant()
        def history_is_a_chain_and_final_is_final(self) -> None:
            for pk in audit_pks:
                audit = Audit.objects.get(pk=pk)
                assert audit.status in AuditStatus.values
                REACHED.add(audit.status)
                steps = list(AuditTransition.objects.filter(audit_id=pk).order_by("at", "pk"))
                assert steps and steps[0].from_status == "" and steps[0].to_status == "allocated"
                for before, after in itertools.pairwise(steps):
                    assert after.from_status == before.to_status
                    assert (after.from_status, after.to_status) in LEGAL_MOVES, (
                        f"{after.from_status} -> {after.to_status} is not in the specification"
                    )
                    if TRANSITIONS_NEEDING_REASON.get((after.from_status, after.to_status)):
                        assert after.reason.strip()
                assert steps[-1].to_status == audit.status
                # every change of status (and nothing else here) bumps the row version once
                assert len(steps) == audit.row_version
                if audit.status == AuditStatus.IN_MODERATION:
                    assert Moderation.objects.filter(audit_id=pk).exists()
                if audit.status == AuditStatus.FINALISED:
                    moderation = Moderation.objects.get(audit_id=pk)
                    assert moderation.status == ModerationStatus.FINALISED
                    assert audit.finalised_at is not None and moderation.outcome
                if audit.status == AuditStatus.SUBMITTED:
                    assert audit.submitted_at is not None and audit.submitted_overall_grade
                if audit.status in spec.AUDIT_FINAL:
                    snap = _snapshot(pk)
                    assert self.final.setdefault(pk, snap) == snap, "a final audit changed"

    return AuditMachine


REACHED: set[str] = set()
START_STATES = (
    AuditStatus.ALLOCATED,
    AuditStatus.SUBMITTED,
    AuditStatus.IN_MODERATION,
    AuditStatus.RETURNED,
)

TRANSITIONS_NEEDING_REASON = {
    (source, target): True
    for source, step, target in spec.AUDIT_MOVES
    if step in spec.AUDIT_REASON_REQUIRED
}


def test_no_sequence_of_requests_breaks_the_audit_state_machine(council):
    setup = committed_cycle(council, quota=1)
    audits = list(Audit.objects.filter(cycle=setup.cycle, auditor=setup.auditor.staff)[:2])
    assert audits and all(a.moderator_id == setup.moderator.staff_id for a in audits)
    # The "stranger" is the practitioner whose cases are audited: close to the audit, with no
    # step of its workflow to take.
    stranger = council.users[Role.PRACTITIONER]
    assert stranger.staff_id not in (setup.auditor.staff_id, setup.moderator.staff_id)
    Audit.objects.filter(pk__in=[a.pk for a in audits]).update(practitioner=stranger.staff)
    machine = make_machine(setup, [a.pk for a in audits], stranger)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=60,
            stateful_step_count=40,
            deadline=None,
            # Fixed walks, so the check below that they reached every state cannot flake.
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    # The random walks went everywhere, so the invariants were checked in every state.
    assert set(AuditStatus.values) <= REACHED, set(AuditStatus.values) - REACHED


def test_moderation_before_submission_is_refused(council):
    setup = committed_cycle(council, quota=1)
    audit = Audit.objects.filter(cycle=setup.cycle, auditor=setup.auditor.staff).first()
    for _ in range(2):
        with pytest.raises(IllegalTransition, match="“Start moderation” is not possible now"):
            services.moderation_start(audit=audit, by=setup.moderator)
        audit = services.audit_open_form(audit=audit, by=setup.auditor)
    assert not Moderation.objects.filter(audit=audit).exists()
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.IN_PROGRESS
