"""Who is who (qaf/accounts/permissions.py), stated again as a table from the domain: for each
role, the base predicates that hold. Written by hand, never from the role sets themselves, so a
role moved into or out of a set fails here."""

from types import SimpleNamespace

import pytest
import rules

from qaf.accounts import permissions as p
from qaf.accounts.models import Role

# predicate -> the roles it holds for (DOMAIN.md: who does what in children's services QA).
SPEC: dict[str, set[str]] = {
    "is_qa_unit": {"qa_officer"},
    "is_whole_council": {"qa_officer", "director"},
    "is_leader": {"qa_officer", "director", "assistant_director", "service_manager"},
    "is_manager": {
        "qa_officer",
        "director",
        "assistant_director",
        "service_manager",
        "team_manager",
    },
    "is_escalation_manager": {"service_manager", "assistant_director"},
    "is_chair": {"cp_chair", "iro"},
    "is_cp_chair": {"cp_chair"},
    "is_iro": {"iro"},
    "is_practitioner": {"practitioner"},
    "is_team_manager": {"team_manager"},
    "is_service_manager": {"service_manager"},
    "is_assistant_director": {"assistant_director"},
    "is_elected_member": {"elected_member"},
    "is_partner_auditor": {"partner_auditor"},
    # Elected members see aggregates only; partner auditors only multi-agency audits.
    "sees_children": set(Role.values) - {"elected_member", "partner_auditor"},
    # Chairs, partners and members manage no staff.
    "sees_teams": set(Role.values) - {"elected_member", "partner_auditor", "cp_chair", "iro"},
    "is_signed_in": set(Role.values),
}

ROLES = sorted(Role.values)


def person(role: str, *, signed_in: bool = True, staff_id: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(is_authenticated=signed_in, role=role, staff_id=staff_id)


def test_the_table_covers_every_predicate_and_role():
    assert set(ROLES) == {
        "practitioner",
        "team_manager",
        "service_manager",
        "assistant_director",
        "director",
        "qa_officer",
        "cp_chair",
        "iro",
        "partner_auditor",
        "elected_member",
    }
    predicates = {n for n, v in vars(p).items() if isinstance(v, rules.Predicate)}
    assert predicates - {"has_staff_record"} == set(SPEC)


@pytest.mark.parametrize("name", sorted(SPEC))
@pytest.mark.parametrize("role", ROLES)
def test_each_predicate_holds_for_exactly_its_roles(name, role):
    predicate = getattr(p, name)
    assert predicate.test(person(role)) is (role in SPEC[name]), (name, role)


@pytest.mark.parametrize("name", sorted(SPEC))
@pytest.mark.parametrize("role", [*ROLES, ""])
def test_nobody_signed_out_passes_whatever_role_they_carry(name, role):
    assert getattr(p, name).test(person(role, signed_in=False)) is False
    assert getattr(p, name).test(SimpleNamespace()) is False  # no attributes at all


def test_an_unknown_role_is_in_no_set():
    for name in sorted(set(SPEC) - {"is_signed_in", "sees_children"}):
        assert getattr(p, name).test(person("chief_executive")) is False, name


def test_role_sets_are_the_same_as_the_predicates():
    """The sets other code may import say the same as the table."""
    assert SPEC["is_qa_unit"] == p.QA_UNIT
    assert SPEC["is_whole_council"] == p.WHOLE_COUNCIL
    assert SPEC["is_leader"] == p.LEADERS
    assert SPEC["is_manager"] == p.MANAGERS
    assert SPEC["is_escalation_manager"] == p.ESCALATION_MANAGERS
    assert SPEC["is_chair"] == p.CHAIRS
    assert set(ROLES) - SPEC["sees_children"] == p.NEVER_SEE_CHILDREN
    assert SPEC["sees_teams"] == p.SEE_TEAMS


def test_a_staff_record_is_a_linked_staff_id():
    assert p.has_staff_record.test(person("team_manager", staff_id=7)) is True
    assert p.has_staff_record.test(person("team_manager", staff_id=0)) is True
    assert p.has_staff_record.test(person("team_manager")) is False
    assert p.has_staff_record.test(SimpleNamespace()) is False


def test_each_predicate_is_named_as_it_is_imported():
    """rules names a predicate in its debugging output: the name must be the one code uses."""
    for name in SPEC:
        if name not in {"sees_children", "is_signed_in"}:
            assert getattr(p, name).name == name


@pytest.mark.parametrize("role", ROLES)
def test_signed_in_is_the_permission_of_every_signed_in_person(role):
    assert rules.has_perm("accounts.signed_in", person(role)) is True
    assert rules.has_perm("accounts.signed_in", person(role, signed_in=False)) is False


def test_role_in_makes_a_predicate_for_exactly_those_roles_of_signed_in_people():
    """Called here, not only at import, so the function itself is tested (and its mutants)."""
    chair = p.role_in(frozenset({"cp_chair", "iro"}), "is_test_chair")
    assert chair.name == "is_test_chair"
    assert chair.test(person("cp_chair")) is True
    assert chair.test(person("iro")) is True
    assert chair.test(person("director")) is False
    assert chair.test(person("iro", signed_in=False)) is False
    assert chair.test(SimpleNamespace(role="iro")) is False  # no is_authenticated: signed out
    assert chair.test(SimpleNamespace(is_authenticated=True)) is False  # no role at all
