"""On PostgreSQL the application's role may only SELECT and INSERT on the access log: not
UPDATE, DELETE or TRUNCATE it, nor drop or disable its trigger (issue 17: the application's own
role owned the table). Tested by creating the roles in the test database with the statements
the admin guide documents (qaf/access_log/roles.py), then acting as the application's role."""

import secrets
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from qaf.access_log.models import AccessLogEntry
from qaf.access_log.roles import app_role_grants
from qaf.access_log.services import access_log_record
from qaf.accounts.models import LoginFailure, Role
from qaf.accounts.tests.factories import UserFactory
from qaf.common import clock

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="roles are PostgreSQL's; SQLite has none"
)
TABLE = "access_log_accesslogentry"
GUIDE = Path(__file__).resolve().parents[3] / "docs" / "admin-guide.md"


def run(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


@pytest.fixture
def app_role(db):
    """A role made for this test, granted exactly what docs/admin-guide.md says. CREATE ROLE is
    transactional in PostgreSQL: the test's rollback removes the role and its grants again (a
    unique name, as roles belong to the whole server)."""
    name = f"qaf_test_app_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_database()")
        owner, database = cursor.fetchone()
    run(f'CREATE ROLE "{name}" NOLOGIN')
    for statement in app_role_grants(app_role=name, owner_role=owner, database=database):
        run(statement)
    yield name
    run("RESET ROLE")


def refused(statement: str, params: list | None = None) -> str:
    with (
        pytest.raises(DatabaseError, match=r"permission denied|must be owner") as caught,
        transaction.atomic(),
    ):
        run(statement, params)
    return str(caught.value)


def test_the_application_role_can_read_and_append_but_never_rewrite(app_role):
    reader = UserFactory(username="reader", role=Role.QA_OFFICER)
    first = access_log_record(user=reader, object_type="child", object_id=1, outcome="allowed")
    run(f'SET ROLE "{app_role}"')
    # What the application does all day works: append (with the chain's lock), read, and
    # write its other tables.
    second = access_log_record(user=reader, object_type="child", object_id=2, outcome="allowed")
    assert second.prev_hash == first.row_hash
    assert AccessLogEntry.objects.count() == 2
    LoginFailure.objects.create(username="x", address="", at=clock.now())
    # Everything that would rewrite the log is refused by the database itself.
    for statement in (
        f"UPDATE {TABLE} SET username = 'x'",
        f"DELETE FROM {TABLE}",
        f"TRUNCATE {TABLE}",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER access_log_no_change",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL",
        f"DROP TRIGGER access_log_no_change ON {TABLE}",
        f"DROP TABLE {TABLE}",
    ):
        assert refused(statement), statement
    run("RESET ROLE")
    assert AccessLogEntry.objects.count() == 2


def test_the_admin_guide_shows_the_same_statements():
    guide = GUIDE.read_text()
    for statement in app_role_grants(app_role="qaf_app", owner_role="qaf_owner", database="qaf"):
        assert statement in guide, statement
