"""Importing a 100,000-row Annex A workbook into the register on PostgreSQL, against
Social Finance's `liiatools annex-a cleanfile` cleaning the same workbook.

    make bench-import        (or: .venv/bin/python benchmarks/bench_import.py)

1. A template PostgreSQL database (migrate, the small demo organisation) and, from it, the
   workbook: `seed_case_data`'s generator for enough councils, written by the project's Annex A
   writer (qaf.cases.importers.writers.synthetic_annex_a) capped at ROWS rows over lists 1-10,
   plus List 11 adopters, with the demo's team and worker names (so involvements are made),
   every cell present, and every column of Ofsted's template (those QAF does not read left
   empty: benchmarks/liiatools/annex_a_template.json), without which liiatools writes nothing.
2. Each repeat, every step a separate process, measured with os.wait4 (wall time and the
   child's peak RSS, ru_maxrss):
     a. liiatools: `python -m liiatools annex-a cleanfile` (Python 3.10 venv made by
        benchmarks/liiatools/setup.sh; liiatools is not a QAF dependency);
     b. QAF: `qaf import_case_data` into a fresh database qaf_bench_import (copied from the
        template) - every row new;
     c. QAF again on the same database: a re-import (every row unchanged);
     d. baseline: python-calamine reading every sheet into Python lists (nothing else).
3. Medians of REPEATS (BENCH_REPEATS, default 3) and the ratios liiatools / QAF.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
VAR = ROOT / "var" / "bench"
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
ADOPTERS = 300  # List 11: a few hundred adopter enquiries, as a county might return
SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
DB, TEMPLATE = "qaf_bench_import", "qaf_bench_import_template"
WORKBOOK = VAR / f"annex_a_{ROWS}_template.xlsx"
TEMPLATE_COLUMNS = ROOT / "benchmarks" / "liiatools" / "annex_a_template.json"
LIIATOOLS_PY = VAR / "liiatools-venv" / "bin" / "python"


def _env(database: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"{SERVER}/{database}",
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "QAF_DEMO_PASSWORD": "bench-only-password-2026"}  # fmt: skip


def _psql(sql: str) -> None:
    subprocess.run(["psql", f"{SERVER}/postgres", "-qc", sql], check=True)


def _fresh(database: str, template: str | None = None) -> None:
    _psql(f"DROP DATABASE IF EXISTS {database}")
    _psql(f"CREATE DATABASE {database}" + (f" TEMPLATE {template}" if template else ""))


def measure(command: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Run one child process; its wall time and peak resident memory (MB)."""
    began = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)  # fmt: skip
    output = process.stdout.read() if process.stdout else b""
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{output.decode()[-3000:]}")
    return {"seconds": wall, "peak_mb": usage.ru_maxrss / 1024, "output": output.decode()[-1500:]}


MAKE_WORKBOOK = r"""
import sys, json, datetime as dt
import django
django.setup()
from qaf.cases.importers.writers import synthetic_annex_a
from qaf.cases.management.commands.seed_case_data import _teams
from qaf.cases.synthetic import generate
from qaf.organisation.models import Staff, Team
rows, adopters, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
template = json.load(open(sys.argv[4]))["lists"]
councils = rows // 30_000 + 1  # one generated council writes about 32,500 rows (lists 1-10)
data = generate(scale="county", seed=7, today=dt.date(2025, 9, 30), teams=_teams(),
                councils=councils)
workbook = synthetic_annex_a(
    data,
    team_names=dict(Team.objects.values_list("pk", "name")),
    worker_names={pk: f"{g} {f}" for pk, g, f in
                  Staff.objects.values_list("pk", "given_name", "family_name")},
    max_rows=rows - adopters,
    adopters=adopters,
    blank="",  # every cell present: liiatools' writer fails on rows with missing cells
    # the rest of Ofsted's template, empty: liiatools writes nothing unless every list has
    # every template column (QAF ignores the columns it does not use, with a warning)
    extra_headers={int(n): headers for n, headers in template.items()},
)
open(path, "wb").write(workbook)
"""

RAW_READ = r"""
import sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
rows = 0
for name in book.sheet_names:
    rows += len(book.get_sheet_by_name(name).to_python(skip_empty_area=False)) - 1
print(rows)
"""


