"""Helpers for the HR extract tests: build a CSV file and run the import on it."""

import csv
import io
from typing import Any

from qaf.organisation.services import StaffImportResult, staff_import

HEADER = [
    "staff_id",
    "given_name",
    "family_name",
    "email",
    "job_role",
    "team_code",
    "team_start_date",
    "line_manager_staff_id",
    "team_name",
    "team_kind",
    "service",
    "district",
    "area",
]


def row(**values: str) -> dict[str, str]:
    """A valid row for a new team 'sw-north-1'; override any column."""
    base = {
        "staff_id": "E1001",
        "given_name": "Aled",
        "family_name": "Prosser",
        "email": "aled.prosser@example.invalid",
        "job_role": "Social worker",
        "team_code": "sw-north-1",
        "team_start_date": "01/04/2024",
        "line_manager_staff_id": "",
        "team_name": "North social work team 1",
        "team_kind": "Social work team",
        "service": "Children's social work",
        "district": "Ashby",
        "area": "North",
    }
    base.update(values)
    return base


def csv_bytes(
    rows: list[dict[str, str]], header: list[str] | None = None, bom: bool = False
) -> bytes:
    header = header or HEADER
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(name, "") for name in header])
    data = out.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def run_import(data: bytes, *, dry_run: bool = False, by: Any = None) -> StaffImportResult:
    return staff_import(
        file=io.BytesIO(data), size=len(data), file_name="extract.csv", by=by, dry_run=dry_run
    )
