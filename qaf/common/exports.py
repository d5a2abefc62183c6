"""Spreadsheet safety for every CSV and XLSX file QAF writes (ARCHITECTURE.md: exports escape
formulas). A cell a spreadsheet would evaluate as a formula gets a leading apostrophe, so it is
shown as the text it is. Numbers, dates, booleans and None pass unchanged."""

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """The value, or text with a leading ' when it starts with = + - @ tab or CR."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_safe_row(values: Iterable[Any]) -> list[Any]:
    return [spreadsheet_safe(value) for value in values]
