"""Audit tools: rendering and saving a section of the largest shipped tool, against a bare view.

    make bench-tools            (or: .venv/bin/python benchmarks/bench_tools.py)

For each database (SQLite at var/bench/tools-county.sqlite3; PostgreSQL qaf_bench_tools on
127.0.0.1, skipped with BENCH_PG=0) it builds the county demo once (`migrate`, then
`seed_demo --scale county --seed 7` with QAF_DEMO_MODE=1; BENCH_RESEED=1 rebuilds it), then, in a
child process (so DATABASE_URL applies cleanly), times in-process with django.test.Client signed
in as the demo QA officer (second factor bypassed by QAF_DEMO_SKIP_SECOND_FACTOR=True, DEBUG
off), after WARMUP untimed requests, REPEATS requests each of:

  - bare:    GET of a view that only renders templates/base.html (added here through a custom
             URLconf, not in the app): the framework's own floor, through the same middleware;
  - section: GET of the largest section (most questions) of the largest shipped tool, on a form
             about a child of the county demo (its case facts shown beside the questions, and
             the read written to the access log, as for a real audit);
  - save:    POST of that whole section, every visible question answered validly and the
             section graded ("Save and continue": validated, saved, marked completed, 302).

It prints the median and 95th percentile in ms and the ratios section/bare and save/bare, and
fails (exit 1) if a median is over the 50 ms target.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
SQLITE_URL = f"sqlite:///{ROOT / 'var' / 'bench' / 'tools-county.sqlite3'}"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/qaf_bench_tools")
REPEATS = int(os.environ.get("BENCH_REPEATS", "200"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "20"))
TARGET_MS = 50.0
PASSWORD = "bench-only-password-2026"


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "0",
        "QAF_DEMO_MODE": "1",
        "QAF_DEMO_PASSWORD": PASSWORD,
    }


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def _prepare(url: str) -> None:
    """The county demo, built once per database (BENCH_RESEED=1 rebuilds it)."""
    env = _env(url)
    reseed = os.environ.get("BENCH_RESEED") == "1"
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        marker = path.with_suffix(".seeded")
        if marker.exists() and path.exists() and not reseed:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        base, _, name = url.rpartition("/")
        marker = ROOT / "var" / "bench" / f"{name}.seeded"
        exists = subprocess.run(
            ["psql", f"{base}/postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
            capture_output=True, text=True, check=True,
        ).stdout.strip() == "1"  # fmt: skip
        if exists and marker.exists() and not reseed:
            return
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"],
                       check=True)  # fmt: skip
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    marker.unlink(missing_ok=True)
    began = time.perf_counter()
    _manage(env, "migrate", "-v0")
    _manage(env, "seed_demo", "--scale", "county", "--seed", "7")
    print(f"  built the county demo in {time.perf_counter() - began:.0f} s", flush=True)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(url)


def _run(url: str) -> dict[str, float | str | int]:
    out = subprocess.run([PY, __file__, "--measure"], cwd=ROOT, env=_env(url), check=True,
                         stdout=subprocess.PIPE, text=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------
# The measuring child process
# --------------------------------------------------------------------------------------------


def _section_data(definition, section, row_version):  # type: ignore[no-untyped-def]
    """POST data answering every question of the section that is shown, validly, and grading
    it with the suggested grade."""
    from qaf.tools.definition import suggest_grade, visible_questions
    from qaf.tools.forms import GRADE_FIELD, ROW_VERSION_FIELD

    answers: dict[str, object] = {}
    for q in section.questions:
        t = q.type
        if t == "scale":
            answers[q.key] = q.points[len(q.points) // 2].value
        elif t in ("single_choice", "grade", "yes_no_na"):
            answers[q.key] = definition.choices(q)[0][0]
        elif t == "multiple_choice":
            answers[q.key] = [v for v, _ in definition.choices(q)[:2]]
        elif t == "date":
            answers[q.key] = "2025-06-02"
        elif t == "number":
            answers[q.key] = 3
        else:
            answers[q.key] = "Seen twice at home; the plan reflects what they said. " * 4
    shown = visible_questions(definition, answers)
    data: dict[str, object] = {ROW_VERSION_FIELD: str(row_version), "action": "continue"}
    for key, value in answers.items():
        if key not in shown:
            continue
        if definition.question(key).type == "date":
            y, m, d = str(value).split("-")
            data.update({f"{key}_day": d, f"{key}_month": m, f"{key}_year": y})
        else:
            data[key] = value if isinstance(value, list) else str(value)
    if section.graded:
        data[GRADE_FIELD] = suggest_grade(
            definition, section.key, {k: v for k, v in answers.items() if k in shown}
        )
    return data


def _measure() -> None:
    import statistics
    import types

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.shortcuts import render
    from django.test import Client
    from django.urls import include, path

    from qaf.accounts.models import User
    from qaf.cases.models import CaseEvent, Child
    from qaf.tools.definition import library_index
    from qaf.tools.models import FormResponse, ToolVersion, VersionStatus
    from qaf.tools.services import form_response_start

    settings.QAF_DEMO_SKIP_SECOND_FACTOR = True
    settings.ALLOWED_HOSTS = ["*"]

    def bare(request):  # type: ignore[no-untyped-def]
        return render(request, "base.html")

    urls = types.ModuleType("bench_tools_urls")
    urls.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/bare/", bare),
        path("", include(settings.ROOT_URLCONF)),
    ]
    sys.modules["bench_tools_urls"] = urls
    settings.ROOT_URLCONF = "bench_tools_urls"

    # The largest shipped tool (most questions), its largest section.
    published = ToolVersion.objects.select_related("tool").filter(status=VersionStatus.PUBLISHED)
    shipped = {key for key, _ in library_index()}
    tv = max(
        (v for v in published if v.tool.key in shipped),
        key=lambda v: sum(1 for _ in v.definition.questions()),
    )
    definition = tv.definition
    section = max(definition.sections, key=lambda s: len(s.questions))

    user = User.objects.get(username="demo-qa-officer")
    # A child of the county demo with a full record: an open, allocated involvement, the most
    # case events (the county demo has none: then the most involvements).
    candidates = Child.objects.filter(
        involvements__end_date__isnull=True, involvements__allocated_worker__isnull=False
    )
    child_id = (
        candidates.annotate(event_count=Count("events", distinct=True),
                            involvement_count=Count("involvements", distinct=True))
        .order_by("-event_count", "-involvement_count", "pk").values_list("pk", flat=True).first()
    )  # fmt: skip
    child = Child.objects.get(pk=child_id)
    FormResponse.objects.filter(author=user, purpose="benchmark").delete()
    response = form_response_start(tool_version=tv, author=user, child=child, purpose="benchmark")

    client = Client()
    client.force_login(user)
    section_url = f"/forms/{response.pk}/sections/{section.key}/"
    bare_url = "/bench/bare/"

    first = client.get(section_url)
    assert first.status_code == 200, first.status_code
    assert client.get(bare_url).status_code == 200

    row_version = response.row_version

    def get_section() -> None:
        r = client.get(section_url)
        assert r.status_code == 200, r.status_code

    def get_bare() -> None:
        r = client.get(bare_url)
        assert r.status_code == 200, r.status_code

    def save() -> None:
        nonlocal row_version
        r = client.post(section_url, _section_data(definition, section, row_version))
        assert r.status_code == 302, (r.status_code, r.content.decode()[:2000])
        row_version += 1

    def timed(fn) -> list[float]:  # type: ignore[no-untyped-def]
        for _ in range(WARMUP):
            fn()
        samples = []
        for _ in range(REPEATS):
            began = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - began) * 1000)
        return samples

    def queries(fn) -> int:  # type: ignore[no-untyped-def]
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            fn()
        return len(ctx.captured_queries)

    results: dict[str, float | str | int] = {
        "database": connection.vendor,
        "tool": f"{tv.tool.key} v{tv.version}",
        "section": f"{section.key} ({len(section.questions)} questions)",
        "children": Child.objects.count(),
        "case_events": CaseEvent.objects.count(),
    }
    for name, fn in (("bare", get_bare), ("section", get_section), ("save", save)):
        samples = timed(fn)
        results[f"{name}_median"] = statistics.median(samples)
        results[f"{name}_p95"] = statistics.quantiles(samples, n=20)[18]
        results[f"{name}_queries"] = queries(fn)
    saved = FormResponse.objects.get(pk=response.pk)
    assert saved.row_version == row_version, "every save was counted"
    assert saved.section_status.get(section.key) == "completed"
    FormResponse.objects.filter(pk=response.pk).delete()
    print(json.dumps(results))


def main() -> int:
    targets = [("SQLite", SQLITE_URL)]
    if os.environ.get("BENCH_PG", "1") != "0":
        targets.append(("PostgreSQL", PG_URL))
    missed = False
    for label, url in targets:
        print(f"{label}: preparing the county demo ({url})", flush=True)
        _prepare(url)
        r = _run(url)
        print(f"{label}: {r['tool']}, section {r['section']}; "
              f"{r['children']} children, {r['case_events']} case events")  # fmt: skip
        print(f"  {'request':<38} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'x bare':>7}")
        for name, text in (
            ("bare", "bare view rendering base.html (GET)"),
            ("section", "section page (GET)"),
            ("save", "save the whole section (POST)"),
        ):
            ratio = float(r[f"{name}_median"]) / float(r["bare_median"])
            print(f"  {text:<38} {r[f'{name}_median']:>10.1f} {r[f'{name}_p95']:>8.1f} "
                  f"{r[f'{name}_queries']:>8} {ratio:>7.1f}")  # fmt: skip
        for name in ("section", "save"):
            if float(r[f"{name}_median"]) > TARGET_MS:
                missed = True
                print(f"  MISSED: {name} median over {TARGET_MS:.0f} ms")
        print(f"  (median and p95 of {REPEATS} requests after {WARMUP} warm-up requests)")
    return 1 if missed else 0


if __name__ == "__main__":
    if "--measure" in sys.argv:
        _measure()
    else:
        sys.exit(main())
