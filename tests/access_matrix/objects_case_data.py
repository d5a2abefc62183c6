"""Object kinds for case data imports: the import history holds no child-level data."""

from typing import Any

from qaf.cases.models import ImportStatus
from qaf.cases.services import case_import_create


def case_import(council: Any, role: str) -> tuple[int, None]:
    record = case_import_create(file_name="a.xlsx", data=b"x", fmt="annex-a")
    return record.pk, None


def refused_case_import(council: Any, role: str) -> tuple[int, None]:
    record = case_import_create(file_name="b.xlsx", data=b"x", fmt="annex-a")
    record.status = ImportStatus.REFUSED
    record.problems = [{"sheet": "", "row": None, "column": "", "value": "", "expected": "",
                        "message": "not a zip container"}]  # fmt: skip
    record.save()
    return record.pk, None


KINDS = {"case_import": case_import, "refused_case_import": refused_case_import}
