"""qaf import_staff PATH [--dry-run]: the same summary or problems, non-zero exit on refusal."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qaf.organisation.models import ImportOutcome, ImportRun, Staff
from qaf.organisation.tests.importing import csv_bytes, row

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_staff", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_the_summary(tmp_path: Path):
    path = tmp_path / "hr.csv"
    path.write_bytes(csv_bytes([row(staff_id="E1"), row(staff_id="E2")]))
    out, _ = run(str(path))
    assert "Rows read: 2" in out.splitlines()
    assert "Staff created: 2" in out.splitlines()
    assert "Teams created: 1" in out.splitlines()
    assert Staff.objects.count() == 2
    run_ = ImportRun.objects.get()
    assert (run_.via_command, run_.by, run_.file_name, run_.outcome) == (
        True,
        None,
        "hr.csv",
        ImportOutcome.IMPORTED,
    )


def test_dry_run_saves_nothing(tmp_path: Path):
    path = tmp_path / "hr.csv"
    path.write_bytes(csv_bytes([row()]))
    out, _ = run(str(path), "--dry-run")
    assert out.splitlines()[0] == "Checked without importing: nothing was saved."
    assert "Staff created: 1" in out.splitlines()
    assert Staff.objects.count() == 0


def test_refusal_prints_problems_and_raises(tmp_path: Path):
    path = tmp_path / "hr.csv"
    path.write_bytes(csv_bytes([row(job_role="Wizard")]))
    err = StringIO()
    with pytest.raises(CommandError, match=r"The file has 1 problem\. Nothing was imported\."):
        call_command("import_staff", str(path), stdout=StringIO(), stderr=err)
    assert err.getvalue().startswith("Row 2, column job_role: Wizard is not a job role we know.")
    assert Staff.objects.count() == 0


def test_missing_file_is_a_command_error(tmp_path: Path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "absent.csv"))


ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def process_env(tmp_path_factory):
    """A fresh migrated SQLite database for commands run as real processes."""
    database = tmp_path_factory.mktemp("db") / "qaf.sqlite3"
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], cwd=ROOT, env=env, check=True
    )
    return env


@pytest.mark.parametrize(("rows", "code"), [([row(email="bad")], 1), ([row()], 0)])
def test_exit_codes(tmp_path: Path, rows, code, process_env):
    path = tmp_path / "hr.csv"
    path.write_bytes(csv_bytes(rows))
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "import_staff", str(path)],
        cwd=ROOT,
        env=process_env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == code, done.stderr
    if code:
        assert "Row 2, column email: bad is not a valid email address." in done.stderr
    else:
        assert "Staff created: 1" in done.stdout
