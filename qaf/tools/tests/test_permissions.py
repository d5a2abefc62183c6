"""The named rules of qaf.tools, stated again here as a table (not read from permissions.py)."""

import pytest

from qaf.accounts.models import Role
from qaf.common.permissions import allowed
from qaf.tools.models import FormResponse

pytestmark = pytest.mark.django_db

QA_ONLY = {Role.QA_OFFICER}
EVERY_ROLE = set(Role.values)

# permission -> the roles that hold it (without an object)
SPEC = {
    "tools.manage_tools": QA_ONLY,
    "tools.use_forms": EVERY_ROLE,
    "tools.read_any_form_response": QA_ONLY,
}


@pytest.mark.parametrize("role", sorted(Role.values))
@pytest.mark.parametrize("perm", sorted(SPEC))
def test_each_role_holds_exactly_the_permissions_of_the_table(council, role, perm):
    user = council.users[role]
    assert allowed(user, perm) is (role in SPEC[perm])


@pytest.mark.parametrize("role", sorted(Role.values))
def test_a_superuser_gets_nothing_more_than_their_role(council, role):
    user = council.users[role]
    user.is_superuser = True
    for perm, holders in SPEC.items():
        assert allowed(user, perm) is (role in holders), perm


@pytest.mark.parametrize("role", sorted(Role.values))
def test_only_the_author_fills_in_a_form_whatever_their_role(council, role):
    user = council.users[role]
    other = council.users[Role.QA_OFFICER if role != Role.QA_OFFICER else Role.PRACTITIONER]
    assert allowed(user, "tools.fill_form_response", FormResponse(author=user))
    assert not allowed(user, "tools.fill_form_response", FormResponse(author=other))


def test_nobody_signed_out_holds_any_tools_permission():
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    for perm in [*SPEC, "tools.fill_form_response"]:
        assert not allowed(anonymous, perm, FormResponse(author_id=None))
