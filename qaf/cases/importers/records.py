"""The format-neutral records every importer produces, and the collector they fill."""

import datetime as dt
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from qaf.common.errors import ImportProblem

from .parsing import CellError, clean_child_id

T = TypeVar("T")

# More problems than this and the report stops listing them (the file is refused anyway).
MAX_PROBLEMS = 1000


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused: reading a large file makes millions of
    objects (cells, records) and no reference cycles, and the collector's passes over them
    took as long as the reading itself. Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Where(NamedTuple):
    """Where a record came from: a sheet (or file) and a row (1-based, as the user sees it)."""

    sheet: str
    row: int | None

    def __str__(self) -> str:
        return f"{self.sheet} row {self.row}" if self.sheet else f"row {self.row}"


NOWHERE = Where("", None)


class ChildRecord(NamedTuple):
    """A child as one row states it (None: the row does not say). A tuple, so that the
    importers' hot loops and the file-wide merge stay cheap (a 100,000-row file makes one
    per row)."""

    child_id: str
    sex: str | None = None
    date_of_birth: dt.date | None = None
    ethnicity: str | None = None
    disability: bool | None = None
    uasc: bool | None = None
    where: Where = NOWHERE


# ChildRecord[1:6]: the attributes a row states, compared as one tuple.


class EventRecord(NamedTuple):
    """One dated event. The first four fields are its key ([0:4]), the next seven its
    details ([4:11]): duplicate and conflict checks compare tuple slices."""

    child_id: str
    kind: str
    start_date: dt.date
    source_key: str = ""
    end_date: dt.date | None = None
    linked_date: dt.date | None = None
    code: str = ""
    flag: bool | None = None
    number: int | None = None
    team: str = ""
    worker: str = ""
    where: Where = NOWHERE

    def key(self) -> tuple[Any, ...]:
        return self[0:4]

    def details(self) -> tuple[Any, ...]:
        return self[4:11]


@dataclass
class ParseResult:
    format: str
    children: list[ChildRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows_read: int = 0
    problem_count: int = 0

    def problem(
        self,
        *,
        sheet: str,
        row: int | None,
        column: str,
        message: str,
        value: Any = "",
        expected: str = "",
    ) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(
                ImportProblem(
                    sheet=sheet,
                    row=row,
                    column=column,
                    message=message,
                    value=str(value)[:200],
                    expected=expected,
                )
            )

    def cell(
        self,
        where: Where,
        column: str,
        raw: Any,
        parser: Callable[[Any], T],
        *,
        required: bool = False,
    ) -> T | None:
        """Parse one cell; on failure record a problem naming sheet, row and column."""
        if required and (raw is None or (isinstance(raw, str) and not raw.strip())):
            self.problem(
                sheet=where.sheet,
                row=where.row,
                column=column,
                message=f"{column} is blank",
                expected="a value (this column may not be blank)",
            )
            return None
        try:
            return parser(raw)
        except CellError as error:
            self.problem(
                sheet=where.sheet,
                row=where.row,
                column=column,
                message=error.message,
                value=raw,
                expected=error.expected,
            )
            return None

    def child_id(self, where: Where, column: str, raw: Any) -> str | None:
        return self.cell(where, column, raw, clean_child_id, required=True)

    def file_problem(self, message: str, *, sheet: str = "", expected: str = "") -> None:
        self.problem(sheet=sheet, row=None, column="", message=message, expected=expected)
