"""Audit-cycle test data built through the services: a committed cycle with pools."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from qaf.accounts.models import Role
from qaf.audits import services
from qaf.audits.models import Audit, Cycle, CycleTool, PoolKind, PoolMember
from qaf.common import clock
from qaf.organisation.models import Service
from qaf.tools.models import FormResponse, ResponseStatus
from qaf.tools.tests.factories import library_version

SECTIONS = (
    "family_feedback",
    "referral_response",
    "assessment",
    "planning_risk",
    "management_oversight",
    "child_focused",
    "practitioner_feedback",
)


@dataclass
class CycleSetup:
    cycle: Cycle
    qa: Any
    auditor: Any  # the team manager's account (home team): audits other teams' cases
    moderator: Any  # the service manager's account


def planned_cycle(council: Any, *, quota: int = 1, start: dt.date | None = None) -> CycleSetup:
    """A bi-monthly cycle over the council in planning, its sample drawn (one case per team by
    default), the tools chosen, the home team manager in the auditor pool and the service
    manager in the moderator pool."""
    qa = council.users[Role.QA_OFFICER]
    auditor = council.users[Role.TEAM_MANAGER]
    moderator = council.users[Role.SERVICE_MANAGER]
    PoolMember.objects.create(kind=PoolKind.AUDITOR, staff=auditor.staff, monthly_capacity=10)
    PoolMember.objects.create(kind=PoolKind.MODERATOR, staff=moderator.staff, monthly_capacity=10)
    cycle = services.cycle_create(
        name="Autumn cycle",
        template="bi_monthly",
        start_date=start or clock.today(),
        rule={"per_stratum_quota": quota, "strata": ["team"]},
        seed=7,
        by=qa,
    )
    version = library_version()
    for service in Service.objects.all():
        CycleTool.objects.create(cycle=cycle, service=service, tool_version=version)
    services.cycle_draw_sample(cycle=cycle, by=qa)
    cycle.refresh_from_db()
    return CycleSetup(cycle=cycle, qa=qa, auditor=auditor, moderator=moderator)


def committed_cycle(council: Any, *, quota: int = 1, start: dt.date | None = None) -> CycleSetup:
    """planned_cycle, committed and allocated."""
    setup = planned_cycle(council, quota=quota, start=start)
    setup.cycle = services.cycle_commit(
        cycle=setup.cycle, by=setup.qa, expected_version=setup.cycle.row_version
    )
    return setup


def auditable(setup: CycleSetup) -> Audit:
    """An audit of the cycle allocated to the setup's auditor (a case outside the home team)."""
    return Audit.objects.filter(cycle=setup.cycle, auditor=setup.auditor.staff).order_by("pk")[0]


def fill_form(audit: Audit, user: Any, *, grade: str = "good") -> Audit:
    """Open the audit and mark its form filled with one grade throughout (test shortcut for the
    tools engine's section pages, which have their own tests)."""
    audit = services.audit_open_form(audit=audit, by=user)
    FormResponse.objects.filter(pk=audit.form_id).update(
        section_grades={k: {"grade": grade, "suggested": grade, "reason": ""} for k in SECTIONS},
        overall_grade=grade,
        status=ResponseStatus.SUBMITTED,
        submitted_at=clock.now(),
    )
    audit.refresh_from_db()
    return audit
