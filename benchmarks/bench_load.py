"""The audit month under load, a database restart and a killed worker (make bench-load).

    make bench-load        (or: .venv/bin/python benchmarks/bench_load.py)

Everything runs on this machine, over loopback, bounded in time, and is removed at the end:

1. A PostgreSQL instance of its own (initdb and pg_ctl into a temporary data directory, its own
   port; never the shared server on 5432), the demo council (seed_demo --scale small) and, for
   each of BENCH_AUDITORS auditors, a draft of the largest shipped audit tool.
2. gunicorn (WEB_CONCURRENCY sync workers, default 2 x cores + 1) with benchmarks/bench_settings.
3. Locust, headless (benchmarks/locustfile.py), twice at rising rates: a bare signed-in view
   (the framework's floor) and the audit-month mix (auditors opening, autosaving and saving
   sections, moderators on moderation pages, managers on dashboards). For each step: the rate
   achieved, the 95th percentile and the errors. A rate is sustained while p95 <= 300 ms with no
   errors. Reported as requests a second per core and as mix / bare.
4. The mix again at a moderate rate while the database is restarted (pg_ctl restart -m fast):
   every autosave the server acknowledged must be in the form's history exactly once, with its
   token; and requests must succeed again after the restart without restarting gunicorn.
5. The worker killed (SIGKILL) while sending an email (an SMTP server that never answers):
   `qaf sweep_outbox` then sends it again through a working backend, or it is marked failed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
PG_BIN = Path(os.environ.get("BENCH_PG_BIN", "/usr/lib/postgresql/15/bin"))
PASSWORD = "bench-only-password-2026"
AUDITORS = int(os.environ.get("BENCH_AUDITORS", "40"))
STEPS = os.environ.get("BENCH_LOAD_STEPS", "2,4,8,12,16,24,32,48,64")
STEP_SECONDS = int(os.environ.get("BENCH_LOAD_STEP_SECONDS", "20"))
WARM_SECONDS = int(os.environ.get("BENCH_LOAD_WARM_SECONDS", "30"))
P95_LIMIT_MS = 300.0
CORES = os.cpu_count() or 1
WORKERS = int(os.environ.get("WEB_CONCURRENCY", str(2 * CORES + 1)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def as_postgres(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """initdb and the server refuse to run as root: run them as the postgres system user."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *args], check=True, text=True, capture_output=True, **kwargs)  # type: ignore[call-overload]


class OwnPostgres:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="qaf-bench-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        shutil.chown(self.dir, "postgres") if os.geteuid() == 0 else None

    def start(self) -> None:
        as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                     "--auth=trust", "-E", "UTF8"])  # fmt: skip
        self.ctl("start", "-w")
        as_postgres([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                     "-U", "postgres", "qaf_load"])  # fmt: skip

    def ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=100"
        )
        as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                     "-o", options, action, *extra])  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/qaf_load"

    def stop(self) -> None:
        try:
            self.ctl("stop", "-m", "fast", "-w")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def env_for(pg: OwnPostgres) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": pg.url,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{ROOT / 'benchmarks'}:{ROOT}",
        "QAF_DEMO_MODE": "1",
        "QAF_DEMO_PASSWORD": PASSWORD,
        "DJANGO_DEBUG": "0",
    }


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True,
                          capture_output=True).stdout  # fmt: skip


# --------------------------------------------------------------------------------------------
# The plan: accounts and drafts (run in a child process with Django set up)
# --------------------------------------------------------------------------------------------


