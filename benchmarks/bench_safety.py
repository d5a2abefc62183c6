"""Safety screen: latency of screening one response on one CPU core, start-up and memory,
against the word list alone measured in the same run.

    make bench-safety            (or: .venv/bin/python benchmarks/bench_safety.py)

Each measurement runs in a fresh child process pinned to one CPU core (sched_setaffinity) with
one BLAS thread:

  - start-up: import of the screen, then Screener.load() (hash check of the model files,
    reading the weights, the stored examples); wall and CPU seconds, and the resident memory
    (VmRSS) before and after the load: the model's memory is the difference;
    baseline: the same process with the word list's screen only (no model);
  - latency: REPEATS generated survey answers (1 to 4 sentences, 5 to 60 words, a fifth of them
    disclosures; fixed seed, none from the labelled set) screened one at a time after WARMUP,
    wall and CPU time of each call (thread_time): median and 95th percentile;
    baseline: the same answers through the word list alone (Screener without the model);
  - the worst case: a 5,000-character answer (the survey's limit), with and without full stops.

Wall time is what a person waits on this machine; CPU time is the work of one core, and is the
steadier figure on a shared machine. The script exits 1 if a target is missed: p95 under
100 ms, start-up under 5 s, model memory under 600 MB.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = int(os.environ.get("BENCH_REPEATS", "300"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "20"))
TARGET_P95_MS = 100.0
TARGET_STARTUP_S = 5.0
TARGET_MEMORY_MB = 600.0

OPENINGS = [
    "The group is good", "My worker is kind", "I like my new school", "The meetings are long",
    "Contact with my dad was ok", "I want more trips", "The food at the home is nice",
    "My foster carers are fun", "I don't like the taxi", "School is hard this year",
]  # fmt: skip
MIDDLES = [
    "we went bowling and i won", "nobody rang me back last week", "my sister started nursery",
    "i have a lot of homework and exams soon", "the staff listen to me most of the time",
    "i would like to see my nan more often", "the youth club should open on sundays",
    "i got a certificate for my reading", "my room is small but cosy", "i miss my old friends",
]  # fmt: skip
DISCLOSURES = [
    "my mums boyfriend hits me when shes at work", "i dont want to go home tonight",
    "someone online keeps asking for pics of me", "i have been hurting myself again",
    "theres no food at home most days", "older lads make me carry stuff for them",
]  # fmt: skip


def answers(n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        sentences = [rng.choice(OPENINGS)]
        sentences += [rng.choice(MIDDLES) for _ in range(rng.randint(0, 3))]
        if rng.random() < 0.2:
            sentences.insert(rng.randint(0, len(sentences)), rng.choice(DISCLOSURES))
        out.append(". ".join(s[0].upper() + s[1:] for s in sentences) + ".")
    return out


def long_answer(full_stops: bool) -> str:
    words = " ".join(answers(200, seed=3)).replace(".", "" if not full_stops else ".")
    return words[:5000]


CHILD = r"""
import json, os, resource, sys, time
os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
t0, c0 = time.perf_counter(), time.process_time()
from qaf.text.safety import Screener
imported_rss = rss_mb()
import_s = time.perf_counter() - t0
mode, texts, warmup = sys.argv[1], json.loads(sys.stdin.read()), int(sys.argv[2])
if mode == "model":
    screener = Screener.load()
    assert screener.embedder is not None, screener.status.description
else:
    screener = Screener(unavailable_reason="baseline: the word list alone")
ready_s, ready_cpu = time.perf_counter() - t0, time.process_time() - c0
loaded_rss = rss_mb()
for t in texts[:warmup]:
    screener.screen(t)
wall, cpu = [], []
for t in texts[warmup:]:
    w, c = time.perf_counter(), time.thread_time()
    screener.screen(t)
    cpu.append(time.thread_time() - c)
    wall.append(time.perf_counter() - w)
print(json.dumps({"import_s": import_s, "ready_s": ready_s, "ready_cpu": ready_cpu,
    "imported_rss": imported_rss, "loaded_rss": loaded_rss,
    "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "wall": wall, "cpu": cpu}))
"""


def run(mode: str, texts: list[str], warmup: int) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(warmup)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    return json.loads(done.stdout)


def pct(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000
        if len(values) > 1
        else values[0] * 1000
    )


def main() -> int:
    texts = answers(REPEATS + WARMUP)
    words = [len(t.split()) for t in texts]
    print(
        f"{REPEATS} answers of {min(words)}-{max(words)} words (median {statistics.median(words):.0f}), one core, one BLAS thread"
    )
    model, base = run("model", texts, WARMUP), run("list", texts, WARMUP)
    rows = []
    for name, r in (("model + word list", model), ("word list alone (baseline)", base)):
        rows.append(
            f"| {name} | {pct(r['wall'], 50):.1f} | {pct(r['wall'], 95):.1f} | "
            f"{pct(r['cpu'], 50):.1f} | {pct(r['cpu'], 95):.1f} | {r['ready_s']:.2f} | "
            f"{r['ready_cpu']:.2f} | {r['loaded_rss']:.0f} | {r['peak_rss']:.0f} |"
        )
    print(
        "| screen | wall p50 ms | wall p95 ms | CPU p50 ms | CPU p95 ms | start-up s | start-up CPU s | RSS after load MB | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    model_mb = model["loaded_rss"] - model["imported_rss"]
    p95_ratio = pct(model["cpu"], 95) / max(pct(base["cpu"], 95), 1e-6)
    print(
        f"\nModel memory (RSS after load - RSS after import): {model_mb:.0f} MB; "
        f"process RSS vs baseline: {model['loaded_rss'] / base['loaded_rss']:.1f}x"
    )
    print(
        f"CPU p95 model / list alone: {p95_ratio:.0f}x; start-up model / list alone: {model['ready_s'] / base['ready_s']:.1f}x"
    )
    for full_stops in (True, False):
        long = long_answer(full_stops)
        worst = run("model", [long] * 4, 1)
        label = "with full stops" if full_stops else "without full stops"
        print(
            f"5,000-character answer {label}: wall {statistics.median(worst['wall']):.2f} s, CPU {statistics.median(worst['cpu']):.2f} s (median of 3)"
        )

    missed = []
    if pct(model["wall"], 95) >= TARGET_P95_MS:
        missed.append(f"wall p95 {pct(model['wall'], 95):.0f} ms >= {TARGET_P95_MS:.0f} ms")
    if model["ready_s"] >= TARGET_STARTUP_S:
        missed.append(f"start-up {model['ready_s']:.1f} s >= {TARGET_STARTUP_S:.0f} s")
    if model_mb >= TARGET_MEMORY_MB:
        missed.append(f"model memory {model_mb:.0f} MB >= {TARGET_MEMORY_MB:.0f} MB")
    print("\nTargets: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