def prepare() -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    if not LIIATOOLS_PY.exists():
        subprocess.run(["sh", str(ROOT / "benchmarks" / "liiatools" / "setup.sh")], check=True)
    _fresh(TEMPLATE)
    env = _env(TEMPLATE)
    for args in (["migrate", "-v0"], ["seed_demo", "--scale", "small"]):
        subprocess.run([PY, "manage.py", *args, "--skip-checks"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    if not WORKBOOK.exists():
        began = time.perf_counter()
        subprocess.run([PY, "-c", MAKE_WORKBOOK, str(ROWS), str(ADOPTERS), str(WORKBOOK),
                        str(TEMPLATE_COLUMNS)], cwd=ROOT, env=env, check=True)  # fmt: skip
        print(f"wrote {WORKBOOK} ({WORKBOOK.stat().st_size / 2**20:.1f} MB) in "
              f"{time.perf_counter() - began:.0f}s", flush=True)  # fmt: skip


def one_round() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    work = Path(tempfile.mkdtemp(prefix="liiatools-", dir=VAR))
    try:
        (work / "out").mkdir()
        (work / "log").mkdir()
        out["liiatools"] = measure([str(LIIATOOLS_PY), "-m", "liiatools", "annex-a", "cleanfile",
                                    "--i", str(WORKBOOK), "--la_code", "bar",
                                    "--la_log_dir", str(work / "log"), "--o", str(work / "out")])  # fmt: skip
        cleaned = sorted(p.name for p in (work / "out").iterdir())
        if not cleaned:
            raise SystemExit("liiatools wrote no cleaned file: the comparison would be void")
        out["liiatools"]["files"] = len(cleaned)  # type: ignore[assignment]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _fresh(DB, TEMPLATE)
    command = [PY, "manage.py", "import_case_data", str(WORKBOOK), "--skip-checks"]
    out["qaf_import"] = measure(command, _env(DB))
    out["qaf_reimport"] = measure(command, _env(DB))
    out["calamine_read"] = measure([PY, "-c", RAW_READ, str(WORKBOOK)])
    return out


def main() -> None:
    prepare()
    rounds = []
    for _ in range(REPEATS):
        result = one_round()
        rounds.append(result)
        print(json.dumps({k: {m: v for m, v in r.items() if m != "output"}
                          for k, r in result.items()}), flush=True)  # fmt: skip
    print("\nLast QAF import:\n" + rounds[-1]["qaf_import"]["output"])
    print("Last QAF re-import:\n" + rounds[-1]["qaf_reimport"]["output"])
    med = {
        step: {m: statistics.median(r[step][m] for r in rounds) for m in ("seconds", "peak_mb")}
        for step in rounds[0]
    }
    print(f"\nworkbook: {WORKBOOK.name}, {ROWS:,} rows, {WORKBOOK.stat().st_size / 2**20:.1f} MB; "
          f"median of {REPEATS}\n")  # fmt: skip
    print("| step | wall s | peak RSS MB |")
    print("|---|---|---|")
    for step, m in med.items():
        print(f"| {step} | {m['seconds']:.2f} | {m['peak_mb']:.0f} |")
    li, ours = med["liiatools"], med["qaf_import"]
    print(f"\nliiatools time / QAF import time: {li['seconds'] / ours['seconds']:.1f}x "
          f"(target 50x)")  # fmt: skip
    print(f"liiatools peak RSS / QAF import peak RSS: {li['peak_mb'] / ours['peak_mb']:.2f}x "
          f"(target > 1)")  # fmt: skip
    print(f"QAF import time / calamine raw read: "
          f"{ours['seconds'] / med['calamine_read']['seconds']:.1f}x")  # fmt: skip
    print(f"liiatools time / QAF re-import time: "
          f"{li['seconds'] / med['qaf_reimport']['seconds']:.1f}x")  # fmt: skip
    (VAR / "import-results.json").write_text(json.dumps({"rounds": rounds, "median": med},
                                                        indent=1, default=str))  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) > 1:
        raise SystemExit(__doc__)
    main()
