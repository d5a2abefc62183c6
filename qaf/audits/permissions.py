"""Who may do what in the audit cycle: the named rules every audits view, service, template and
API operation asks by name (qaf.common.permissions), built on the role sets and predicates of
qaf.accounts.permissions. No other audits module looks at a role.

Two kinds of rule:
- role rules, which a view's gate checks without an object (`audits.plan_cycles`);
- rules about one audit (or moderation, or team), checked after the scoped lookup: who the person
  is to the audit (its auditor, its moderator, the practitioner of the case ...), sometimes with
  the states in which that person may act (`audits.edit_audit`: the auditor, while the audit is
  theirs to change). The workflow steps' `who` (workflows.py) are the relation rules below.

| rule | who |
|---|---|
| audits.plan_cycles, audits.manage_pools, audits.view_agreement | the QA unit |
| audits.view_your_audits | anyone who sees children and has a staff record |
| audits.see_your_audits_menu | those of them in a pool or holding an audit (the menu entry) |
| audits.view_audits | anyone who sees children (which audits: selectors.audit_list_visible) |
| audits.submit_audit | the audit's auditor |
| audits.edit_audit | the audit's auditor while it is allocated, in progress or returned |
| audits.moderate_audit | the audit's moderator |
| audits.add_audit_action | the auditor while editing, or the moderator during moderation |
| audits.raise_concern | the auditor of a submitted audit with an Inadequate grade |
| audits.reflect_on_audit | the case's practitioner or a manager of its team, once submitted |
| audits.cancel_audit | the QA unit |
| audits.reallocate_audit | the QA unit, until the audit is finalised or cancelled |
| audits.download_audit_record | anyone who sees the audit, once it is finalised |
| audits.record_inquiry (a team) | the QA unit or a manager of that team |

A triad is two managers and a member of the QA unit, by the job on their staff records.
"""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import Q
from django.http import HttpRequest

from qaf.accounts.models import User
from qaf.accounts.permissions import (
    has_staff_record,
    is_qa_unit,
    is_team_manager,
    sees_children,
)
from qaf.common import clock
from qaf.organisation.models import JobRole, Staff, TeamMembership

from .models import AUDIT_FINAL, AUDIT_SHARED, AUDITOR_EDITABLE, Audit, AuditStatus, PoolMember


def signed_in(request: HttpRequest) -> User:
    """The person making a request that has passed its gate (a page's @gate or the API's
    authentication): always a signed-in account."""
    user = request.user
    assert isinstance(user, User), "a gated view was reached without signing in"
    return user


def _staff_id(user: Any) -> int | None:
    return getattr(user, "staff_id", None)


def _in_team(staff_id: int, team_id: int) -> bool:
    return (
        TeamMembership.objects.filter(staff_id=staff_id, team_id=team_id)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=clock.today()))
        .exists()
    )


@rules.predicate
def has_audit_work(user: Any) -> bool:
    """In an active auditor or moderator pool, or holding an audit or a moderation: someone
    with audits to do (who the menu offers *Your audits*)."""
    staff_id = _staff_id(user)
    if staff_id is None:
        return False
    return (
        PoolMember.objects.filter(staff_id=staff_id, active=True).exists()
        or Audit.objects.filter(Q(auditor_id=staff_id) | Q(moderator_id=staff_id)).exists()
    )


# Who the person is to an audit --------------------------------------------------------------


@rules.predicate
def is_audit_auditor(user: Any, audit: Any) -> bool:
    staff_id = _staff_id(user)
    return audit is not None and staff_id is not None and audit.auditor_id == staff_id


@rules.predicate
def is_audit_moderator(user: Any, audit: Any) -> bool:
    staff_id = _staff_id(user)
    return audit is not None and staff_id is not None and audit.moderator_id == staff_id


@rules.predicate
def is_moderation_moderator(user: Any, moderation: Any) -> bool:
    """The moderator named on the moderation record itself."""
    staff_id = _staff_id(user)
    return moderation is not None and staff_id is not None and moderation.moderator_id == staff_id


@rules.predicate
def is_audit_practitioner(user: Any, audit: Any) -> bool:
    staff_id = _staff_id(user)
    return audit is not None and staff_id is not None and audit.practitioner_id == staff_id


