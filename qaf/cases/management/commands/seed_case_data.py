"""qaf seed_case_data --scale county|national --seed N [--out DIR] [--replace]"""

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qaf.cases.importers.writers import synthetic_annex_a, synthetic_cin_xml, synthetic_ssda903
from qaf.cases.services import case_data_seed, case_data_seed_clear
from qaf.cases.synthetic import SCALES, generate
from qaf.common import clock
from qaf.common.errors import DomainError
from qaf.organisation.models import Staff, Team, TeamMembership


def _teams() -> list[tuple[int, list[int]]]:
    """Every team with its current members, in primary-key order (deterministic)."""
    today = clock.today()
    members: dict[int, list[int]] = {}
    for team_id, staff_id in (
        TeamMembership.objects.filter(start_date__lte=today, end_date__isnull=True)
        .order_by("team_id", "staff_id")
        .values_list("team_id", "staff_id")
    ):
        members.setdefault(team_id, []).append(staff_id)
    return [
        (pk, members.get(pk, [])) for pk in Team.objects.order_by("pk").values_list("pk", flat=True)
    ]


class Command(BaseCommand):
    help = (
        "Generate synthetic case data (fictional, realistic distributions; docs/kpis.md) into "
        "the register, and optionally write it as Annex A, SSDA903 and CIN census files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="county")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--councils", type=int, help="override the scale's council count")
        parser.add_argument("--today", type=dt.date.fromisoformat, help="end date (yyyy-mm-dd)")
        parser.add_argument("--out", type=Path, help="also write the files to this directory")
        parser.add_argument("--no-db", action="store_true", help="write files only")
        parser.add_argument(
            "--replace", action="store_true", help="remove earlier synthetic data first"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["councils"] is not None and options["councils"] < 1:
            raise CommandError("--councils must be 1 or more")
        if options["no_db"] and not options["out"]:
            raise CommandError("--no-db needs --out DIR")
        began = time.perf_counter()
        teams = [] if options["no_db"] else _teams()
        data = generate(
            scale=options["scale"],
            seed=options["seed"],
            today=options["today"] or clock.today(),
            teams=teams,
            councils=options["councils"],
        )
        generated = time.perf_counter()
        self.stdout.write(
            f"Generated {len(data.children):,} children, {len(data.events):,} case events and "
            f"{len(data.involvements):,} involvements in {generated - began:.1f}s"
        )
        if not options["no_db"]:
            try:
                if options["replace"]:
                    case_data_seed_clear()
                counts = case_data_seed(data=data)
            except DomainError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(
                f"Wrote {counts['events']:,} events to the register in "
                f"{time.perf_counter() - generated:.1f}s. Child population for the rates: "
                f"set QAF_CHILD_POPULATION={data.child_population}"
            )
        if options["out"]:
            self._write_files(data, options["out"])

    def _write_files(self, data: Any, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        teams = dict(Team.objects.values_list("pk", "name"))
        workers = {
            pk: f"{given} {family}"
            for pk, given, family in Staff.objects.values_list("pk", "given_name", "family_name")
        }
        year = data.today.year + (1 if data.today.month > 3 else 0)
        files = {
            "annex_a.xlsx": synthetic_annex_a(data, team_names=teams, worker_names=workers),
            "ssda903.zip": synthetic_ssda903(data),
            f"cin_census_{year - 1}.xml": synthetic_cin_xml(data, year=year - 1),
        }
        for name, content in files.items():
            (out / name).write_bytes(content)
            self.stdout.write(f"Wrote {out / name} ({len(content):,} bytes)")
