"""Backing up and restoring the whole database, and proving the copy is whole.

- PostgreSQL: `pg_dump --format=custom` inside an exported snapshot, so the row counts written
  to the manifest are of exactly the data dumped; restored with `pg_restore`.
- SQLite: SQLite's online backup API (a consistent copy while QAF keeps running); the counts
  are taken from the copy itself.

Each backup `<file>` gets `<file>.manifest.json`: the row count of every table and the access
log's length and head hash. A restore is followed by the verify step: every table's count must
equal the manifest's and the access log's chain must be intact and end at the recorded head.
"""

import datetime as dt
import json
import os
import sqlite3
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.db import connections, transaction

from qaf.access_log.chain import access_log_verify, chain_verify
from qaf.common import clock


class BackupError(Exception):
    pass


@dataclass
class Manifest:
    vendor: str
    created_at: str
    tables: dict[str, int]
    access_log_rows: int
    access_log_head: str

    @staticmethod
    def path_for(backup: Path) -> Path:
        return backup.with_name(backup.name + ".manifest.json")

    def write(self, backup: Path) -> None:
        self.path_for(backup).write_text(json.dumps(asdict(self), indent=2, sort_keys=True))

    @classmethod
    def read(cls, backup: Path) -> "Manifest":
        path = cls.path_for(backup)
        if not path.exists():
            raise BackupError(f"{path} is missing: a backup cannot be verified without it")
        return cls(**json.loads(path.read_text()))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _counts(cursor: Any, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 (a table name, quoted)
        counts[table] = cursor.fetchone()[0]
    return counts


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-500:]}")


def backup_create(*, path: Path, using: str = "default") -> Manifest:
    """Write a backup of the whole database to `path`, and its manifest beside it."""
    connection = connections[using]
    path = path.resolve()
    if connection.vendor == "postgresql":
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _counts(cursor, connection.introspection.table_names(cursor))
            chain = access_log_verify(using=using)
            _run(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={path}"],
                _pg_env(connection.settings_dict),
            )
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(path)
        try:
            connection.connection.backup(copy)
            copy_cursor = copy.cursor()
            tables = [
                row[0]
                for row in copy_cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                )
            ]
            counts = _counts(copy_cursor, tables)
        finally:
            copy.close()
        chain = _verify_file_chain(path)
    else:
        raise BackupError(f"Backups of {connection.vendor} databases are not supported")
    manifest = Manifest(
        vendor=connection.vendor,
        created_at=clock.now().isoformat(),
        tables=counts,
        access_log_rows=chain.rows,
        access_log_head=chain.head,
    )
    manifest.write(path)
    return manifest


def _verify_file_chain(path: Path) -> Any:
    """The access log's chain as stored in an SQLite copy (read with sqlite3, not through a
    Django connection: the copy is a file, not a configured database)."""
    copy = sqlite3.connect(path)
    try:
        columns = [
            "id", "prev_hash", "row_hash", "at", "user_id", "username", "role",
            "object_type", "object_id", "via", "outcome", "count",
        ]  # fmt: skip
        rows = copy.execute(
            f"SELECT {', '.join(columns)} FROM access_log_accesslogentry ORDER BY id"  # noqa: S608
        )
        entries = (
            SimpleNamespace(
                **{
                    **dict(zip(columns, row, strict=True)),
                    "pk": row[0],
                    # Django stores aware times in SQLite as UTC text without the offset.
                    "at": dt.datetime.fromisoformat(row[3]).replace(tzinfo=dt.UTC),
                }
            )
            for row in rows
        )
        return chain_verify(entries)
    finally:
        copy.close()


def backup_restore(*, path: Path, using: str = "default") -> list[str]:
    """Restore `path` into the database `using` (its tables are replaced), then verify it
    against the manifest. Returns the verify step's problems (empty: the copy is whole)."""
    manifest = Manifest.read(path)
    connection = connections[using]
    if connection.vendor != manifest.vendor:
        raise BackupError(
            f"This backup is of a {manifest.vendor} database; the target is {connection.vendor}"
        )
    if connection.vendor == "postgresql":
        connection.close()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={connection.settings_dict['NAME']}",
                str(path),
            ],
            _pg_env(connection.settings_dict),
        )
    else:
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    return backup_verify(manifest=manifest, using=using)


def backup_verify(*, manifest: Manifest, using: str = "default") -> list[str]:
    """Compare the database with a manifest: every table's row count, and the access log's
    chain (intact, ending at the recorded head)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = _counts(cursor, [t for t in tables if t in manifest.tables])
    problems = [
        f"table {table}: {counts.get(table, 'missing')} rows, the backup had {expected}"
        for table, expected in sorted(manifest.tables.items())
        if counts.get(table) != expected
    ]
    chain = access_log_verify(expected_head=manifest.access_log_head, using=using)
    if not chain.intact:
        problems.append(f"the access log's chain is broken: {chain.problem}")
    elif chain.head != manifest.access_log_head:
        problems.append("the access log does not end where the backup's did")
    return problems
