"""qaf import_benchmarks PATH: England / statistical-neighbour figures from a CSV file."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qaf.common.errors import ImportRefused
from qaf.performance.services import benchmark_import_csv


class Command(BaseCommand):
    help = "Import KPI benchmarks (columns kpi,comparator,period,value,source; docs/kpis.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        try:
            counts = benchmark_import_csv(data=path.read_bytes())
        except ImportRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Benchmarks imported: {counts['created']} added, {counts['updated']} replaced"
            )
        )
