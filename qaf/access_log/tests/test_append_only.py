"""The access log is append-only: every route to change or remove a row is refused.

Rows are refused in three layers: the model (`save` of a stored row, `delete`), the queryset
(`update`, `delete`, and so `bulk_update`), and the database (a trigger: on SQLite for updates,
on PostgreSQL for updates and deletes). Each route below is tried on a real row, and the row is
checked unchanged afterwards. Routes still open are written as the required behaviour and
marked `xfail(strict=True)` naming issue 17, so closing one fails here until its mark goes.

Run on both databases:
    .venv/bin/pytest -q qaf/access_log/tests/test_append_only.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/pytest -q qaf/access_log/...
"""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models.deletion import ProtectedError

from qaf.access_log.models import AccessLogEntry, AccessOutcome, AppendOnlyError
from qaf.access_log.services import access_log_record
from qaf.accounts.tests.factories import UserFactory

SQLITE = connection.vendor == "sqlite"
POSTGRES = connection.vendor == "postgresql"
TABLE = AccessLogEntry._meta.db_table

# What the database says when its trigger refuses (migrations/0003_append_only_triggers.py).
DB_REFUSES_UPDATE = (
    "access log entries cannot be changed" if SQLITE else "cannot be changed or deleted"
)
DB_REFUSES_DELETE = (
    "access log entries cannot be deleted" if SQLITE else "cannot be changed or deleted"
)


@pytest.fixture
def entry(db):
    user = UserFactory(username="reader", role="qa_officer")
    return access_log_record(user=user, object_type="child", object_id=7, outcome="allowed")


def _unchanged(entry: AccessLogEntry) -> None:
    stored = AccessLogEntry.objects.get(pk=entry.pk)
    assert (stored.object_id, stored.outcome, stored.username) == ("7", "allowed", "reader")


def _refused_by_database(sql: str, params: list[object], match: str) -> None:
    """Run SQL in its own savepoint, expecting the database to refuse it."""
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


# --- the model and the queryset ----------------------------------------------------------------


def test_saving_a_changed_row_is_refused(entry):
    entry.outcome = AccessOutcome.NOT_FOUND
    with pytest.raises(AppendOnlyError, match="cannot be changed"):
        entry.save()
    with pytest.raises(AppendOnlyError, match="cannot be changed"):
        entry.save(update_fields=["outcome"])
    _unchanged(entry)


def test_deleting_a_row_is_refused(entry):
    with pytest.raises(AppendOnlyError, match="cannot be deleted"):
        entry.delete()
    _unchanged(entry)


def test_updating_through_the_queryset_is_refused(entry):
    with pytest.raises(AppendOnlyError, match="cannot be changed"):
        AccessLogEntry.objects.filter(pk=entry.pk).update(outcome=AccessOutcome.NOT_FOUND)
    with pytest.raises(AppendOnlyError, match="cannot be changed"):
        AccessLogEntry.objects.all().update(object_id="8")
    _unchanged(entry)


def test_deleting_through_the_queryset_is_refused(entry):
    with pytest.raises(AppendOnlyError, match="cannot be deleted"):
        AccessLogEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError, match="cannot be deleted"):
        AccessLogEntry.objects.all().delete()
    _unchanged(entry)


def test_bulk_update_is_refused(entry):
    entry.object_id = "8"
    # bulk_update runs in the caller's transaction (no savepoint of its own): give it one.
    with pytest.raises(AppendOnlyError, match="cannot be changed"), transaction.atomic():
        AccessLogEntry.objects.bulk_update([entry], ["object_id"])
    _unchanged(entry)


def test_update_or_create_of_an_existing_row_is_refused(entry):
    with pytest.raises(AppendOnlyError, match="cannot be changed"):
        AccessLogEntry.objects.update_or_create(pk=entry.pk, defaults={"object_id": "8"})
    _unchanged(entry)


def test_deleting_the_account_that_read_is_refused(entry):
    """Accounts that have read records are disabled, never deleted (PROTECT), so no row loses
    who read."""
    with pytest.raises(ProtectedError, match="protected foreign keys"):
        entry.user.delete()
    _unchanged(entry)


def test_adding_rows_still_works(entry):
    """The guarantee is append-only, not read-only: new reads are still logged, in bulk too."""
    AccessLogEntry.objects.bulk_create(
        [
            AccessLogEntry(
                at=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC),
                username="reader",
                role="qa_officer",
                object_type="child",
                object_id="9",
                via="page",
                outcome=AccessOutcome.ALLOWED,
            )
        ]
    )
    assert AccessLogEntry.objects.count() == 2


# --- the database itself: what code bypassing the model and queryset meets ---------------------


def test_raw_sql_update_is_refused_by_the_database(entry):
    _refused_by_database(
        f"UPDATE {TABLE} SET outcome = %s WHERE id = %s",
        ["not_found", entry.pk],
        DB_REFUSES_UPDATE,
    )
    _unchanged(entry)


def test_the_base_manager_update_is_refused_by_the_database(entry):
    """Django's base manager (used for related lookups) is a plain queryset, not the log's own:
    only the trigger stands in its way."""
    with pytest.raises(DatabaseError, match=DB_REFUSES_UPDATE), transaction.atomic():
        AccessLogEntry._base_manager.filter(pk=entry.pk).update(object_id="8")
    _unchanged(entry)


def test_raw_sql_delete_is_refused_by_the_database(entry, settings):
    settings.QAF_ACCESS_LOG_FLUSH_ALLOWED = False  # on in tests only, for the flush between tests
    _refused_by_database(
        f"DELETE FROM {TABLE} WHERE id = %s",
        [entry.pk],
        DB_REFUSES_DELETE,
    )
    _unchanged(entry)


def test_the_base_manager_delete_is_refused_by_the_database(entry, settings):
    settings.QAF_ACCESS_LOG_FLUSH_ALLOWED = False
    with pytest.raises(DatabaseError, match=DB_REFUSES_DELETE), transaction.atomic():
        AccessLogEntry._base_manager.filter(pk=entry.pk).delete()
    _unchanged(entry)


# Dropping the trigger or TRUNCATE: the tests run as the database's owner, who may do both. The
# application's own role may not (PostgreSQL: qaf/access_log/tests/test_roles.py); on SQLite,
# which has no roles, the hash chain shows any row removed (test_chain.py).
