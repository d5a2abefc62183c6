"""`qaf restore FILE`: restore a backup over the configured database, then verify it."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qaf.ops.backup import BackupError, Manifest, backup_restore, backup_verify


class Command(BaseCommand):
    help = (
        "Restore FILE (made by `qaf backup`) over the configured database, replacing its "
        "tables, then verify: every table's row count must equal the backup's manifest and the "
        "access log's chain must be intact and end at the recorded head. Stop the app servers "
        "and the worker first. --verify-only compares the database with the manifest only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="Replace the database without asking"
        )
        parser.add_argument("--verify-only", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            if options["verify_only"]:
                problems = backup_verify(manifest=Manifest.read(path))
            else:
                if not path.exists():
                    raise CommandError(f"{path} does not exist")
                if not options["yes"]:
                    raise CommandError(
                        "Restoring replaces every table of the configured database: "
                        "run again with --yes"
                    )
                problems = backup_restore(path=path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if problems:
            raise CommandError(
                "The restored database differs from the backup:\n- " + "\n- ".join(problems)
            )
        self.stdout.write(
            self.style.SUCCESS("Verified: every table's row count and the access log match.")
        )