def prepare_plan() -> None:
    import django

    django.setup()
    from django.test import Client

    from qaf.accounts.models import Role, User
    from qaf.audits.models import Audit, Cycle
    from qaf.cases.models import Child
    from qaf.tools.definition import library_index, visible_questions
    from qaf.tools.models import ToolVersion, VersionStatus
    from qaf.tools.services import form_response_start

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_tools import _section_data

    published = ToolVersion.objects.select_related("tool").filter(status=VersionStatus.PUBLISHED)
    shipped = {key for key, _ in library_index()}
    tv = max((v for v in published if v.tool.key in shipped),
             key=lambda v: sum(1 for _ in v.definition.questions()))  # fmt: skip
    definition = tv.definition
    section = max(definition.sections, key=lambda s: len(s.questions))
    text_questions = [
        q.key for q in section.questions if q.type in ("text", "long_text", "own_words")
    ]
    children = list(Child.objects.order_by("pk")[:AUDITORS])
    auditors = []
    for n in range(AUDITORS):
        user, _ = User.objects.get_or_create(username=f"bench-auditor-{n}",
                                             defaults={"role": Role.TEAM_MANAGER})  # fmt: skip
        user.set_password(PASSWORD)
        user.save()
        response = form_response_start(tool_version=tv, author=user,
                                       child=children[n % len(children)], purpose="benchmark")  # fmt: skip
        save = _section_data(definition, section, response.row_version)
        shown = visible_questions(definition, {})
        token_field = next(
            (k for k in text_questions if k in save or k in shown), text_questions[0]
        )
        autosave = {k: v for k, v in save.items() if k != "action"}
        auditors.append({
            "username": user.username,
            "response_id": response.pk,
            "section_url": f"/forms/{response.pk}/sections/{section.key}/",
            "autosave_url": f"/forms/{response.pk}/sections/{section.key}/autosave/",
            "save": save,
            "autosave": autosave,
            "token_field": token_field,
        })  # fmt: skip

    def reachable(username: str, urls: list[str]) -> list[str]:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))
        session = client.session
        session["qaf_login_at"] = session["qaf_last_seen"] = time.time()  # the sign-in clocks
        session.save()
        return [u for u in urls if client.get(u).status_code == 200]

    moderation_urls = [
        f"/audits/{pk}/moderate/" for pk in Audit.objects.values_list("pk", flat=True)[:40]
    ]
    moderation_urls += [f"/audits/{pk}/" for pk in Audit.objects.values_list("pk", flat=True)[:20]]
    moderators = [
        {"username": "demo-qa-officer", "urls": reachable("demo-qa-officer", moderation_urls)[:20]}
    ]
    cycle = Cycle.objects.order_by("-pk").first()
    dashboards = ["/", "/escalations/dashboard/", "/audits/agreement/"]
    if cycle is not None:
        dashboards.append(f"/audits/cycles/{cycle.pk}/progress/")
    managers = [
        {"username": name, "urls": reachable(name, dashboards)}
        for name in ("demo-qa-officer", "demo-service-manager", "demo-assistant-director")
    ]
    managers = [m for m in managers if m["urls"]]
    plan = {"password": PASSWORD, "auditors": auditors, "moderators": moderators,
            "managers": managers}  # fmt: skip
    Path(os.environ["BENCH_LOAD_PLAN"]).write_text(json.dumps(plan))
    print(json.dumps({"auditors": len(auditors), "moderation_urls": len(moderators[0]["urls"]),
                      "dashboards": [m["urls"] for m in managers]}))  # fmt: skip


def check_acknowledged() -> None:
    """Every acknowledged autosave is in the form's history exactly once, with its token."""
    import django

    django.setup()
    from qaf.tools.models import FormResponse

    acknowledged = json.loads(Path(os.environ["BENCH_LOAD_OUT"]).read_text())["acknowledged"]
    History = FormResponse.history.model
    missing = duplicated = 0
    for ack in acknowledged:
        rows = History.objects.filter(id=ack["response"], row_version=ack["version"])
        with_token = [r for r in rows if ack["token"] in json.dumps(r.answers)]
        if len(with_token) == 0:
            missing += 1
        elif len(with_token) > 1 or rows.count() > 1:
            duplicated += 1
    print(json.dumps({"acknowledged": len(acknowledged), "missing": missing,
                      "duplicated": duplicated}))  # fmt: skip


# --------------------------------------------------------------------------------------------
# Running and reading Locust
# --------------------------------------------------------------------------------------------


def run_locust(env: dict[str, str], host: str, target: str, steps: str, out: Path,
               step_seconds: int = STEP_SECONDS, during=None) -> dict:  # type: ignore[no-untyped-def]  # fmt: skip
    run_env = {**env, "BENCH_LOAD_TARGET": target, "BENCH_LOAD_STEPS": steps,
               "BENCH_LOAD_STEP_SECONDS": str(step_seconds), "BENCH_LOAD_OUT": str(out)}  # fmt: skip
    total = WARM_SECONDS + step_seconds * len(steps.split(",")) + 300  # signing in: up to 210 s
    process = subprocess.Popen(
        [str(BIN / "locust"), "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
         "--host", host, "--only-summary", "--loglevel", "ERROR"],
        cwd=ROOT, env=run_env, stdout=subprocess.DEVNULL,
        stderr=open(out.with_suffix(".log"), "w"),  # noqa: SIM115
    )  # fmt: skip
    try:
        if during is not None:
            during()
        process.wait(timeout=total)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if not out.exists():
        raise RuntimeError(
            "Locust wrote no results: " + out.with_suffix(".log").read_text()[-3000:]
        )
    return json.loads(out.read_text())


