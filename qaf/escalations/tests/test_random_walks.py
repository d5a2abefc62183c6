"""Hypothesis: any sequence of steps by any roles leaves the escalation exactly where the
specification (spec.py, not workflows.py) says, with one recorded step per accepted move and
nothing else changed."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qaf.accounts.models import Role
from qaf.common.errors import IllegalTransition, Invalid, NotAllowed
from qaf.escalations.models import EscalationKind, EscalationSource, EscalationStatus
from qaf.escalations.services import escalation_raise, escalation_take_step
from qaf.escalations.tests.spec import LEGAL, WHO, who_may

pytestmark = pytest.mark.django_db

STEPS = sorted(WHO)
ROLES = [Role.SERVICE_MANAGER, Role.TEAM_MANAGER, Role.PRACTITIONER, Role.QA_OFFICER]
TARGET = {(state, step): to for state, step, to in LEGAL}


class Rollback(Exception):
    pass


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(EscalationKind.values),
    moves=st.lists(st.tuples(st.sampled_from(STEPS), st.sampled_from(ROLES)), max_size=12),
)
def test_random_walks_follow_the_specification(council, kind, moves):
    try:
        with transaction.atomic():
            escalation = escalation_raise(
                child=council.own_child,
                kind=kind,
                raised_by=council.users[Role.QA_OFFICER],
                source=EscalationSource.AUDIT,
                reason="r",
            )
            expected = EscalationStatus.RAISED
            accepted = 1
            for step, role in moves:
                target = TARGET.get((expected, step))
                allowed = target is not None and role in who_may(step, kind)
                try:
                    escalation_take_step(
                        escalation=escalation,
                        step=step,
                        by=council.users[role],
                        note="n",
                        actions=["a"],
                    )
                except (IllegalTransition, NotAllowed, Invalid):
                    assert not allowed, (step, role, expected)
                else:
                    assert allowed, (step, role, expected)
                    expected = target
                    accepted += 1
                escalation.refresh_from_db()
                assert escalation.status == expected
                assert escalation.steps.count() == accepted
                steps = list(escalation.steps.values_list("to_status", flat=True))
                if EscalationStatus.SIGNED_OFF in steps:
                    assert steps.index(EscalationStatus.ACTIONS_ON_FILE) < steps.index(
                        EscalationStatus.SIGNED_OFF
                    )
            raise Rollback
    except Rollback:
        pass
