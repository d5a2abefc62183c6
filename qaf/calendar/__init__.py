"""Working-day arithmetic for England (pure Python; see docs/calendar.md)."""

from qaf.calendar.working_days import (
    add_working_days,
    bank_holidays,
    holiday_data_covers_until,
    is_working_day,
    working_days_between,
)

__all__ = [
    "add_working_days",
    "bank_holidays",
    "holiday_data_covers_until",
    "is_working_day",
    "working_days_between",
]
