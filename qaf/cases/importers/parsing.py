"""Cell-level parsing shared by every importer: dates, codes, yes/no, IDs and headers.

Each parser returns a value or raises CellError with what was expected. They never guess:
a value that could mean two things is refused (docs/case-data-import.md, "Dates").
"""

import datetime as dt
import math
import re
import unicodedata
from typing import Any

MIN_YEAR = 1900
MAX_YEAR = 2100
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's 1900 date system, after the 1900 leap-year bug
_MIN_SERIAL = (dt.date(MIN_YEAR, 1, 1) - _EXCEL_EPOCH).days
_MAX_SERIAL = (dt.date(MAX_YEAR, 12, 31) - _EXCEL_EPOCH).days

DATE_EXPECTED = "a date written dd/mm/yyyy (or yyyy-mm-dd, or an Excel date)"

_SEPARATED = re.compile(r"^(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_SERIAL = re.compile(r"^\d{1,6}(?:\.0+)?$")


class CellError(ValueError):
    """A cell that cannot be read. `expected` says what would have been accepted."""

    def __init__(self, message: str, expected: str) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected


def _in_range(year: int, raw: str) -> None:
    if year < MIN_YEAR or year > MAX_YEAR:
        raise CellError(
            f"the year {year} in {raw!r} is outside {MIN_YEAR} to {MAX_YEAR} "
            "(placeholder dates such as 9999 are not accepted)",
            DATE_EXPECTED,
        )


def _build(year: int, month: int, day: int, raw: str) -> dt.date:
    _in_range(year, raw)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(f"{raw!r} is not a real date", DATE_EXPECTED) from None


def _from_serial(serial: float, raw: str) -> dt.date:
    if not math.isfinite(serial):
        raise CellError(f"{raw!r} is not a date", DATE_EXPECTED)
    if serial != int(serial):
        raise CellError(f"{raw!r} is a date and time; expected a date only", DATE_EXPECTED)
    if not _MIN_SERIAL <= serial <= _MAX_SERIAL:
        raise CellError(
            f"{raw!r} is not an Excel date between {MIN_YEAR} and {MAX_YEAR}", DATE_EXPECTED
        )
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


def parse_date(value: Any) -> dt.date | None:
    """A date from a cell: None for blank; CellError for anything not certainly one date."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0, 0):
            raise CellError(f"{value} is a date and time; expected a date only", DATE_EXPECTED)
        _in_range(value.year, str(value))
        return value.date()
    if isinstance(value, dt.date):
        _in_range(value.year, str(value))
        return value
    if isinstance(value, bool):
        raise CellError(f"{value!r} is not a date", DATE_EXPECTED)
    if isinstance(value, int | float):
        return _from_serial(float(value), str(value))
    raw = str(value).strip()
    if not raw:
        return None
    if _SERIAL.match(raw):
        return _from_serial(float(raw), raw)
    match = _SEPARATED.match(raw)
    if match is None:
        raise CellError(f"{raw!r} is not a date", DATE_EXPECTED)
    first, _sep, middle, last = match.groups()
    if len(first) == 4:  # year first: ISO order yyyy-mm-dd is the only year-first order used
        if len(last) > 2:
            raise CellError(f"{raw!r} is not a date", DATE_EXPECTED)
        return _build(int(first), int(middle), int(last), raw)
    if len(last) != 4:
        raise CellError(
            f"{raw!r} has a two-digit year: write the year in full (dd/mm/yyyy)"
            if len(last) <= 2
            else f"{raw!r} is not a date",
            DATE_EXPECTED,
        )
    day, month, year = int(first), int(middle), int(last)
    if month > 12 and day <= 12:
        raise CellError(
            f"{raw!r} looks like month/day order; QAF reads day/month and will not guess, "
            "so this file's dates are ambiguous (convert them to dd/mm/yyyy)",
            DATE_EXPECTED,
        )
    return _build(year, month, day, raw)


_CODE_PREFIX = re.compile(r"^\s*[a-zA-Z]{1,2}\)\s*")


def clean_code(value: Any) -> str:
    """A coded value without Annex A's letter prefix: 'b) Female' -> 'Female'."""
    if value is None:
        return ""
    if isinstance(value, float) and value == int(value):
        value = int(value)
    text = " ".join(str(value).split())
    return _CODE_PREFIX.sub("", text).strip()


_YES = {"y", "yes", "true", "1", "t"}
_NO = {"n", "no", "false", "0", "f"}
YES_NO_EXPECTED = "Yes or No (Y/N)"


def parse_yes_no(value: Any) -> bool | None:
    text = clean_code(value).lower().rstrip(".")
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(f"{clean_code(value)!r} is not yes or no", YES_NO_EXPECTED)


def parse_count(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise CellError(f"{value!r} is not a whole number", "a whole number, 0 or more")
    if isinstance(value, float) and value == int(value):
        value = int(value)
    text = str(value).strip()
    if not text.isdigit() or len(text) > 6:
        raise CellError(f"{text!r} is not a whole number", "a whole number, 0 or more")
    return int(text)


def parse_sex(value: Any) -> str:
    """Sex/gender codes from Annex A text, SSDA903 (1/2) and the CIN census (0/1/2/9)."""
    text = clean_code(value).lower()
    if text in {"m", "male", "1", "boy"}:
        return "M"
    if text in {"f", "female", "2", "girl"}:
        return "F"
    if text in {"", "u", "0", "9", "unknown", "not known", "not stated", "indeterminate"}:
        return "U"
    if text.startswith(("unknown", "not ", "other", "prefer")):
        return "U"
    raise CellError(f"{clean_code(value)!r} is not a recognised gender", "Male, Female or Unknown")


MAX_ID_LENGTH = 40
CHILD_ID_EXPECTED = "the council's child ID (letters, digits, - _ / . , up to 40 characters)"


def clean_child_id(value: Any) -> str:
    if isinstance(value, float) and value == int(value):
        value = int(value)
    text = "" if value is None else str(value).strip()
    if not text:
        raise CellError("the child ID is blank", CHILD_ID_EXPECTED)
    # Printable text has no whitespace but the space (Python counts other whitespace, like
    # every separator but the ASCII space, as unprintable): the same test as each character's
    # isspace() or not isprintable(), at C speed.
    if len(text) > MAX_ID_LENGTH or not text.isprintable() or " " in text:
        raise CellError(f"{text[:60]!r} is not a usable child ID", CHILD_ID_EXPECTED)
    return text


def id_collision_key(child_id: str) -> str:
    """IDs that differ only in case or punctuation would be confused by people: compare these."""
    upper = child_id.upper()
    if upper.isalnum():  # the usual ID, nothing to drop (str.isalnum is every character's)
        return upper
    return "".join(ch for ch in upper if ch.isalnum())


_HEADER_PUNCT = re.compile(r"[^a-z0-9]+")


def normalise_header(text: Any) -> str:
    """Case, punctuation, accents and whitespace removed: 'Date of Birth ' -> 'date of birth'."""
    raw = unicodedata.normalize("NFKD", "" if text is None else str(text))
    raw = raw.encode("ascii", "ignore").decode().lower().replace("&", " and ")
    return " ".join(_HEADER_PUNCT.sub(" ", raw).split())
