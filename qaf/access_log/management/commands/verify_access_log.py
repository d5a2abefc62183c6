"""`qaf verify_access_log`: check the access log's chain and report the first break."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qaf.access_log.chain import access_log_verify


class Command(BaseCommand):
    help = (
        "Check that no access-log row was removed, changed or inserted: each row must carry "
        "the hash of the one before. Exits 1 at the first break. Record the printed head hash "
        "(for example with each backup) and pass it later with --head to detect rows removed "
        "from the end."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--head", help="A head hash printed by an earlier run")

    def handle(self, *args: Any, **options: Any) -> None:
        report = access_log_verify(expected_head=options.get("head") or None)
        if not report.intact:
            raise CommandError(f"The access log's chain is broken: {report.problem}")
        self.stdout.write(
            self.style.SUCCESS(f"The access log's chain is intact: {report.rows} rows.")
        )
        self.stdout.write(f"Head hash: {report.head}")
