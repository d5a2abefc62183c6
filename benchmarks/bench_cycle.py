"""Sampling and allocating a county audit cycle, and its progress dashboard.

    make bench-cycle            (or: .venv/bin/python benchmarks/bench_cycle.py [sqlite] [postgres])

For each database (SQLite var/bench/cycle.sqlite3; PostgreSQL qaf_bench_cycle on 127.0.0.1,
override with BENCH_PG_URL) it builds a fresh database (migrate, `seed_demo --scale county`:
20,000 children), then in a child process:
  - makes pools of 530 auditors and 60 moderators from the county's staff;
  - times "sample and allocate": create a cycle (13% of open cases, stratified by service and
    involvement kind: about 2,000 audits), draw the sample, commit (one audit each, history rows)
    and allocate auditors and moderators under the peer rule and capacity, emails included;
  - times the cycle progress page (status counts by team, each pool member's load, the
    unallocated list) for that cycle, rendered through its view;
  - baselines in the same run: a bare Django view rendering the base template, and a plain
    SELECT of the same candidate rows (every open involvement with its team).
Each figure is the median of BENCH_REPEATS (default 5) after one warm-up.
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
PG = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/qaf_bench_cycle")


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, "manage.py", *args, "--skip-checks"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def _prepare(url: str) -> dict[str, str]:
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
    began = time.perf_counter()
    _manage(env, "migrate", "-v0")
    _manage(env, "seed_demo", "--scale", "county")
    env["BENCH_SEED_SECONDS"] = f"{time.perf_counter() - began:.1f}"
    return env


CHILD = r"""
import json, os, statistics, time
import django
django.setup()
from django.conf import settings
settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
from django.db import connection, transaction
from django.db.models import Q
from django.shortcuts import render
from django.test import RequestFactory
from qaf.accounts.models import Role, User
from qaf.audits import services, views
from qaf.audits.models import (Audit, AuditTransition, Cycle, CycleTool, Moderation, PoolKind,
                               PoolMember, SampledCase)
from qaf.cases.models import Child, Involvement
from qaf.common import clock
from qaf.organisation.models import Service, Staff
from qaf.tools.models import ToolVersion, VersionStatus
from qaf.tools.services import tool_library_load

repeats = int(os.environ["BENCH_REPEATS"])
qa = User.objects.filter(role=Role.QA_OFFICER).order_by("pk").first()
factory = RequestFactory()

# Pools: 530 auditors and 60 moderators from staff in teams (a fresh database has none).
PoolMember.objects.all().delete()
staff = list(Staff.objects.filter(is_active=True, memberships__isnull=False).distinct()
             .order_by("pk").values_list("pk", flat=True))
assert len(staff) >= 590, f"only {len(staff)} staff in teams"
PoolMember.objects.bulk_create(
    [PoolMember(kind=PoolKind.AUDITOR, staff_id=s, monthly_capacity=4) for s in staff[:530]]
    + [PoolMember(kind=PoolKind.MODERATOR, staff_id=s, monthly_capacity=40)
       for s in staff[530:590]])
if not ToolVersion.objects.filter(status=VersionStatus.PUBLISHED).exists():
    tool_library_load(by=None)
tool = ToolVersion.objects.filter(status=VersionStatus.PUBLISHED).order_by("pk").first()
RULE = {"percentage": 13, "strata": ["service", "kind"]}  # about 2,000 of 15,500 open cases

def clear():
    with transaction.atomic():
        AuditTransition.objects.all().delete()
        Moderation.objects.all().delete()  # the demo's moderated cycles (PROTECT on the audit)
        Audit.objects.all().delete()
        SampledCase.objects.all().delete()
        Cycle.objects.all().delete()

state = {}

def sample_and_allocate():
    clear_needed = Cycle.objects.exists()
    if clear_needed:
        raise RuntimeError("clear first")
    cycle = services.cycle_create(name="County cycle", template="ten_percent_six_weekly",
                                  start_date=clock.today(), rule=RULE, seed=11, by=qa)
    CycleTool.objects.bulk_create(CycleTool(cycle=cycle, service=s, tool_version=tool)
                                  for s in Service.objects.all())
    services.cycle_draw_sample(cycle=cycle, by=qa)
    cycle.refresh_from_db()
    services.cycle_commit(cycle=cycle, by=qa, expected_version=cycle.row_version)
    state["cycle"] = cycle

def timed_cycle():
    times = []
    for i in range(repeats + 1):
        clear()
        began = time.perf_counter(); sample_and_allocate(); elapsed = time.perf_counter() - began
        if i:
            times.append(elapsed)
    return statistics.median(times)

def median(fn):
    fn()
    times = []
    for _ in range(repeats):
        began = time.perf_counter(); fn(); times.append(time.perf_counter() - began)
    return statistics.median(times)

def bare():
    request = factory.get("/"); request.user = qa
    return render(request, "base.html", {})

def candidates_select():
    today = clock.today()
    return list(Involvement.objects.filter(start_date__lte=today)
                .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
                .values_list("child_id", "pk", "team_id", "team__district_id", "kind").order_by())

def dashboard():
    request = factory.get(f"/audits/cycles/{state['cycle'].pk}/progress/"); request.user = qa
    response = views.cycle_progress(request, pk=state["cycle"].pk)
    assert response.status_code == 200

cycle_s = timed_cycle()
cycle = state["cycle"]
audits = Audit.objects.filter(cycle=cycle)
print(json.dumps({
    "vendor": connection.vendor,
    "children": Child.objects.count(),
    "auditors": PoolMember.objects.filter(kind="auditor").count(),
    "moderators": PoolMember.objects.filter(kind="moderator").count(),
    "audits": audits.count(),
    "with_auditor": audits.filter(auditor__isnull=False).count(),
    "with_moderator": audits.filter(moderator__isnull=False).count(),
    "sample_and_allocate": cycle_s,
    "candidate_select": median(candidates_select),
    "candidates": len(candidates_select()),
    "bare_view": median(bare),
    "dashboard": median(dashboard),
}))
"""


def run(url: str) -> dict[str, object]:
    env = _prepare(url)
    env.update(BENCH_REPEATS=str(REPEATS))
    out = subprocess.run([PY, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"benchmark child failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["seed_seconds"] = float(env["BENCH_SEED_SECONDS"])
    return result


def main() -> None:
    which = sys.argv[1:] or ["sqlite", "postgres"]
    urls = {"sqlite": f"sqlite:///{ROOT}/var/bench/cycle.sqlite3", "postgres": PG}
    rows = []
    for name in which:
        result = run(urls[name])
        rows.append(result)
        print(json.dumps(result), flush=True)
    print()
    print("| db | children | audits | sample+allocate s | candidate SELECT s | ratio | "
          "dashboard s | bare view s | ratio |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['vendor']} | {r['children']:,} | {r['audits']:,} | "
              f"{r['sample_and_allocate']:.3f} | {r['candidate_select']:.4f} | "
              f"{r['sample_and_allocate'] / r['candidate_select']:.0f}x | {r['dashboard']:.4f} | "
              f"{r['bare_view']:.4f} | {r['dashboard'] / r['bare_view']:.1f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
