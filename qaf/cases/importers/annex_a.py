"""Ofsted Annex A workbooks (xlsx, lists 1 to 11), read with python-calamine.

Headers are matched loosely: case, punctuation, accents and spacing are ignored, the column
order does not matter, and known synonyms from older and newer templates are accepted.
"""

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from qaf.common.errors import ImportRefused

from ..models import EventKind
from .archives import safe_zip
from .parsing import (
    CellError,
    clean_child_id,
    clean_code,
    normalise_header,
    parse_count,
    parse_date,
    parse_sex,
    parse_yes_no,
)
from .records import ChildRecord, EventRecord, ParseResult, Where

FORMAT = "annex-a"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False  # the column must be present (and, for dates, filled)
    synonyms: tuple[str, ...] = ()


_COMMON = (
    Column(
        "child_id",
        "Child Unique ID",
        True,
        (
            "Child ID",
            "Unique Child ID",
            "Child's Unique ID",
            "Child Unique Identifier",
            "LA Child ID",
            "Child Identifier",
            "ID",
        ),
    ),
    Column("gender", "Gender", False, ("Sex", "Child Gender")),
    Column("ethnicity", "Ethnicity", False, ("Ethnic Origin", "Child Ethnicity")),
    Column("dob", "Date of Birth", False, ("DOB", "Birth Date", "Child Date of Birth")),
    Column("age", "Age of Child (Years)", False, ("Age", "Age of Child")),
    Column("disability", "Does the Child have a Disability", False, ("Disability", "Disabled")),
    Column("team", "Allocated Team", False, ("Team",)),
    Column("worker", "Allocated Worker", False, ("Worker", "Allocated Social Worker")),
)

