import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from qaf.accounts.models import Role
from qaf.escalations.models import EscalationKind, EscalationSource
from qaf.escalations.services import escalation_raise
from qaf.organisation.models import JobRole
from qaf.organisation.tests.factories import StaffFactory

LONDON = ZoneInfo("Europe/London")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


@pytest.fixture
def psw(council):
    return StaffFactory(job_role=JobRole.PRINCIPAL_SOCIAL_WORKER)


@pytest.fixture
def raise_on(council, psw, django_capture_on_commit_callbacks):
    """raise_on(when, kind=..., child=...) -> an escalation raised by the QA officer then."""

    def make(when: dt.datetime, kind: str = EscalationKind.SAFEGUARDING, child=None):
        with (
            time_machine.travel(when, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return escalation_raise(
                child=child or council.own_child,
                kind=kind,
                raised_by=council.users[Role.QA_OFFICER],
                source=EscalationSource.AUDIT,
                reason="No visits recorded for eight weeks.",
            )

    return make
