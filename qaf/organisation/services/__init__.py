"""Writes to the organisation: loading the council's structure and staff from an HR extract
(staff_import: checking in staff_import_check, applying in staff_import)."""

from .staff_import import StaffImportResult, import_run_record, staff_import

__all__ = ["StaffImportResult", "import_run_record", "staff_import"]
