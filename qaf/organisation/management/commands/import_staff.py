"""qaf import_staff PATH [--dry-run]: load the organisation from a CSV HR extract."""

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qaf.common.errors import ImportRefused
from qaf.organisation.hr_extract import describe
from qaf.organisation.services import staff_import


class Command(BaseCommand):
    help = (
        "Import services, areas, districts, teams and staff from a CSV UTF-8 HR extract. "
        "All or nothing: any problem refuses the whole file. Exits 1 when refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the CSV file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and report what would change, without saving anything",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        try:
            size = os.path.getsize(path)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        try:
            with open(path, "rb") as file:
                result = staff_import(
                    file=file,
                    size=size,
                    file_name=os.path.basename(path),
                    dry_run=options["dry_run"],
                    via_command=True,
                )
        except ImportRefused as exc:
            for problem in exc.problems:
                self.stderr.write(describe(problem))
            raise CommandError(str(exc)) from exc
        out = self.stdout
        if result.dry_run:
            out.write("Checked without importing: nothing was saved.")
        summary = [
            ("Rows read", result.rows_read),
            ("Staff created", result.staff_created),
            ("Staff updated", result.staff_updated),
            ("Staff unchanged", result.staff_unchanged),
            ("Team memberships opened", result.memberships_opened),
            ("Team memberships closed", result.memberships_closed),
            ("Teams created", result.teams_created),
            ("Districts created", result.districts_created),
            ("Areas created", result.areas_created),
            ("Services created", result.services_created),
            ("Staff not in this extract", len(result.not_in_extract)),
            ("Warnings", len(result.warnings)),
        ]
        for label, value in summary:
            out.write(f"{label}: {value}")
        for warning in result.warnings:
            out.write(f"Warning: {describe(warning)}")
        for staff in result.not_in_extract:
            out.write(f"Not in this extract: {staff.staff_id} {staff.full_name}")
