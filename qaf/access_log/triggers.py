"""The database itself refuses changes to the access log, whatever code runs against it.

PostgreSQL: a trigger refuses UPDATE and DELETE; the application's own database role has only
SELECT and INSERT on the table and does not own it, so it can neither TRUNCATE it nor drop or
disable the trigger (docs/admin-guide.md, "Database roles"; qaf/access_log/roles.py).

SQLite: triggers refuse UPDATE and DELETE. SQLite has no roles, so whoever holds the file can
drop a trigger: the chain (qaf verify_access_log) is what shows it. The one way past the delete
trigger is the test runner's flush between tests (settings.QAF_ACCESS_LOG_FLUSH_ALLOWED, on only
in config/settings/test.py), asked through a function QAF registers on each connection.
"""

from typing import Any

from django.conf import settings

TABLE = "access_log_accesslogentry"
FLUSH_FUNCTION = "qaf_access_log_flush_allowed"

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS access_log_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'access log entries cannot be changed'); END;""",
    f"""CREATE TRIGGER IF NOT EXISTS access_log_no_delete BEFORE DELETE ON {TABLE}
    WHEN {FLUSH_FUNCTION}() IS NOT 1
    BEGIN SELECT RAISE(ABORT, 'access log entries cannot be deleted'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS access_log_no_update;",
    "DROP TRIGGER IF EXISTS access_log_no_delete;",
]
POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION access_log_refuse_change() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'access log entries cannot be changed or deleted'; END;
    $$ LANGUAGE plpgsql;""",
    f"""CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION access_log_refuse_change();""",
]
POSTGRES_DROP = [f"DROP TRIGGER IF EXISTS access_log_no_change ON {TABLE};"]


def _run(schema_editor: Any, statements: list[str]) -> None:
    for statement in statements:
        schema_editor.execute(statement)


def triggers_create(apps: Any, schema_editor: Any) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    _run(schema_editor, POSTGRES_CREATE if postgres else SQLITE_CREATE)


def triggers_drop(apps: Any, schema_editor: Any) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    _run(schema_editor, POSTGRES_DROP if postgres else SQLITE_DROP)


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created: give each SQLite connection the function the delete trigger asks."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            FLUSH_FUNCTION,
            0,
            lambda: 1 if getattr(settings, "QAF_ACCESS_LOG_FLUSH_ALLOWED", False) else 0,
            deterministic=False,
        )
