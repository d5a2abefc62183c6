"""The KPI scorecard at county and national scale, on SQLite and PostgreSQL.

    make bench-scorecard            (or: .venv/bin/python benchmarks/bench_scorecard.py)

For each database (SQLite under var/bench/, PostgreSQL qaf_bench on 127.0.0.1) and scale, it
builds a fresh database (migrate, a demo organisation, `seed_case_data`), then times in-process
with Django's RequestFactory, median of REPEATS:
  - baseline A: a bare Django view rendering the base template;
  - baseline B: a plain COUNT over the referrals;
  - the KPIs alone on one connection (every KPI, period + 12-month trend, director scope);
  - the whole scorecard page, warm (charts already rendered once in this process), with its
    KPIs on QAF_KPI_WORKERS connections at once (default 4; BENCH_WORKERS overrides).
Figures are printed as seconds and as ratios to the baselines measured in the same run.
Each database/scale runs in a child process so settings (DATABASE_URL) apply cleanly.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
TODAY = "2025-09-30"
PG = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/qaf_bench")


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, "manage.py", *args, "--skip-checks"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def _prepare(url: str, scale: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.local",
           "QAF_DEMO_PASSWORD": "bench-only-password-2026"}  # fmt: skip
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        base, _, name = url.rpartition("/")
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"],
                       check=True)  # fmt: skip
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    _manage(env, "migrate", "-v0")
    _manage(env, "seed_demo", "--scale", "small")
    began = time.perf_counter()
    _manage(env, "seed_case_data", "--scale", scale, "--seed", "1", "--today", TODAY)
    env["BENCH_SEED_SECONDS"] = f"{time.perf_counter() - began:.1f}"
    if not url.startswith("sqlite"):
        # What autovacuum does after a bulk load, done now so every run starts alike: the
        # visibility map lets the index-only look-ups skip the table.
        subprocess.run(["psql", url, "-qc", "VACUUM ANALYZE"], check=True)
    return env


CHILD = r"""
import json, os, statistics, time, datetime as dt
import django
django.setup()
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.test import RequestFactory
from qaf.accounts.models import Role, User
from qaf.cases.models import CaseEvent
from qaf.cases.synthetic import CHILD_POPULATION_PER_COUNCIL
from qaf.performance import views
from qaf.performance.kpis import kpi_list
from qaf.performance.selectors import scorecard_input, trend_windows

councils = int(os.environ["BENCH_COUNCILS"])
settings.QAF_CHILD_POPULATION = councils * CHILD_POPULATION_PER_COUNCIL
repeats = int(os.environ["BENCH_REPEATS"])
user = User.objects.filter(role__in=[Role.DIRECTOR, Role.QA_OFFICER]).order_by("role").first()
factory = RequestFactory()
end = dt.date.fromisoformat(os.environ["BENCH_TODAY"])
start = end.replace(day=1, year=end.year - 1)

def median(fn):
    fn()
    times = []
    for _ in range(repeats):
        began = time.perf_counter(); fn(); times.append(time.perf_counter() - began)
    return statistics.median(times)

def bare():
    request = factory.get("/"); request.user = user
    return render(request, "base.html", {})

def count():
    return CaseEvent.objects.filter(kind="referral").count()

def kpis_only():
    windows = ((start, end), *trend_windows(end=end))
    inp, _ = scorecard_input(user=user, choice="", windows=windows)
    for kpi in kpi_list():
        kpi.compute(inp)

if os.environ.get("BENCH_WORKERS"):
    settings.QAF_KPI_WORKERS = int(os.environ["BENCH_WORKERS"])

def page():
    request = factory.get("/performance/", {"to": end.isoformat()}); request.user = user
    response = views.scorecard(request)
    assert response.status_code == 200

print(json.dumps({
    "vendor": connection.vendor,
    "events": CaseEvent.objects.count(),
    "referrals": count(),
    "bare_view": median(bare),
    "count_referrals": median(count),
    "kpis": median(kpis_only),
    "page_warm": median(page),
    "workers": settings.QAF_KPI_WORKERS,
}))
"""


def run(url: str, scale: str) -> dict[str, object]:
    env = _prepare(url, scale)
    env.update(BENCH_COUNCILS="153" if scale == "national" else "1",
               BENCH_REPEATS=str(REPEATS), BENCH_TODAY=TODAY)  # fmt: skip
    out = subprocess.run([PY, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"benchmark child failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["scale"], result["seed_seconds"] = scale, float(env["BENCH_SEED_SECONDS"])
    return result


def main() -> None:
    scales = sys.argv[1:] or ["county", "national"]
    rows = []
    for scale in scales:
        # National scale is a PostgreSQL measure: nobody runs 153 councils on SQLite.
        sqlite = f"sqlite:///{ROOT}/var/bench/scorecard-{scale}.sqlite3"
        for url in (PG,) if scale == "national" else (sqlite, PG):
            result = run(url, scale)
            rows.append(result)
            print(json.dumps(result), flush=True)
    print()
    print("| scale | db | events | seed s | bare view s | COUNT s | KPIs, 1 connection s | "
          "page s (workers) | page / bare view | page / COUNT |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['scale']} | {r['vendor']} | {r['events']:,} | {r['seed_seconds']} | "
              f"{r['bare_view']:.4f} | {r['count_referrals']:.4f} | {r['kpis']:.3f} | "
              f"{r['page_warm']:.3f} ({r['workers']}) | {r['page_warm'] / r['bare_view']:.0f}x | "
              f"{r['page_warm'] / r['count_referrals']:.0f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
