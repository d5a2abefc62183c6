"""Object kinds for qaf.audits routes: cycles, sampled cases and audits."""

import datetime as dt
from typing import Any

from qaf.accounts.models import Role
from qaf.audits import services
from qaf.audits.models import AllocationRole, Audit, AuditStatus, Cycle, PoolKind, SampledCase
from qaf.cases.models import Involvement
from qaf.common import clock
from qaf.organisation.models import Service
from tests.access_matrix.objects import ANONYMOUS

MISSING = 999_999


def _cycle(council: Any) -> Cycle:
    found = Cycle.objects.order_by("-pk").first()
    if found is None:
        found = Cycle.objects.create(
            name="Matrix cycle",
            template="dip_sample",
            start_date=dt.date(2026, 1, 5),
            sample_rule={"per_stratum_quota": 1},
            seed=1,
            created_by=council.users[Role.QA_OFFICER],
            created_at="2026-01-05T09:00:00Z",
        )
    return found


def _case(council: Any, child: Any) -> SampledCase:
    # get_or_create: callers outside the matrix (e.g. the header tests) build kinds repeatedly
    # in one transaction.
    involvement = Involvement.objects.filter(child=child).first()
    case, _ = SampledCase.objects.get_or_create(
        cycle=_cycle(council),
        involvement=involvement,
        defaults={"child": child, "team": involvement.team, "reason": "Matrix"},
    )
    return case


def audit_cycle(council: Any, role: str) -> tuple[Any, Any]:
    cycle = _cycle(council)
    return (cycle.pk, MISSING) if role == Role.QA_OFFICER else (None, cycle.pk)


def audit_sample_case(council: Any, role: str) -> tuple[Any, Any]:
    case = _case(council, council.far_child)
    return (case.pk, MISSING) if role == Role.QA_OFFICER else (None, case.pk)


def _audit(council: Any, child: Any, **kwargs: Any) -> Audit:
    case = _case(council, child)
    audit, _ = Audit.objects.update_or_create(
        sampled_case=case,
        defaults=dict(
            cycle=case.cycle,
            child=child,
            involvement=case.involvement,
            team=case.team,
            practitioner=case.involvement.allocated_worker,
            due_date=dt.date(2026, 2, 1),
            moderation_due_date=dt.date(2026, 3, 1),
            status=AuditStatus.FINALISED,
            **kwargs,
        ),
    )
    return audit


def audit(council: Any, role: str) -> tuple[Any, Any]:
    """A finalised audit the role may read (moderated by the service manager), and one of a
    child far away with nobody allocated."""
    outside = _audit(council, council.far_child)
    if role in (ANONYMOUS, Role.PARTNER_AUDITOR, Role.ELECTED_MEMBER):
        return None, outside.pk
    if role in (Role.QA_OFFICER, Role.DIRECTOR):
        return outside.pk, None
    moderator = council.users[Role.SERVICE_MANAGER].staff
    if role in (Role.CP_CHAIR, Role.IRO):
        inside = _audit(
            council, council.cic_child, auditor=council.users[role].staff, moderator=moderator
        )
    else:
        inside = _audit(council, council.own_child, moderator=moderator)
    return inside.pk, outside.pk


def audit_moderated(council: Any, role: str) -> tuple[Any, Any]:
    """As `audit`, each with its (finalised) moderation record, for the moderation endpoint."""
    from qaf.audits.models import Moderation, ModerationStatus

    inside, outside = audit(council, role)
    for pk in (inside, outside):
        if pk is not None:
            found = Audit.objects.get(pk=pk)
            Moderation.objects.create(
                audit=found,
                moderator=found.moderator or council.users[Role.SERVICE_MANAGER].staff,
                status=ModerationStatus.FINALISED,
                created_at="2026-03-01T09:00:00Z",
                updated_at="2026-03-01T09:00:00Z",
            )
    return inside, outside


def _submitted_inadequate(council: Any, team: Any, auditor: Any) -> Audit:
    """The cycle's audit of the case in `team`, reallocated to `auditor` (a user), opened,
    graded Inadequate throughout and submitted: the way the auditor reaches the concern page."""
    from qaf.audits.tests.factories import fill_form

    qa = council.users[Role.QA_OFFICER]
    found = Audit.objects.get(cycle__name=INADEQUATE_CYCLE, team=team)
    found = services.audit_reallocate(
        audit=found,
        role=AllocationRole.AUDITOR,
        staff=auditor.staff,
        reason="Matrix: the auditor of this audit",
        by=qa,
    )
    # The form's answers are the tools engine's business (its own tests fill it page by page);
    # fill_form opens the audit through the service and marks every grade Inadequate.
    found = fill_form(found, auditor, grade="inadequate")
    return services.audit_transition(
        audit=found, action="submit", by=auditor, expected_version=found.row_version
    )


INADEQUATE_CYCLE = "Matrix concern cycle"


def audit_inadequate(council: Any, role: str) -> tuple[Any, Any]:
    """Submitted audits graded Inadequate overall (so each proposes a concern), built through
    the services: a cycle drawn one case per team and committed, the auditor pool, the QA
    unit's reallocation, the auditor opening, grading and submitting.

    In scope: the audit (of a case in the far team) whose auditor is the role's own staff
    record; None for roles without one (director, partner auditor, elected member, signed out).
    Out of scope: the audit of a case in the home team whose auditor is someone else (the
    service manager, or for the service manager the assistant director). The team manager,
    service manager, assistant director, director and QA unit may read that audit, so their 404
    on its concern page comes from the auditor check, not from the audit's scope."""
    from qaf.tools.tests.factories import library_version

    qa = council.users[Role.QA_OFFICER]
    user = council.users.get(role) if role != ANONYMOUS else None
    own = user if user is not None and user.staff_id is not None else None
    other_role = Role.SERVICE_MANAGER if role != Role.SERVICE_MANAGER else Role.ASSISTANT_DIRECTOR
    other = council.users[other_role]
    cycle = services.cycle_create(
        name=INADEQUATE_CYCLE,
        template="bi_monthly",
        start_date=clock.today(),
        rule={"per_stratum_quota": 1, "strata": ["team"]},
        seed=7,
        by=qa,
    )
    version = library_version()
    services.cycle_choose_tools(
        cycle=cycle, choice={s.pk: version.pk for s in Service.objects.all()}, by=qa
    )
    services.cycle_draw_sample(cycle=cycle, by=qa)
    cycle.refresh_from_db()
    services.cycle_commit(cycle=cycle, by=qa, expected_version=cycle.row_version)
    for member in (own, other):
        if member is not None:
            services.pool_member_save(
                kind=PoolKind.AUDITOR,
                staff=member.staff,
                monthly_capacity=10,
                trained_on=None,
                active=True,
                by=qa,
            )
    outside = _submitted_inadequate(council, council.home_team, other)
    if own is None:
        return None, outside.pk
    inside = _submitted_inadequate(council, council.other_area_team, own)
    return inside.pk, outside.pk


KINDS = {
    "audit_inadequate": audit_inadequate,
    "audit_cycle": audit_cycle,
    "audit_sample_case": audit_sample_case,
    "audit": audit,
    "audit_moderated": audit_moderated,
}
