"""Reading an HR extract: bytes -> header and rows, and the date formats we accept.

Pure functions with no database access; the import service (services.py) decides what the rows
mean. Every refusal is an ImportRefused whose problems name the row, the column, the value and
what was expected. Row numbers are the ones a spreadsheet shows: the header is row 1.
"""

import calendar
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from qaf.common.errors import ImportProblem, ImportRefused

MAX_BYTES = 5 * 1024 * 1024
SAVE_AS_UTF8 = (
    "Save the file as CSV UTF-8: in Excel choose File, Save a copy, and the file type "
    "'CSV UTF-8 (Comma delimited) (*.csv)'."
)
DATE_EXPECTED = "a date as dd/mm/yyyy or yyyy-mm-dd, for example 01/04/2024 or 2024-04-01"


@dataclass(frozen=True)
class Extract:
    header: list[str]  # normalised column names, in file order
    rows: list[tuple[int, list[str]]]  # (row number, cells), blank rows left out


def refuse(message: str, *, column: str = "", value: str = "", expected: str = "") -> ImportRefused:
    """A refusal of the whole file, with one file-level problem."""
    problem = ImportProblem(
        row=None, column=column, message=message, value=value, expected=expected
    )
    return ImportRefused(message, [problem])


def check_size(size: int) -> None:
    """Refuse a file over the cap before any of it is read."""
    if size > MAX_BYTES:
        raise refuse(
            f"The file is {size / 1024 / 1024:.1f} MB; the largest file we accept is 5 MB. "
            "Split the extract into smaller files, or remove columns we do not use.",
            expected="a file of 5 MB or less",
        )


def decode(data: bytes) -> str:
    """UTF-8, with or without a byte order mark. Anything else is refused, with how to fix it.

    We do not guess Windows-1252: almost any byte sequence decodes as Windows-1252, so a wrong
    guess would silently store the wrong letters in people's names.
    """
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise refuse(
            "The file is empty. Upload a CSV file with a header row and one row per person.",
            expected="a header row and at least one staff row",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise refuse(
            "The file is saved as UTF-16 (Excel's 'Unicode Text'), not as CSV UTF-8. "
            + SAVE_AS_UTF8,
            expected="CSV UTF-8",
        )
    if data.startswith(b"PK\x03\x04"):
        raise refuse(
            "The file is an Excel workbook, not a CSV file. " + SAVE_AS_UTF8,
            expected="CSV UTF-8",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise refuse(
            f"The file is not saved as UTF-8: line {line} contains the byte 0x{byte:02X}, which "
            "is not UTF-8 (the file was probably saved as 'CSV (Comma delimited)', which uses "
            "Windows-1252). " + SAVE_AS_UTF8,
            value=f"0x{byte:02X} on line {line}",
            expected="CSV UTF-8",
        ) from exc


def normalise_column(name: str) -> str:
    """'Staff ID', 'staff-id' and 'STAFF_ID' are all staff_id."""
    return re.sub(r"[\s\-]+", "_", name.strip().casefold())


def read(text: str) -> Extract:
    """Split decoded text into the header and the non-blank rows.

    Quoted values may contain commas and line breaks. A quotation mark that opens a value and
    never closes, or text straight after a closing quotation mark, refuses the file.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for cells in reader:
            number += 1
            records.append((number, cells))
    except csv.Error as exc:
        row = number + 1
        if "unexpected end of data" in str(exc):
            message = (
                'A quotation mark (") opens a value but never closes, '
                "so the rest of the file cannot be read. Check the quotation marks on this row."
            )
        elif "expected after" in str(exc):
            message = (
                'There is text straight after a closing quotation mark ("). A value that '
                'contains a quotation mark must be wrapped in quotes, with the mark doubled ("").'
            )
        else:
            message = f"The row cannot be read as CSV: {exc}."
        problem = ImportProblem(
            row=row,
            column="",
            message=message,
            value=f"line {reader.line_num}",
            expected="balanced quotation marks",
        )
        raise ImportRefused(message, [problem]) from exc

    if not records or not any(cell.strip() for cell in records[0][1]):
        raise refuse(
            "The first row of the file is blank: it must be the header row naming the columns.",
            expected="a header row",
        )
    raw_header = records[0][1]
    if len(raw_header) == 1 and (";" in raw_header[0] or "\t" in raw_header[0]):
        separator = "semicolons" if ";" in raw_header[0] else "tabs"
        raise refuse(
            f"The columns are separated by {separator}, not commas. " + SAVE_AS_UTF8,
            column="",
            value=raw_header[0][:80],
            expected="columns separated by commas",
        )
    header = [normalise_column(cell) for cell in raw_header]
    rows = [(n, cells) for n, cells in records[1:] if any(cell.strip() for cell in cells)]
    return Extract(header=header, rows=rows)


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_TWO_DIGIT_YEAR = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}")
_YEAR_FIRST_SLASH = re.compile(r"\d{4}[/.]\d{1,2}[/.]\d{1,2}")
_OTHER_SEPARATOR = re.compile(r"\d{1,2}[.\-]\d{1,2}[.\-]\d{4}")
_SERIAL = re.compile(r"\d{4,6}(\.\d+)?")


def parse_date(value: str) -> dt.date:
    """dd/mm/yyyy (day first, as in England) or yyyy-mm-dd. Raises ValueError with the reason."""
    text = value.strip()
    if not text:
        raise ValueError("The date is missing.")
    if match := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _UK.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif _TWO_DIGIT_YEAR.fullmatch(text):
        raise ValueError(
            f"{text} has a two-digit year, so the century is ambiguous. Use a four-digit year."
        )
    elif _YEAR_FIRST_SLASH.fullmatch(text):
        raise ValueError(
            f"{text} is ambiguous: with the year first and slashes, the month and day could be "
            "either way round. Use yyyy-mm-dd or dd/mm/yyyy."
        )
    elif _OTHER_SEPARATOR.fullmatch(text):
        raise ValueError(
            f"{text} is ambiguous: with dashes or dots the day and month could be either way "
            "round. Use dd/mm/yyyy with slashes."
        )
    elif _SERIAL.fullmatch(text):
        raise ValueError(
            f"{text} looks like a spreadsheet date number, not a date. Format the column as a "
            "date (dd/mm/yyyy) before saving the CSV file."
        )
    else:
        raise ValueError(f"{text} is not a date.")
    if not 1 <= month <= 12:
        raise ValueError(
            f"{text} is not a real date: there is no month {month}. Dates are day first "
            "(dd/mm/yyyy) or year first (yyyy-mm-dd)."
        )
    days_in_month = calendar.monthrange(year, month)[1] if 1 <= year <= 9999 else 31
    if not 1 <= day <= days_in_month:
        month_name = calendar.month_name[month]
        raise ValueError(
            f"{text} is not a real date: {month_name} {year} has {days_in_month} days."
        )
    if not 1900 <= year <= 2100:
        raise ValueError(f"{text} has the year {year}, which cannot be right.")
    return dt.date(year, month, day)


def describe(problem: ImportProblem) -> str:
    """One line naming where the problem is: 'Row 4, column email: ...'."""
    if problem.row is None:
        return problem.message
    where = f"Row {problem.row}"
    if problem.column:
        label = "columns" if "," in problem.column else "column"
        where += f", {label} {problem.column}"
    return f"{where}: {problem.message}"