def warm_up(host: str) -> None:
    """Every gunicorn worker answers once before anything is timed (the first request of a
    worker imports templates and checks the database)."""
    import urllib.request

    deadline = time.time() + 120
    fast = 0
    while fast < 3 * WORKERS and time.time() < deadline:
        began = time.time()
        try:
            with urllib.request.urlopen(f"{host}/accounts/sign-in/", timeout=30) as answer:
                answer.read()
            fast = fast + 1 if time.time() - began < 0.5 else 0
        except OSError:
            time.sleep(0.5)


def per_step(result: dict, steps: str, step_seconds: int) -> list[dict]:
    rows = []
    began = result["steps_began"] or 0.0
    for index, rate in enumerate(int(s) for s in steps.split(",")):
        start = began + index * step_seconds + 3  # 3 s for the pace to settle
        end = began + (index + 1) * step_seconds
        window = [r for r in result["records"] if start <= r[0] < end and "sign" not in r[1]]
        if not window:
            continue
        times = sorted(r[2] for r in window)
        rows.append({
            "target_rps": rate,
            "rps": round(len(window) / (end - start), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "median_ms": round(statistics.median(times), 1),
            "errors": sum(1 for r in window if r[3]),
        })  # fmt: skip
    return rows


def peak(rows: list[dict]) -> dict | None:
    """The step with the most requests a second served without errors (the saturation rate,
    whatever the latency): a second measure when no step meets the latency limit."""
    clean = [row for row in rows if not row["errors"]]
    return max(clean, key=lambda row: row["rps"]) if clean else None


def sustained(rows: list[dict]) -> dict | None:
    best = None
    for row in rows:
        if row["p95_ms"] > P95_LIMIT_MS or row["errors"]:
            break
        best = row
    return best


# --------------------------------------------------------------------------------------------
# The worker killed mid-job
# --------------------------------------------------------------------------------------------


def worker_killed_mid_job(env: dict[str, str], work: Path) -> dict:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts, never answers: the SMTP conversation hangs
    silent.settimeout(120)
    hang = {**env, "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(silent.getsockname()[1]),
            "EMAIL_TIMEOUT": "0"}  # no timeout: the job hangs until it is killed  # fmt: skip
    code = ("import django; django.setup()\n"
            "from django.db import transaction\n"
            "from qaf.common.notifications import notification_send\n"
            "with transaction.atomic():\n"
            "    notification_send(to=['bench@example.invalid'], subject='Bench', body='Kill me')\n")  # fmt: skip
    subprocess.run([PY, "-c", code], cwd=ROOT, env=env, check=True)
    worker = subprocess.Popen([PY, "manage.py", "db_worker", "--no-reload", "-v", "0"], cwd=ROOT,
                              env=hang, start_new_session=True)  # fmt: skip
    connection, _ = silent.accept()  # the worker is now inside the job
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    connection.close()
    silent.close()
    outbox = Path(work / "mail")
    outbox.mkdir()
    working = {**env, "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
               "BENCH_EMAIL_FILE_PATH": str(outbox), "QAF_OUTBOX_RETRY_AFTER_SECONDS": "0"}  # fmt: skip
    swept = manage(working, "sweep_outbox").strip()
    subprocess.run([PY, "manage.py", "db_worker", "--no-reload", "--batch", "-v", "0"], cwd=ROOT,
                   env=working, check=True, timeout=120)  # fmt: skip
    delivered = sum(1 for f in outbox.iterdir() if "Kill me" in f.read_text())
    left = subprocess.run([PY, "-c", "import django; django.setup()\n"
                           "from qaf.common.models import OutgoingEmail\n"
                           "print(OutgoingEmail.objects.count())"],
                          cwd=ROOT, env=working, check=True, capture_output=True, text=True).stdout  # fmt: skip
    return {"sweep": swept, "delivered_after_retry": delivered, "outbox_left": left.strip()}


# --------------------------------------------------------------------------------------------


def worker_only() -> int:
    """Only the killed-worker phase, on a fresh database of its own (no load, no demo)."""
    work = Path(tempfile.mkdtemp(prefix="qaf-bench-load-"))
    pg = OwnPostgres()
    try:
        pg.start()
        env = env_for(pg)
        manage(env, "migrate", "-v", "0")
        result = worker_killed_mid_job(env, work)
    finally:
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result))
    return 0 if result["delivered_after_retry"] == 1 else 1


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--plan":
        prepare_plan()
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        check_acknowledged()
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--worker-only":
        return worker_only()
    work = Path(tempfile.mkdtemp(prefix="qaf-bench-load-"))
    pg = OwnPostgres()
    gunicorn = None
    results: dict = {"cores": CORES, "gunicorn_workers": WORKERS}
    try:
        began = time.time()
        pg.start()
        env = {**env_for(pg), "BENCH_LOAD_PLAN": str(work / "plan.json")}
        manage(env, "migrate", "-v", "0")
        manage(env, "seed_demo", "--scale", "small")
        results["plan"] = json.loads(subprocess.run([PY, __file__, "--plan"], cwd=ROOT, env=env,
                                     check=True, capture_output=True, text=True).stdout.splitlines()[-1])  # fmt: skip
        print(
            f"database, demo and plan ready in {time.time() - began:.0f} s: {results['plan']}",
            flush=True,
        )
        port = free_port()
        host = f"http://127.0.0.1:{port}"
        gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "config" / "gunicorn.conf.py"), "--bind",
             f"127.0.0.1:{port}", "--workers", str(WORKERS), "--access-logfile", "/dev/null",
             "--preload"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(work / "gunicorn.log", "w"),  # noqa: SIM115
        )  # fmt: skip
        warm_up(host)
        for target in ("bare", "mix"):
            out = work / f"{target}.json"
            rows = per_step(run_locust(env, host, target, STEPS, out), STEPS, STEP_SECONDS)
            results[target] = {"steps": rows, "sustained": sustained(rows), "peak": peak(rows)}
            print(target, json.dumps(results[target]), flush=True)
        for measure in ("sustained", "peak"):
            bare, mix = results["bare"][measure], results["mix"][measure]
            if bare and mix:
                results[measure] = {
                    "mix_per_core": round(mix["rps"] / CORES, 1),
                    "bare_per_core": round(bare["rps"] / CORES, 1),
                    "mix_over_bare": round(mix["rps"] / bare["rps"], 2),
                }

        # The database restarted in the middle of the mix.
        mix_rows = results["mix"]["sustained"] or results["mix"]["peak"] or {"rps": 10}
        moderate_rate = str(max(3, int(mix_rows["rps"] * 0.5)))
        out = work / "restart.json"
        restart_at = {}

        def restart() -> None:
            # The people sign in first (a few seconds each under load), then 20 s of saves.
            time.sleep(WARM_SECONDS + 60)
            restart_at["t"] = time.time()
            pg.ctl("restart", "-m", "fast", "-w")
            restart_at["back"] = time.time()

        started = time.time()
        result = run_locust(env, host, "mix", ",".join([moderate_rate] * 6), out,
                            step_seconds=20, during=restart)  # fmt: skip
        down_from = restart_at["t"] - started
        back_at = restart_at["back"] - started
        # The locust file's clock starts when its process does, about when `started` was taken.
        after = [r for r in result["records"] if r[0] > back_at + 2]
        results["restart"] = {
            "rate": int(moderate_rate),
            "database_down_s": round(back_at - down_from, 1),
            "errors_before": sum(1 for r in result["records"] if r[3] and r[0] < down_from),
            "errors_during": sum(1 for r in result["records"] if r[3] and down_from <= r[0] <= back_at + 2),
            "errors_after": sum(1 for r in after if r[3]),
            "requests_after": len(after),
            **json.loads(subprocess.run([PY, __file__, "--check"], cwd=ROOT,
                                        env={**env, "BENCH_LOAD_OUT": str(out)}, check=True,
                                        capture_output=True, text=True).stdout.splitlines()[-1]),
        }  # fmt: skip
        print("restart", json.dumps(results["restart"]), flush=True)
        gunicorn.terminate()
        gunicorn.wait(timeout=60)
        gunicorn = None
        results["worker_kill"] = worker_killed_mid_job(env, work)
        print("worker", json.dumps(results["worker_kill"]), flush=True)
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=60)
        pg.stop()
        if os.environ.get("BENCH_KEEP_WORK") != "1":
            shutil.rmtree(work, ignore_errors=True)
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var" / "bench-load.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    restart = results["restart"]
    healthy = (restart["missing"] == 0 and restart["duplicated"] == 0
               and restart["errors_after"] == 0 and results["worker_kill"]["delivered_after_retry"] == 1)  # fmt: skip
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
