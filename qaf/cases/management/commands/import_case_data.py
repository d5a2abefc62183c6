"""qaf import_case_data PATH [--format annex-a|ssda903|cin|csv] [--dry-run]"""

import io
import zipfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qaf.cases.models import ImportFormat, ImportStatus
from qaf.cases.services import (
    MAX_UPLOAD_BYTES,
    case_data_guess_format,
    case_import_create,
    case_import_run,
)
from qaf.common.errors import ImportRefused


def _read(path: Path) -> tuple[bytes, str]:
    """A file's bytes, or a directory of SSDA903 CSVs zipped in memory."""
    if path.is_dir():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for member in sorted(path.glob("*.csv")):
                archive.write(member, member.name)
        return buffer.getvalue(), f"{path.name}.zip"
    if path.stat().st_size > MAX_UPLOAD_BYTES:
        raise ImportRefused(
            f"{path.name} is {path.stat().st_size / 2**20:.0f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES // 2**20} MB"
        )
    return path.read_bytes(), path.name


class Command(BaseCommand):
    help = "Import a case-data file into the case register (refused whole on any problem)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the file (or a directory of SSDA903 CSV files)")
        parser.add_argument("--format", choices=[f.value for f in ImportFormat], default=None)
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        try:
            data, name = _read(path)
            fmt = options["format"] or (
                ImportFormat.SSDA903 if path.is_dir() else _guess(name, data)
            )
        except ImportRefused as refusal:
            raise CommandError(str(refusal)) from None
        # Run at once, so the file is not stored on the import record for a background task.
        record = case_import_create(
            file_name=name, data=data, fmt=fmt, via="command", dry_run=options["dry_run"],
            keep_payload=False,
        )  # fmt: skip
        record = case_import_run(case_import=record, data=data)
        for warning in record.warnings:
            self.stderr.write(f"Warning: {warning}")
        if record.status == ImportStatus.REFUSED:
            for problem in record.problems[:50]:
                where = ", ".join(
                    part
                    for part in (
                        f"sheet {problem['sheet']}" if problem["sheet"] else "",
                        f"row {problem['row']}" if problem["row"] is not None else "",
                        f"column {problem['column']}" if problem["column"] else "",
                    )
                    if part
                )
                value = (
                    f" (value {problem['value']!r}; expected {problem['expected']})"
                    if problem["value"] or problem["expected"]
                    else ""
                )
                self.stderr.write(f"{where or 'file'}: {problem['message']}{value}")
            raise CommandError(record.message)
        verb = "Checked (dry run, nothing written)" if record.dry_run else "Imported"
        self.stdout.write(f"{verb} {record.file_name} (import {record.pk}):")
        for label, count in record.summary_rows:
            self.stdout.write(f"  {label}: {count:,}")


def _guess(name: str, data: bytes) -> str:
    if name.lower().endswith(".xml"):
        return ImportFormat.SSDA903 if b"<EXPSSDA903" in data[:4096] else ImportFormat.CIN
    return case_data_guess_format(file_name=name)