LISTS: dict[int, tuple[str, tuple[Column, ...]]] = {
    1: (
        "Contacts",
        (
            Column("start", "Date of Contact", True, ("Contact Date",)),
            Column("code", "Contact Source", False, ("Source of Contact",)),
        ),
    ),
    2: (
        "Early help",
        (
            Column("start", "Assessment start date", True, ("Early Help Assessment Start Date",)),
            Column("end", "Assessment completion date", False, ("Early Help Assessment End Date",)),
            Column("code", "Organisation completing assessment", False, ("Organisation",)),
        ),
    ),
    3: (
        "Referrals",
        (
            Column("start", "Date of referral", True, ("Referral Date",)),
            Column("code", "Referral Source", False, ("Source of Referral",)),
            Column("flag", "Referral NFA?", False, ("Referral NFA", "NFA", "No Further Action")),
            Column(
                "number",
                "Number of Referrals in Last 12 Months",
                False,
                ("Referrals in Last 12 Months",),
            ),
        ),
    ),
    4: (
        "Assessments",
        (
            Column(
                "start",
                "Continuous Assessment Start Date",
                True,
                ("Assessment Start Date", "Date of Assessment Start"),
            ),
            Column(
                "flag",
                "Child Seen During Continuous Assessment",
                False,
                ("Child Seen During Assessment", "Child Seen"),
            ),
            Column(
                "end",
                "Continuous Assessment Date of Authorisation",
                False,
                ("Assessment Authorisation Date", "Date of Authorisation", "Assessment End Date"),
            ),
            Column(
                "code",
                "Was the child assessed as requiring LA children's social care support?",
                False,
                ("Assessed as requiring support", "Outcome"),
            ),
        ),
    ),
    5: (
        "Section 47 enquiries and ICPCs",
        (
            Column(
                "start",
                "Strategy discussion initiating Section 47 Enquiry Start Date",
                True,
                (
                    "Section 47 Enquiry Start Date",
                    "S47 Start Date",
                    "Strategy Discussion Date",
                    "Date of Strategy Discussion",
                ),
            ),
            Column(
                "icpc_unnecessary",
                "Was an Initial Child Protection Conference deemed unnecessary?",
                False,
                ("ICPC deemed unnecessary", "ICPC not required"),
            ),
            Column("icpc", "Date of Initial Child Protection Conference", False, ("ICPC Date",)),
            Column(
                "flag",
                "Did the Initial Child Protection Conference Result in a Child Protection Plan",
                False,
                ("ICPC resulted in CP plan", "Did the ICPC result in a CP plan"),
            ),
        ),
    ),
    6: (
        "Children in need",
        (
            Column("start", "CIN Start Date", False, ("Child in Need Start Date",)),
            Column("code", "Primary Need Code", False, ("Primary Need",)),
            Column("seen", "Date Child Was Last Seen", False, ("Date Last Seen",)),
            Column("end", "CIN Closure Date", False, ("Child in Need Closure Date",)),
        ),
    ),
    7: (
        "Child protection",
        (
            Column(
                "start",
                "Child Protection Plan Start Date",
                True,
                ("CP Plan Start Date", "CPP Start"),
            ),
            Column("code", "Initial Category of Abuse", False, ("Category of Abuse",)),
            Column("latest_code", "Latest Category of Abuse", False, ()),
            Column(
                "visit",
                "Date of the Last Statutory Visit",
                False,
                ("Date of Last Statutory Visit", "Last Statutory Visit"),
            ),
            Column("seen_alone", "Was the Child Seen Alone?", False, ("Child Seen Alone",)),
            Column(
                "review",
                "Date of latest review conference",
                False,
                ("Date of Latest Review", "Latest Review Conference"),
            ),
            Column("end", "Child Protection Plan End Date", False, ("CP Plan End Date",)),
            Column(
                "number",
                "Number of Previous Child Protection Plans",
                False,
                ("Number of Previous CP Plans", "Previous CP Plans"),
            ),
        ),
    ),
    8: (
        "Children in care",
        (
            Column(
                "uasc",
                "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)",
                False,
                ("UASC", "Unaccompanied Asylum Seeking Child"),
            ),
            Column(
                "start",
                "Date Started to be Looked After",
                True,
                ("Date Started to be in Care", "Date Became Looked After", "Date Entered Care"),
            ),
            Column("code", "Child's Legal Status", False, ("Legal Status",)),
            Column("review", "Date of Latest Statutory Review", False, ("Date of Latest Review",)),
            Column("visit", "Date of Last Social Work Visit", False, ("Last Social Work Visit",)),
            Column(
                "number",
                "Number of Placements in the Last 12 months",
                False,
                ("Number of Placements in Last 12 Months", "Placements in Last 12 Months"),
            ),
            Column(
                "end",
                "Date Ceased to be Looked After",
                False,
                ("Date Ceased to be in Care", "Date Left Care"),
            ),
            Column(
                "placement_start",
                "Start Date of Most Recent Placement",
                False,
                ("Most Recent Placement Start Date", "Placement Start Date"),
            ),
            Column("placement_type", "Placement Type", False, ()),
        ),
    ),
    9: (
        "Care leavers",
        (
            Column("code", "Eligibility Category", False, ()),
            Column("flag", "LA in Touch", False, ("In Touch",)),
        ),
    ),
    10: (
        "Adoption",
        (
            Column("entered_care", "Date the Child Entered Care", False, ("Date Entered Care",)),
            Column(
                "start",
                "Date of Decision that Child Should be Placed for Adoption",
                True,
                ("Date of Should be Placed Decision", "ADM Decision Date"),
            ),
            Column("end", "Date of Adoption Order", False, ("Adoption Order Date",)),
            Column(
                "code",
                "Reason Why Child No Longer Placed for Adoption",
                False,
                ("Reason No Longer Placed for Adoption",),
            ),
        ),
    ),
    11: (
        "Adopters",
        (
            Column(
                "adopter_id",
                "Individual adopter identifier",
                True,
                ("Adopter ID", "Adopter Identifier"),
            ),
            Column("start", "Date enquiry received", True, ("Enquiry Date",)),
        ),
    ),
}

_SHEET_NAME = re.compile(r"^\s*(?:list|l)\s*[_\-.:]?\s*0*(\d{1,3})(?!\d)", re.IGNORECASE)
HEADER_SEARCH_ROWS = 10


def list_number(sheet_name: str) -> int | None:
    match = _SHEET_NAME.match(sheet_name)
    return int(match.group(1)) if match else None


