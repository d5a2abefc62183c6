"""Who is who: the role sets, written once, and the predicates every app's permissions build on.

Apps never compare `user.role` themselves: they compose these predicates (rules' `&`, `|`, `~`)
in their own `permissions.py` and register named permissions (qaf.common.permissions).
"""

import rules

from .models import Role

# The role sets. Each exists here only.
QA_UNIT = frozenset({Role.QA_OFFICER})
# Everything in the council: the QA unit and the director of children's services.
WHOLE_COUNCIL = frozenset({Role.QA_OFFICER, Role.DIRECTOR})
# Senior leaders: read across their area or district, agree and set actions, chair meetings.
LEADERS = frozenset({Role.QA_OFFICER, Role.DIRECTOR, Role.ASSISTANT_DIRECTOR, Role.SERVICE_MANAGER})
# Everyone who manages practice, down to the team manager.
MANAGERS = LEADERS | {Role.TEAM_MANAGER}
# District and area managers who take an escalation through its steps.
ESCALATION_MANAGERS = frozenset({Role.SERVICE_MANAGER, Role.ASSISTANT_DIRECTOR})
# Child protection chairs and independent reviewing officers: QA after every conference or review.
CHAIRS = frozenset({Role.CP_CHAIR, Role.IRO})
# Roles that never see a child: aggregates only (elected members) or multi-agency audits only.
NEVER_SEE_CHILDREN = frozenset({Role.ELECTED_MEMBER, Role.PARTNER_AUDITOR})
# Roles that manage staff and see teams (not chairs, partners or members).
SEE_TEAMS = frozenset(set(Role.values) - NEVER_SEE_CHILDREN - CHAIRS)


def role_in(roles: frozenset[str], name: str) -> rules.Predicate:
    """A predicate: the person is signed in and their role is one of `roles`."""

    def check(user: object) -> bool:
        return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", "") in roles

    return rules.predicate(check, name=name)


is_signed_in = rules.is_authenticated
is_qa_unit = role_in(QA_UNIT, "is_qa_unit")
is_whole_council = role_in(WHOLE_COUNCIL, "is_whole_council")
is_leader = role_in(LEADERS, "is_leader")
is_manager = role_in(MANAGERS, "is_manager")
is_escalation_manager = role_in(ESCALATION_MANAGERS, "is_escalation_manager")
is_chair = role_in(CHAIRS, "is_chair")
is_practitioner = role_in(frozenset({Role.PRACTITIONER}), "is_practitioner")
is_team_manager = role_in(frozenset({Role.TEAM_MANAGER}), "is_team_manager")
is_service_manager = role_in(frozenset({Role.SERVICE_MANAGER}), "is_service_manager")
is_assistant_director = role_in(frozenset({Role.ASSISTANT_DIRECTOR}), "is_assistant_director")
is_cp_chair = role_in(frozenset({Role.CP_CHAIR}), "is_cp_chair")
is_iro = role_in(frozenset({Role.IRO}), "is_iro")
is_elected_member = role_in(frozenset({Role.ELECTED_MEMBER}), "is_elected_member")
is_partner_auditor = role_in(frozenset({Role.PARTNER_AUDITOR}), "is_partner_auditor")
sees_children = is_signed_in & ~role_in(NEVER_SEE_CHILDREN, "never_sees_children")
sees_teams = role_in(SEE_TEAMS, "sees_teams")


@rules.predicate
def has_staff_record(user: object) -> bool:
    """Linked to a council staff record (needed to audit, moderate or be allocated work)."""
    return getattr(user, "staff_id", None) is not None


# Pages open to everyone signed in: home, account, help.
rules.add_perm("accounts.signed_in", is_signed_in)
