"""Each role sees exactly its own part of the case register (DOMAIN.md's table)."""

import pytest

from qaf.accounts.models import Role
from qaf.cases.selectors import child_get_visible, child_list_visible
from qaf.common.errors import NotFound

pytestmark = pytest.mark.django_db


def visible(council, role):
    ids = set(child_list_visible(user=council.users[role]).values_list("pk", flat=True))
    names = {
        "own": council.own_child,
        "team": council.team_child,
        "district": council.district_child,
        "far": council.far_child,
        "cp": council.cp_child,
        "cic": council.cic_child,
    }
    return {name for name, child in names.items() if child.pk in ids}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.PRACTITIONER, {"own"}),
        (Role.TEAM_MANAGER, {"own", "team"}),
        (Role.SERVICE_MANAGER, {"own", "team", "district"}),
        (Role.ASSISTANT_DIRECTOR, {"own", "team", "district"}),
        (Role.DIRECTOR, {"own", "team", "district", "far", "cp", "cic"}),
        (Role.QA_OFFICER, {"own", "team", "district", "far", "cp", "cic"}),
        (Role.CP_CHAIR, {"cp"}),
        (Role.IRO, {"cic"}),
        (Role.PARTNER_AUDITOR, set()),
        (Role.ELECTED_MEMBER, set()),
    ],
)
def test_each_role_sees_its_scope(council, role, expected):
    assert visible(council, role) == expected


def test_closed_involvement_takes_a_child_out_of_a_practitioners_caseload(council):
    involvement = council.own_child.involvements.get()
    involvement.end_date = involvement.start_date
    involvement.save()
    assert visible(council, Role.PRACTITIONER) == set()


def test_user_without_staff_record_sees_nothing(council):
    user = council.users[Role.TEAM_MANAGER]
    user.staff = None
    user.save()
    assert visible(council, Role.TEAM_MANAGER) == set()


def test_inactive_user_sees_nothing(council):
    user = council.users[Role.QA_OFFICER]
    user.is_active = False
    user.save()
    assert visible(council, Role.QA_OFFICER) == set()


def test_get_visible_logs_allowed_and_refused_reads(council):
    from qaf.access_log.models import AccessLogEntry

    user = council.users[Role.PRACTITIONER]
    assert child_get_visible(user=user, pk=council.own_child.pk) == council.own_child
    with pytest.raises(NotFound, match="Not found"):
        child_get_visible(user=user, pk=council.far_child.pk)
    rows = list(
        AccessLogEntry.objects.order_by("id").values_list("object_id", "outcome", "username")
    )
    assert rows == [
        (str(council.own_child.pk), "allowed", "practitioner"),
        (str(council.far_child.pk), "not_found", "practitioner"),
    ]
