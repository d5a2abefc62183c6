"""Object kinds for qaf.audits routes: cycles, sampled cases and audits."""

import datetime as dt
from typing import Any

from qaf.accounts.models import Role
from qaf.audits.models import Audit, AuditStatus, Cycle, SampledCase
from qaf.cases.models import Involvement
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


KINDS = {
    "audit_cycle": audit_cycle,
    "audit_sample_case": audit_sample_case,
    "audit": audit,
    "audit_moderated": audit_moderated,
}
