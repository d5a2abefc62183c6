"""Backup and restore round trip (issue 17): `qaf backup` writes a consistent copy and a
manifest; `qaf restore` puts it back over the database (whatever was written since is gone) and
its verify step proves every table's row count and the access log's chain match. On SQLite and
PostgreSQL (whichever the suite runs on; CI runs both)."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from qaf.access_log.chain import access_log_verify
from qaf.access_log.models import AccessLogEntry
from qaf.access_log.services import access_log_record, access_log_record_list
from qaf.accounts.models import LoginFailure, Role, User
from qaf.accounts.tests.factories import UserFactory
from qaf.ops.backup import Manifest, backup_verify

# pg_dump runs in its own process: the data must be committed for it to see.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def some_data() -> User:
    qa = UserFactory(username="qa-one", role=Role.QA_OFFICER)
    UserFactory.create_batch(3)
    for n in range(7):
        access_log_record(user=qa, object_type="child", object_id=n, outcome="allowed")
    access_log_record_list(user=qa, object_type="child", count=12, via="export")
    LoginFailure.objects.create(
        username="qa-one", address="203.0.113.1", at=dt.datetime(2025, 3, 3, tzinfo=dt.UTC)
    )
    return qa


def test_round_trip(tmp_path, some_data, capsys):
    backup = tmp_path / "qaf.backup"
    call_command("backup", str(backup))
    assert "Backed up" in capsys.readouterr().out
    manifest = Manifest.read(backup)
    assert manifest.vendor == connection.vendor
    assert manifest.tables["accounts_user"] == 4
    assert manifest.tables["access_log_accesslogentry"] == manifest.access_log_rows == 8
    at_backup = access_log_verify()
    assert manifest.access_log_head == at_backup.head
    call_command("restore", str(backup), verify_only=True)  # the live database matches

    # Life goes on after the backup: new accounts, new reads, a failure cleared.
    UserFactory(username="joined-later")
    access_log_record(user=some_data, object_type="child", object_id=99, outcome="allowed")
    LoginFailure.objects.all().delete()
    problems = backup_verify(manifest=manifest)
    assert "table accounts_user: 5 rows, the backup had 4" in problems
    assert "table accounts_loginfailure: 0 rows, the backup had 1" in problems

    call_command("restore", str(backup), yes=True)
    assert "Verified" in capsys.readouterr().out
    assert not User.objects.filter(username="joined-later").exists()
    assert LoginFailure.objects.count() == 1
    restored = access_log_verify()
    assert (restored.intact, restored.rows, restored.head) == (True, 8, at_backup.head)
    assert AccessLogEntry.objects.filter(object_id="99").count() == 0
    assert backup_verify(manifest=manifest) == []


def test_a_backup_never_overwrites_and_a_restore_asks_first(tmp_path, some_data):
    backup = tmp_path / "qaf.backup"
    call_command("backup", str(backup))
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(backup))
    with pytest.raises(CommandError, match="run again with --yes"):
        call_command("restore", str(backup))
    with pytest.raises(CommandError, match="is missing: a backup cannot be verified"):
        call_command("restore", str(tmp_path / "other.backup"), verify_only=True)


def test_verify_names_a_broken_chain(tmp_path, some_data):
    backup = tmp_path / "qaf.backup"
    call_command("backup", str(backup))
    manifest = Manifest.read(backup)
    manifest.access_log_head = "e" * 64  # as if rows had been cut from the end since
    assert backup_verify(manifest=manifest) == [
        "the access log's chain is broken: no row has the recorded head hash eeeeeeeeeeeeeeee..."
        f" (the log now ends at row {AccessLogEntry.objects.order_by('-id').first().pk}): "
        "rows were removed from the end"
    ]
