"""Hypothesis: any sequence of steps by any roles leaves the escalation exactly where the
transition table says, with one recorded step per accepted move and nothing else changed."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qaf.accounts.models import Role
from qaf.common.errors import DomainError, IllegalTransition
from qaf.escalations.models import EscalationKind, EscalationSource, EscalationStatus
from qaf.escalations.services import (
    escalation_agree_actions,
    escalation_raise,
    escalation_transition,
)
from qaf.escalations.transitions import TRANSITIONS

pytestmark = pytest.mark.django_db

STEPS = [a for a in TRANSITIONS if a != "close_without_sign_off"]
ROLES = [Role.SERVICE_MANAGER, Role.TEAM_MANAGER, Role.PRACTITIONER, Role.QA_OFFICER]


class Rollback(Exception):
    pass


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.tuples(st.sampled_from(STEPS), st.sampled_from(ROLES)), max_size=12))
def test_random_walks_follow_the_table(council, moves):
    try:
        with transaction.atomic():
            escalation = escalation_raise(
                child=council.own_child,
                kind=EscalationKind.SAFEGUARDING,
                raised_by=council.users[Role.QA_OFFICER],
                source=EscalationSource.AUDIT,
                reason="r",
            )
            expected = EscalationStatus.RAISED
            accepted = 1
            for action, role in moves:
                user = council.users[role]
                transition = TRANSITIONS[action]
                allowed = expected in transition.sources and role in transition.roles
                try:
                    if action == "agree_actions":
                        escalation_agree_actions(
                            escalation=escalation, by=user, discussion="d", actions=["a"]
                        )
                    else:
                        escalation_transition(
                            escalation=escalation, action=action, by=user, note="n"
                        )
                except (IllegalTransition, PermissionDenied, DomainError):
                    assert not allowed, (action, role, expected)
                else:
                    assert allowed, (action, role, expected)
                    expected = transition.target
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