def _columns_for(number: int) -> tuple[Column, ...]:
    if number == 11:  # adopters are not children: no common child columns
        return LISTS[11][1]
    return _COMMON + LISTS[number][1]


def _header_lookup(columns: tuple[Column, ...]) -> dict[str, Column]:
    lookup: dict[str, Column] = {}
    for column in columns:
        for name in (column.header, *column.synonyms):
            lookup.setdefault(normalise_header(name), column)
    return lookup


def _strip_marker(header: str) -> str:
    """'date of birth yyyy mm dd' style suffixes and '(y/n)' are ignored when matching."""
    for suffix in (" y n", " dd mm yyyy", " yyyy mm dd"):
        if header.endswith(suffix):
            return header[: -len(suffix)]
    return header


def _match_headers(
    cells: list[Any], columns: tuple[Column, ...]
) -> tuple[dict[str, int], list[str], list[str]]:
    lookup = _header_lookup(columns)
    found: dict[str, int] = {}
    unknown: list[str] = []
    duplicated: list[str] = []
    for index, cell in enumerate(cells):
        text = normalise_header(cell)
        if not text:
            continue
        column = lookup.get(text) or lookup.get(_strip_marker(text))
        if column is None:
            unknown.append(str(cell).strip())
        elif column.key in found:
            duplicated.append(str(cell).strip())
        else:
            found[column.key] = index
    return found, unknown, duplicated


def _rows(workbook: CalamineWorkbook, name: str) -> list[list[Any]]:
    sheet = workbook.get_sheet_by_name(name)
    return sheet.to_python(skip_empty_area=False)


# Called after each list is parsed, with the result so far and where this list's children
# and events start in result.children and result.events (qaf.cases.services streams them).
SheetSink = Callable[[ParseResult, int, int], None]


def parse_annex_a(data: bytes, *, name: str, sink: SheetSink | None = None) -> ParseResult:
    """Read and check a workbook, a sheet at a time (only one sheet's cells in memory)."""
    if not name.lower().endswith((".xlsx", ".xlsm")):
        raise ImportRefused(
            f"{name} does not end .xlsx: an Annex A return is an Excel workbook (.xlsx)"
        )
    safe_zip(data, name=name, what="an Excel workbook")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError) as error:
        raise ImportRefused(f"{name} could not be read as an Excel workbook: {error}") from None
    result = ParseResult(format=FORMAT)
    lists: set[int] = set()
    for sheet_name in workbook.sheet_names:
        try:
            rows = _rows(workbook, sheet_name)
        except (CalamineError, ValueError) as error:
            raise ImportRefused(f"Sheet {sheet_name!r} could not be read: {error}") from None
        has_data = any(any(_filled(cell) for cell in row) for row in rows)
        number = list_number(sheet_name)
        if not has_data:
            result.warnings.append(f"Sheet {sheet_name!r} is empty and was ignored.")
            continue
        if number is None or number not in LISTS:
            result.file_problem(
                f"Sheet {sheet_name!r} is not one of the Annex A lists",
                sheet=sheet_name,
                expected="sheets named List 1 to List 11 (for example 'List 3 - Referrals')",
            )
            continue
        if number in lists:
            result.file_problem(f"List {number} appears in more than one sheet", sheet=sheet_name)
            continue
        lists.add(number)
        children_from, events_from = len(result.children), len(result.events)
        _parse_list(result, number, sheet_name, rows)
        del rows
        if sink is not None:
            sink(result, children_from, events_from)
    if not lists and not result.problem_count:
        raise ImportRefused(f"{name} is an empty workbook: it has no Annex A lists with data")
    return result


