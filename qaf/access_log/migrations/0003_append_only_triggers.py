"""The database itself refuses changes to the access log, whatever code runs against it.

SQLite: updates are refused (deletes are refused by the model and queryset; the test runner's
flush deletes rows). PostgreSQL: updates and deletes are refused; TRUNCATE remains for tests.
"""

from django.db import migrations

SQLITE_FORWARD = """
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log_accesslogentry
BEGIN SELECT RAISE(ABORT, 'access log entries cannot be changed'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS access_log_no_update;"

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION access_log_refuse_change() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'access log entries cannot be changed or deleted'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON access_log_accesslogentry
FOR EACH ROW EXECUTE FUNCTION access_log_refuse_change();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS access_log_no_change ON access_log_accesslogentry;
DROP FUNCTION IF EXISTS access_log_refuse_change();
"""


def forward(apps, schema_editor):
    sql = POSTGRES_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    schema_editor.execute(sql)


def reverse(apps, schema_editor):
    sql = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("access_log", "0002_initial")]
    operations = [migrations.RunPython(forward, reverse)]
