"""Mutation testing (`make mutants`): mutmut over the modules that hold the rules, each with the
tests that pin them, in a throwaway copy of the tree (mutmut rewrites files in place).

Prints the mutation score per module and every surviving mutant as a diff. docs/testing.md,
"Mutation testing", lists the survivors left and why each one survives.

    .venv/bin/python tests/mutants.py                       # every module in MODULES
    .venv/bin/python tests/mutants.py qaf/common/workflow.py
    MUTANTS_MINUTES=10 .venv/bin/python tests/mutants.py    # the time bound (15 by default)

To add a module (each app's workflows.py and permissions.py): one line in MODULES, naming the
module and the tests that pin it. mutmut 3 mutates code inside functions only (module-level
tables such as role sets are pinned by the tests' own specification tables instead), and runs
for each mutant only the listed tests that reach the mutated function.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# module -> the tests that pin it (the fewer and faster, the quicker the run).
MODULES: dict[str, list[str]] = {
    "qaf/common/workflow.py": ["qaf/common/tests/test_workflow.py"],
    "qaf/common/permissions.py": ["qaf/common/tests/test_permission_gates.py"],
    "qaf/accounts/permissions.py": ["tests/test_role_predicates.py"],
    "qaf/calendar/working_days.py": ["qaf/calendar/tests/test_calendar.py"],
}

# What the copy needs to run the tests: the code, settings, templates and test support.
COPIED = ["qaf", "config", "templates", "tests", "conftest.py", "pyproject.toml", "manage.py"]
MINUTES = float(os.environ.get("MUTANTS_MINUTES", "15"))


def _mutmut(workdir: Path, *args: str, timeout: float | None = None) -> str:
    """Run mutmut in its own process group, so a time-out stops its workers too."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mutmut", *args],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate()
        raise
    return output


def _config(modules: dict[str, list[str]]) -> str:
    """mutmut's configuration for the copy: mutate these modules, run these tests (mutmut then
    runs, for each mutant, only the tests that reached the mutated function)."""
    tests = sorted({t for ts in modules.values() for t in ts})
    lines = ["[mutmut]", "source_paths=qaf/", "only_mutate="]
    lines += [f"    {m}" for m in modules]
    lines += ["also_copy="] + [f"    {name}" for name in COPIED if name != "qaf"]
    lines += ["pytest_add_cli_args=-p no:cacheprovider -q -x"]
    lines += ["pytest_add_cli_args_test_selection="] + [f"    {t}" for t in tests]
    return "\n".join(lines) + "\n"


def _module_of(mutant: str) -> str:
    """qaf.common.workflow.xǁWorkflowǁcheck__mutmut_3 -> qaf/common/workflow.py"""
    dotted = re.split(r"\.x[_ǁ]", mutant, maxsplit=1)[0]
    return dotted.replace(".", "/") + ".py"


# A timeout counts as killed (the mutant made a test hang, as in an endless loop), as mutmut
# counts it; the tests above use no database, so a busy machine does not time them out.
# "no tests": no test reaches the mutated function, so nothing would notice: a survivor.
KILLED = {"killed", "timeout"}
SURVIVED = {"survived", "suspicious", "no tests"}
COUNTED = KILLED | SURVIVED


def main(argv: list[str]) -> int:
    unknown = set(argv) - set(MODULES)
    if unknown:
        print(f"not in MODULES (tests/mutants.py): {sorted(unknown)}")
        return 2
    chosen = {m: t for m, t in MODULES.items() if not argv or m in argv}
    with tempfile.TemporaryDirectory(prefix="qaf-mutants-") as tmp:
        workdir = Path(tmp)
        for name in COPIED:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(
                    source, workdir / name, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                shutil.copy2(source, workdir / name)
        (workdir / "setup.cfg").write_text(_config(chosen))
        began = time.monotonic()
        try:
            log = _mutmut(workdir, "run", "--max-children", "2", timeout=MINUTES * 60)
        except subprocess.TimeoutExpired:
            log = ""
            print(f"stopped after {MINUTES:g} minutes: the scores count the mutants checked")
        if "Running mutation testing" not in log and log:
            print(log[-3000:])
        statuses: dict[str, dict[str, str]] = {m: {} for m in chosen}
        for line in _mutmut(workdir, "results", "--all", "true").splitlines():
            name, _, status = line.strip().rpartition(": ")
            module = _module_of(name) if name else ""
            if module in statuses:
                statuses[module][name] = status
        print(f"\nMutation score per module ({time.monotonic() - began:.0f} s)")
        for module, found in statuses.items():
            counted = [s for s in found.values() if s in COUNTED]
            killed = sum(s in KILLED for s in counted)
            timeouts = sum(s == "timeout" for s in counted)
            other = len(found) - len(counted)
            share = f"{100 * killed / len(counted):.0f}%" if counted else "no mutants checked"
            notes = [f"{timeouts} by timeout"] if timeouts else []
            notes += [f"{other} not checked: the run stopped"] if other else []
            note = f" ({'; '.join(notes)})" if notes else ""
            print(f"  {module:34} {killed:4}/{len(counted):<4} killed  {share}{note}")
        for module, found in statuses.items():
            survivors = sorted(n for n, s in found.items() if s in SURVIVED)
            if survivors:
                print(f"\nSurviving mutants in {module}:")
                for name in survivors:
                    print(_mutmut(workdir, "show", name).strip() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
