"""`qaf backup FILE`: a consistent backup of the whole database, with its manifest."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qaf.ops.backup import BackupError, Manifest, backup_create


class Command(BaseCommand):
    help = (
        "Back up the whole database to FILE (PostgreSQL: pg_dump custom format; SQLite: the "
        "online backup API) while QAF runs, and write FILE.manifest.json with every table's "
        "row count and the access log's head hash, for `qaf restore` to verify against."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if path.exists() or Manifest.path_for(path).exists():
            raise CommandError(f"{path} already exists: choose a new file name")
        try:
            manifest = backup_create(path=path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest.tables.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {len(manifest.tables)} tables ({rows} rows) to {path}; "
                f"access log: {manifest.access_log_rows} rows, head {manifest.access_log_head}."
            )
        )
