"""Kept for imports elsewhere in the app: the one implementation is qaf.common.exports."""

from qaf.common.exports import FORMULA_STARTS, spreadsheet_safe

__all__ = ["FORMULA_STARTS", "spreadsheet_safe"]
