"""`qaf db_roles`: the PostgreSQL grants for the application's own role (qaf/access_log/roles.py)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from qaf.access_log.roles import app_role_grants


class Command(BaseCommand):
    help = (
        "Print (or, with --apply, run as the owner role) the PostgreSQL grants that let the "
        "application's role read and write QAF's tables but only SELECT and INSERT on the "
        "access log. Run after every migrate; safe to repeat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--app-role", required=True, help="The role the app connects as")
        parser.add_argument(
            "--owner-role", help="The role that runs migrations (default: the current one)"
        )
        parser.add_argument("--apply", action="store_true", help="Run the statements now")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are a PostgreSQL feature; SQLite has none.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database()")
            current_user, database = cursor.fetchone()
        statements = app_role_grants(
            app_role=options["app_role"],
            owner_role=options.get("owner_role") or current_user,
            database=database,
        )
        if not options["apply"]:
            self.stdout.write("\n".join(statements))
            return
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(self.style.SUCCESS(f"Granted {options['app_role']} its privileges."))