def _filled(cell: Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _blank_row(row: list[Any]) -> bool:
    for cell in row:  # most rows are filled from their first cell: stop there
        if cell is not None and (cell.__class__ is not str or cell.strip()):
            return False
    return True


class _Failed:
    """A cell parser's refusal, kept in a column's memo instead of the parsed value."""

    __slots__ = ("expected", "message", "show_value")

    def __init__(self, message: str, expected: str, show_value: bool) -> None:
        self.message, self.expected, self.show_value = message, expected, show_value


# Cell values of these types are never equal to a value of another type, so one memo per
# column can be keyed on the value itself (1 == 1.0 == True would mix numbers and booleans).
_PLAIN_TYPES = frozenset({str, dt.date, dt.datetime, type(None)})


class _Sheet:
    """One list's data rows, parsed a column at a time: each column's parser runs once per
    distinct value (a 100,000-row list has a few thousand distinct dates and codes), and the
    problems are reported in row order with the sheet, row, column, value and expected."""

    def __init__(
        self, result: ParseResult, sheet: str, rows: list[tuple[int, list[Any]]],
        found: dict[str, int], by_key: dict[str, Column],
    ) -> None:  # fmt: skip
        self.result, self.sheet, self.found, self.by_key = result, sheet, found, by_key
        self.n = len(rows)
        self.rows = [row for _number, row in rows]
        self.numbers = [number for number, _row in rows]
        self.problems: list[tuple[int, int, dict[str, Any]]] = []
        self.width = min(map(len, self.rows)) if self.rows else 0

    def raw(self, key: str) -> list[Any]:
        index = self.found[key]
        rows = self.rows
        if self.width > index:
            return list(map(itemgetter(index), rows))
        return [row[index] if index < len(row) else None for row in rows]

    def column(
        self,
        key: str,
        parser: Callable[[Any], Any],
        *,
        absent: Any = None,
        report: list[bool] | None = None,
    ) -> list[Any]:
        """The parsed column (`absent` in every row when the sheet has no such column);
        cells that fail are None and a problem each (only where `report` is true, if given)."""
        if key not in self.found:
            return [absent] * self.n
        column = self.by_key[key]
        values = self.raw(key)
        required = column.required

        def attempt(value: Any) -> Any:
            if required and (value is None or (isinstance(value, str) and not value.strip())):
                return _Failed(f"{column.header} is blank",
                               "a value (this column may not be blank)", False)  # fmt: skip
            try:
                return parser(value)
            except CellError as error:
                return _Failed(error.message, error.expected, True)

        if set(map(type, values)) <= _PLAIN_TYPES:
            memo = {value: attempt(value) for value in set(values)}
            parsed = list(map(memo.__getitem__, values))
            failed = any(isinstance(v, _Failed) for v in memo.values())
        else:  # numbers or booleans: memo keyed on (type, value)
            typed: dict[tuple[type, Any], Any] = {}
            parsed = []
            for value in values:
                key_ = (value.__class__, value)
                out = typed.get(key_, _Failed)
                if out is _Failed:
                    out = typed[key_] = attempt(value)
                parsed.append(out)
            failed = any(isinstance(v, _Failed) for v in typed.values())
        if failed:
            for index, out in enumerate(parsed):
                if not isinstance(out, _Failed):
                    continue
                parsed[index] = None
                if report is not None and not report[index]:
                    continue
                self.problem(
                    index,
                    column=column.header,
                    message=out.message,
                    value=values[index] if out.show_value else "",
                    expected=out.expected,
                )
        return parsed

    def problem(self, index: int, **fields: Any) -> None:
        self.problems.append((self.numbers[index], len(self.problems), fields))

    def flush(self) -> None:
        for row, _order, fields in sorted(self.problems, key=itemgetter(0, 1)):
            self.result.problem(sheet=self.sheet, row=row, **fields)


def _parse_list(result: ParseResult, number: int, sheet: str, rows: list[list[Any]]) -> None:
    columns = _columns_for(number)
    header_index = None
    found: dict[str, int] = {}
    unknown: list[str] = []
    duplicated: list[str] = []
    id_key = "adopter_id" if number == 11 else "child_id"
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found, unknown, duplicated = _match_headers(row, columns)
        if id_key in found:
            header_index = index
            break
    if header_index is None:
        if not any(any(_filled(c) for c in row) for row in rows):
            result.file_problem(f"List {number} ({sheet}) is empty", sheet=sheet)
        else:
            column = next(c for c in columns if c.key == id_key)
            result.file_problem(
                f"List {number}: no header row with a '{column.header}' column in the first "
                f"{HEADER_SEARCH_ROWS} rows",
                sheet=sheet,
                expected=f"a header row naming '{column.header}'",
            )
        return
    for column in columns:
        if column.required and column.key not in found:
            result.problem(
                sheet=sheet,
                row=header_index + 1,
                column=column.header,
                message=f"List {number} has no '{column.header}' column",
                expected=f"a column headed '{column.header}'",
            )
    for header in duplicated:
        result.problem(
            sheet=sheet,
            row=header_index + 1,
            column=header,
            message="this column appears twice",
            expected="each column once",
        )
    if unknown:
        result.warnings.append(
            f"{sheet}: columns not used by QAF were ignored: " + ", ".join(unknown[:10])
        )
    data_rows = [
        (index + 1, row)
        for index, row in enumerate(rows[header_index + 1 :], start=header_index + 1)
        if not _blank_row(row)
    ]
    if not data_rows:
        result.file_problem(
            f"List {number} ({sheet}) has headers but no rows",
            sheet=sheet,
            expected="at least one row of data, or leave the sheet out",
        )
        return
    if any(c.required and c.key not in found for c in columns):
        return
    table = _Sheet(result, sheet, data_rows, found, {c.key: c for c in columns})
    result.rows_read += table.n
    if number == 11:
        table.column("adopter_id", _text)
        table.column("start", parse_date)
    else:
        _parse_children_list(table, number)
    table.flush()


_record_child = partial(tuple.__new__, ChildRecord)
_record_event = partial(tuple.__new__, EventRecord)


class _Events:
    """Builds one list's events from its parsed columns (lists 1-10)."""

    def __init__(self, table: _Sheet, ids: list[str | None], wheres: list[Where]) -> None:
        self.table, self.ids, self.wheres = table, ids, wheres
        self.team = table.column("team", _name, absent="")
        self.worker = table.column("worker", _name, absent="")
        self.out = table.result.events

    def add(
        self,
        kind: str,
        starts: list[dt.date | None],
        *,
        end: list[dt.date | None] | None = None,
        linked: list[dt.date | None] | None = None,
        code: list[str] | None = None,
        flag: list[bool | None] | None = None,
        number: list[int | None] | None = None,
    ) -> None:
        n = self.table.n
        nones: list[Any] = [None] * n
        rows = zip(
            range(n), self.ids, starts, end or nones, linked or nones,
            code or [""] * n, flag or nones, number or nones, self.team, self.worker,
            self.wheres, strict=True,
        )  # fmt: skip
        out, problem = self.out, self.table.problem
        for index, child_id, day, ends, link, text, yes, count, team, worker, where in rows:
            if day is None:
                continue
            if ends is not None and ends < day:
                problem(
                    index,
                    column="end date",
                    message=f"ends ({ends:%d/%m/%Y}) before it starts ({day:%d/%m/%Y})",
                    value=f"{ends:%d/%m/%Y}",
                    expected=f"a date on or after {day:%d/%m/%Y}",
                )
                continue
            if child_id is not None:
                out.append(_record_event((child_id, kind, day, "", ends, link, text, yes, count,
                                          team, worker, where)))  # fmt: skip


def _parse_children_list(table: _Sheet, number: int) -> None:
    column = table.column
    result = table.result
    ids = column("child_id", clean_child_id)
    sex = column("gender", parse_sex)
    dob = column("dob", parse_date)
    ethnicity = column("ethnicity", _ethnicity)
    disability = column("disability", parse_yes_no)
    uasc = column("uasc", parse_yes_no) if number == 8 else [None] * table.n
    sheet = table.sheet
    wheres = [Where(sheet, row) for row in table.numbers]
    result.children.extend(
        _record_child(values)
        for values in zip(ids, sex, dob, ethnicity, disability, uasc, wheres, strict=True)
        if values[0] is not None
    )
    events = _Events(table, ids, wheres)
    add = events.add
    start = column("start", parse_date)
    if number == 1:
        add(EventKind.CONTACT, start, code=column("code", _code, absent=""))
    elif number == 2:
        add(EventKind.EARLY_HELP, start, end=column("end", parse_date),
            code=column("code", _code, absent=""))  # fmt: skip
    elif number == 3:
        add(EventKind.REFERRAL, start, code=column("code", _code, absent=""),
            flag=column("flag", parse_yes_no), number=column("number", parse_count))  # fmt: skip
    elif number == 4:
        add(EventKind.ASSESSMENT, start, end=column("end", parse_date),
            flag=column("flag", parse_yes_no), code=column("code", _outcome, absent=""))  # fmt: skip
    elif number == 5:
        icpc = column("icpc", parse_date)
        unnecessary = column("icpc_unnecessary", parse_yes_no)
        led_to_plan = column("flag", parse_yes_no)
        add(EventKind.SECTION_47, start, linked=icpc, flag=led_to_plan,
            code=["ICPC not needed" if u else "" for u in unnecessary])  # fmt: skip
        held: list[dt.date | None] = []
        for index, (conference, began) in enumerate(zip(icpc, start, strict=True)):
            if conference is not None and began is not None and conference < began:
                table.problem(
                    index,
                    column="Date of Initial Child Protection Conference",
                    message="the ICPC is dated before the strategy discussion",
                    value=f"{conference:%d/%m/%Y}",
                    expected=f"a date on or after {began:%d/%m/%Y}",
                )
                held.append(None)
            else:
                held.append(conference)
        add(EventKind.ICPC, held, linked=start, flag=led_to_plan)
    elif number == 6:
        add(EventKind.CIN_PLAN, start, end=column("end", parse_date),
            code=column("code", _code, absent=""))  # fmt: skip
        result.warnings.extend(
            f"{where}: no CIN start date, so no CIN episode recorded."
            for where, began in zip(wheres, start, strict=True)
            if began is None
        )
    elif number == 7:
        first = column("code", _code, absent="")
        latest = column("latest_code", _code, absent="")
        add(EventKind.CP_PLAN, start, end=column("end", parse_date),
            code=[a or b for a, b in zip(first, latest, strict=True)],
            number=column("number", parse_count))  # fmt: skip
        add(EventKind.CP_VISIT, column("visit", parse_date),
            flag=column("seen_alone", parse_yes_no))  # fmt: skip
        add(EventKind.CP_REVIEW, column("review", parse_date))
    elif number == 8:
        add(EventKind.CIC_EPISODE, start, end=column("end", parse_date),
            code=column("code", _code, absent=""), number=column("number", parse_count))  # fmt: skip
        add(EventKind.PLACEMENT, column("placement_start", parse_date),
            code=column("placement_type", _code, absent=""))  # fmt: skip
        add(EventKind.CIC_VISIT, column("visit", parse_date))
        add(EventKind.CIC_REVIEW, column("review", parse_date))
    elif number == 9:
        # List 9 has no dates: a care leaver is recorded from the 18th birthday (and a row
        # with no date of birth is not dated, nor are its other cells read).
        dated = [born is not None for born in dob]
        result.warnings.extend(
            f"{where}: care leaver with no date of birth was not dated."
            for where, known in zip(wheres, dated, strict=True)
            if not known
        )
        add(EventKind.CARE_LEAVER, [birthday(born, 18) if born else None for born in dob],
            code=column("code", _code, absent="", report=dated),
            flag=column("flag", parse_yes_no, report=dated))  # fmt: skip
    elif number == 10:
        add(EventKind.ADOPTION, start, end=column("end", parse_date),
            linked=column("entered_care", parse_date), code=column("code", _code, absent=""))  # fmt: skip


def _name(value: Any) -> str:
    return clean_code(value)[:160]


def _text(value: Any) -> str:
    text = clean_code(value)
    if not text:
        raise CellError("this is blank", "a value")
    return text[:60]


def _ethnicity(value: Any) -> str | None:
    text = clean_code(value)
    if not text:
        return None
    return text.split(" ")[0][:8].upper() if len(text.split(" ")[0]) <= 8 else text[:8].upper()


def _code(value: Any) -> str:
    return clean_code(value)[:20]


def _outcome(value: Any) -> str:
    """Assessed as needing support: stored as the CIN census codes Y and N (blank if blank)."""
    answer = parse_yes_no(value)
    return "" if answer is None else ("Y" if answer else "N")


def birthday(dob: dt.date, years: int) -> dt.date:
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:  # born on 29 February
        return dt.date(dob.year + years, 3, 1)