@rules.predicate
def is_in_audit_team(user: Any, audit: Any) -> bool:
    staff_id = _staff_id(user)
    return audit is not None and staff_id is not None and _in_team(staff_id, audit.team_id)


@rules.predicate
def is_in_team(user: Any, team: Any) -> bool:
    staff_id = _staff_id(user)
    return team is not None and staff_id is not None and _in_team(staff_id, team.pk)


# Where an audit is -------------------------------------------------------------------------


@rules.predicate
def auditor_may_edit(user: Any, audit: Any) -> bool:
    return audit is not None and audit.status in AUDITOR_EDITABLE


@rules.predicate
def is_in_moderation(user: Any, audit: Any) -> bool:
    return audit is not None and audit.status == AuditStatus.IN_MODERATION


@rules.predicate
def is_shared(user: Any, audit: Any) -> bool:
    """Submitted at least once and not cancelled."""
    return audit is not None and audit.status in AUDIT_SHARED


@rules.predicate
def is_open(user: Any, audit: Any) -> bool:
    return audit is not None and audit.status not in AUDIT_FINAL


@rules.predicate
def is_finalised(user: Any, audit: Any) -> bool:
    return audit is not None and audit.status == AuditStatus.FINALISED


@rules.predicate
def proposes_a_concern(user: Any, audit: Any) -> bool:
    """Submitted, with an Inadequate section or overall grade."""
    return audit is not None and audit.submitted_at is not None and bool(audit.inadequate_parts())


# Who may sit on a triad (by the job on their staff record) -----------------------------------

TRIAD_MANAGER_JOBS = frozenset(
    {JobRole.TEAM_MANAGER, JobRole.SERVICE_MANAGER, JobRole.ASSISTANT_DIRECTOR}
)
TRIAD_QA_JOBS = frozenset(
    {
        JobRole.QA_MANAGER,
        JobRole.PRACTICE_DEVELOPMENT_MANAGER,
        JobRole.STANDARDS_OFFICER,
        JobRole.PRINCIPAL_SOCIAL_WORKER,
    }
)


def may_sit_as_triad_manager(staff: Staff) -> bool:
    return staff.job_role in TRIAD_MANAGER_JOBS


def may_sit_as_triad_qa_member(staff: Staff) -> bool:
    return staff.job_role in TRIAD_QA_JOBS


# The rules, by name -------------------------------------------------------------------------

# The QA unit runs the cycles: plans them, changes their samples, cancels and reallocates audits.
runs_audit_cycles = is_qa_unit

# Who reflects on an audit of their work: the case's practitioner, or a manager of its team.
reflects_on_audit = has_staff_record & (
    is_audit_practitioner | (is_team_manager & is_in_audit_team)
)

rules.add_perm("audits.plan_cycles", runs_audit_cycles)
rules.add_perm("audits.manage_pools", is_qa_unit)
rules.add_perm("audits.view_agreement", is_qa_unit)
rules.add_perm("audits.view_your_audits", sees_children & has_staff_record)
rules.add_perm("audits.see_your_audits_menu", sees_children & has_audit_work)
rules.add_perm("audits.view_audits", sees_children)
rules.add_perm("audits.submit_audit", is_audit_auditor)
rules.add_perm("audits.edit_audit", is_audit_auditor & auditor_may_edit)
rules.add_perm("audits.moderate_audit", is_audit_moderator)
rules.add_perm(
    "audits.add_audit_action",
    (is_audit_auditor & auditor_may_edit) | (is_audit_moderator & is_in_moderation),
)
rules.add_perm("audits.raise_concern", is_audit_auditor & proposes_a_concern)
rules.add_perm("audits.reflect_on_audit", reflects_on_audit & is_shared)
rules.add_perm("audits.cancel_audit", runs_audit_cycles)
rules.add_perm("audits.reallocate_audit", runs_audit_cycles & is_open)
rules.add_perm("audits.download_audit_record", sees_children & is_finalised)
rules.add_perm("audits.record_inquiry", is_qa_unit | (is_team_manager & is_in_team))
