"""Ofsted Annex A workbooks (xlsx, lists 1 to 11), read with python-calamine.

Headers are matched loosely: case, punctuation, accents and spacing are ignored, the column
order does not matter, and known synonyms from older and newer templates are accepted.
"""

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from qaf.common.errors import ImportRefused

from ..models import EventKind
from .archives import safe_zip
from .parsing import (
    CellError,
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


def parse_annex_a(data: bytes, *, name: str) -> ParseResult:
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
    sheets: list[tuple[int, str, list[list[Any]]]] = []
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
        if any(number == seen for seen, _n, _r in sheets):
            result.file_problem(f"List {number} appears in more than one sheet", sheet=sheet_name)
            continue
        sheets.append((number, sheet_name, rows))
    if not sheets and not result.problem_count:
        raise ImportRefused(f"{name} is an empty workbook: it has no Annex A lists with data")
    for number, sheet_name, rows in sheets:
        _parse_list(result, number, sheet_name, rows)
    return result


def _filled(cell: Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


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
        if any(_filled(cell) for cell in row)
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
    by_key = {c.key: c for c in columns}
    for row_number, row in data_rows:
        result.rows_read += 1
        where = Where(sheet, row_number)

        def get(key: str, row: list[Any] = row) -> Any:
            index = found.get(key)
            return row[index] if index is not None and index < len(row) else None

        def cell(key: str, parser: Callable[[Any], Any], where: Where = where) -> Any:
            if key not in found:
                return None
            column = by_key[key]
            return result.cell(where, column.header, get(key), parser, required=column.required)

        if number == 11:
            cell("adopter_id", _text)
            cell("start", parse_date)
            continue
        child_id = result.child_id(where, by_key["child_id"].header, get("child_id"))
        child = ChildRecord(
            child_id=child_id or "",
            where=where,
            sex=cell("gender", parse_sex),
            date_of_birth=cell("dob", parse_date),
            ethnicity=cell("ethnicity", _ethnicity),
            disability=cell("disability", parse_yes_no),
            uasc=cell("uasc", parse_yes_no) if number == 8 else None,
        )
        events = _events_for(number, result, where, child, cell)
        if child_id is None:
            continue
        result.children.append(child)
        result.events.extend(events)


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


def _events_for(
    number: int,
    result: ParseResult,
    where: Where,
    child: ChildRecord,
    cell: Callable[..., Any],
) -> list[EventRecord]:
    start: dt.date | None = cell("start", parse_date)
    team = clean_code(cell("team", lambda v: v))[:160]
    worker = clean_code(cell("worker", lambda v: v))[:160]
    common = {"child_id": child.child_id, "where": where, "team": team, "worker": worker}
    events: list[EventRecord] = []

    def add(kind: str, day: dt.date | None, **fields: Any) -> None:
        if day is None:
            return
        end = fields.get("end_date")
        if end is not None and end < day:
            result.problem(
                sheet=where.sheet,
                row=where.row,
                column="end date",
                message=f"ends ({end:%d/%m/%Y}) before it starts ({day:%d/%m/%Y})",
                value=f"{end:%d/%m/%Y}",
                expected=f"a date on or after {day:%d/%m/%Y}",
            )
            return
        events.append(EventRecord(kind=kind, start_date=day, **{**common, **fields}))

    if number == 1:
        add(EventKind.CONTACT, start, code=cell("code", _code) or "")
    elif number == 2:
        add(EventKind.EARLY_HELP, start, end_date=cell("end", parse_date),
            code=cell("code", _code) or "")  # fmt: skip
    elif number == 3:
        add(
            EventKind.REFERRAL,
            start,
            code=cell("code", _code) or "",
            flag=cell("flag", parse_yes_no),
            number=cell("number", parse_count),
        )
    elif number == 4:
        add(
            EventKind.ASSESSMENT,
            start,
            end_date=cell("end", parse_date),
            flag=cell("flag", parse_yes_no),
            code=cell("code", _outcome) or "",
        )
    elif number == 5:
        icpc = cell("icpc", parse_date)
        unnecessary = cell("icpc_unnecessary", parse_yes_no)
        led_to_plan = cell("flag", parse_yes_no)
        add(
            EventKind.SECTION_47,
            start,
            linked_date=icpc,
            flag=led_to_plan,
            code="ICPC not needed" if unnecessary else "",
        )
        if icpc is not None and start is not None and icpc < start:
            result.problem(
                sheet=where.sheet,
                row=where.row,
                column="Date of Initial Child Protection Conference",
                message="the ICPC is dated before the strategy discussion",
                value=f"{icpc:%d/%m/%Y}",
                expected=f"a date on or after {start:%d/%m/%Y}",
            )
        elif icpc is not None:
            add(EventKind.ICPC, icpc, linked_date=start, flag=led_to_plan)
    elif number == 6:
        add(
            EventKind.CIN_PLAN,
            start,
            end_date=cell("end", parse_date),
            code=cell("code", _code) or "",
        )
        if start is None:
            result.warnings.append(f"{where}: no CIN start date, so no CIN episode recorded.")
    elif number == 7:
        add(
            EventKind.CP_PLAN,
            start,
            end_date=cell("end", parse_date),
            code=cell("code", _code) or cell("latest_code", _code) or "",
            number=cell("number", parse_count),
        )
        add(EventKind.CP_VISIT, cell("visit", parse_date), flag=cell("seen_alone", parse_yes_no))
        add(EventKind.CP_REVIEW, cell("review", parse_date))
    elif number == 8:
        add(
            EventKind.CIC_EPISODE,
            start,
            end_date=cell("end", parse_date),
            code=cell("code", _code) or "",
            number=cell("number", parse_count),
        )
        add(EventKind.PLACEMENT, cell("placement_start", parse_date),
            code=cell("placement_type", _code) or "")  # fmt: skip
        add(EventKind.CIC_VISIT, cell("visit", parse_date))
        add(EventKind.CIC_REVIEW, cell("review", parse_date))
    elif number == 9:
        # List 9 has no dates: a care leaver is recorded from the 18th birthday.
        if child.date_of_birth is None:
            result.warnings.append(f"{where}: care leaver with no date of birth was not dated.")
        else:
            dob = child.date_of_birth
            eighteenth = birthday(dob, 18)
            add(
                EventKind.CARE_LEAVER,
                eighteenth,
                code=cell("code", _code) or "",
                flag=cell("flag", parse_yes_no),
            )
    elif number == 10:
        add(
            EventKind.ADOPTION,
            start,
            end_date=cell("end", parse_date),
            linked_date=cell("entered_care", parse_date),
            code=cell("code", _code) or "",
        )
    return events


def birthday(dob: dt.date, years: int) -> dt.date:
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:  # born on 29 February
        return dt.date(dob.year + years, 3, 1)
