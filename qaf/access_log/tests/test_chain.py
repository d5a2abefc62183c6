"""The access log is append-only and tamper-evident (issue 17): each row carries the hash of
the one before; `qaf verify_access_log` names the first row that breaks the chain; the database
refuses updates and deletes."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qaf.access_log.chain import access_log_verify
from qaf.access_log.models import GENESIS, AccessLogEntry, AppendOnlyError
from qaf.access_log.services import access_log_record, access_log_record_list
from qaf.accounts.models import Role
from qaf.accounts.tests.factories import UserFactory

TABLE = "access_log_accesslogentry"


@pytest.fixture
def reader(db):
    return UserFactory(username="reader", role=Role.QA_OFFICER)


def write(reader, n: int) -> list[AccessLogEntry]:
    return [
        access_log_record(
            user=reader, object_type="child", object_id=i + 1, outcome="allowed", via="page"
        )
        for i in range(n)
    ]


def raw(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def triggers_off() -> None:
    """What an attacker with the database's keys does first (the finding: possible on SQLite,
    and on PostgreSQL for a role that owns the table)."""
    if connection.vendor == "postgresql":
        raw("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending on the table
        raw(f"ALTER TABLE {TABLE} DISABLE TRIGGER access_log_no_change")
    else:
        raw("DROP TRIGGER access_log_no_update")
        raw("DROP TRIGGER access_log_no_delete")


def test_each_row_carries_the_hash_of_the_one_before(reader):
    rows = write(reader, 3)
    assert rows[0].prev_hash == GENESIS  # the first row of an empty log
    assert [r.prev_hash for r in rows[1:]] == [r.row_hash for r in rows[:-1]]
    assert len({r.row_hash for r in rows}) == 3
    report = access_log_verify()
    assert report.intact and report.head == rows[-1].row_hash


def test_a_changed_row_is_the_first_break(reader):
    rows = write(reader, 5)
    triggers_off()
    raw(f"UPDATE {TABLE} SET username = 'someone-else' WHERE id = %s", [rows[2].pk])
    report = access_log_verify()
    assert report.break_id == rows[2].pk
    assert report.problem == f"row {rows[2].pk} was changed after it was written"
    with pytest.raises(CommandError, match=f"row {rows[2].pk} was changed"):
        call_command("verify_access_log")


def test_a_removed_row_breaks_the_chain_at_the_next_one(reader):
    rows = write(reader, 5)
    triggers_off()
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [rows[1].pk])
    report = access_log_verify()
    assert report.break_id == rows[2].pk
    assert report.problem.startswith(f"row {rows[2].pk} does not follow row {rows[0].pk}")


def test_rows_removed_from_the_end_show_against_a_recorded_head(reader, capsys):
    rows = write(reader, 4)
    call_command("verify_access_log")
    printed = capsys.readouterr().out
    head = printed.split("Head hash: ")[1].strip()
    assert head == rows[-1].row_hash
    write(reader, 2)  # later rows are fine: the recorded head is still in the chain
    call_command("verify_access_log", head=head)
    triggers_off()
    raw(f"DELETE FROM {TABLE} WHERE id >= %s", [rows[-1].pk])
    call_command("verify_access_log")  # the chain itself is intact...
    with pytest.raises(CommandError, match="rows were removed from the end"):
        call_command("verify_access_log", head=head)  # ...but the recorded head is gone


def test_a_rewritten_hash_is_found(reader):
    rows = write(reader, 3)
    triggers_off()
    raw(f"UPDATE {TABLE} SET row_hash = %s WHERE id = %s", ["f" * 64, rows[1].pk])
    assert access_log_verify().break_id == rows[1].pk


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(2, 12), data=st.data())
def test_the_first_tampered_row_is_reported(reader, size, data):
    with transaction.atomic():
        rows = write(reader, size)
        victim = data.draw(st.integers(0, size - 1))
        triggers_off()
        raw(f"UPDATE {TABLE} SET object_id = 'x' WHERE id = %s", [rows[victim].pk])
        assert access_log_verify().break_id == rows[victim].pk
        transaction.set_rollback(True)


def test_the_database_refuses_updates_and_deletes(reader, settings):
    settings.QAF_ACCESS_LOG_FLUSH_ALLOWED = False  # only the test runner's flush gets past
    (row,) = write(reader, 1)
    for statement in (
        f"UPDATE {TABLE} SET username = 'x' WHERE id = %s",
        f"DELETE FROM {TABLE} WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="access log entries cannot be"),
            transaction.atomic(),
        ):
            raw(statement, [row.pk])
    assert AccessLogEntry.objects.get(pk=row.pk).username == "reader"


def test_the_orm_refuses_too(reader):
    (row,) = write(reader, 1)
    with pytest.raises(AppendOnlyError, match="cannot be deleted"):
        AccessLogEntry.objects.filter(pk=row.pk).delete()
    with pytest.raises(AppendOnlyError, match="cannot be deleted"):
        row.delete()
    with pytest.raises(AppendOnlyError, match="cannot be changed"):
        AccessLogEntry.objects.filter(pk=row.pk).update(username="x")


@pytest.mark.parametrize("via", ["page", "api", "pdf", "docx", "export"])
def test_each_way_of_reading_is_recorded(reader, via):
    entry = access_log_record(
        user=reader, object_type="audit", object_id=7, outcome="allowed", via=via
    )
    assert AccessLogEntry.objects.get(pk=entry.pk).via == via


def test_unknown_ways_and_outcomes_are_refused(reader):
    with pytest.raises(ValueError, match="via must be one of"):
        access_log_record(
            user=reader, object_type="audit", object_id=7, outcome="allowed", via="csv"
        )
    with pytest.raises(ValueError, match="outcome must be one of"):
        access_log_record(user=reader, object_type="audit", object_id=7, outcome="maybe")


def test_a_list_or_export_is_one_row_with_its_type_and_count(reader):
    entry = access_log_record_list(user=reader, object_type="child", count=42, via="export")
    stored = AccessLogEntry.objects.get(pk=entry.pk)
    assert (stored.object_type, stored.object_id, stored.count, stored.via, stored.outcome) == (
        "child",
        "",
        42,
        "export",
        "allowed",
    )
    assert access_log_verify().intact
