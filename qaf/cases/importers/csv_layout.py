"""QAF's own CSV layout: one row per case event (documented in docs/case-data-import.md)."""

from qaf.common.errors import ImportRefused

from ..models import EventKind
from .csvread import read_csv
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

FORMAT = "csv"
COLUMNS = (
    "child_id",
    "date_of_birth",
    "sex",
    "ethnicity",
    "event",
    "start_date",
    "end_date",
    "linked_date",
    "code",
    "flag",
    "number",
    "team",
    "worker",
    "source_id",
)
REQUIRED = ("child_id", "event", "start_date")
_EVENTS = {normalise_header(kind.value): kind for kind in EventKind} | {
    normalise_header(kind.label): kind for kind in EventKind
}


def _event(value: object) -> str:
    kind = _EVENTS.get(normalise_header(clean_code(value)))
    if kind is None:
        raise CellError(
            f"{clean_code(value)!r} is not an event type",
            "one of: " + ", ".join(kind.value for kind in EventKind),
        )
    return kind.value


def parse_case_csv(data: bytes, *, name: str) -> ParseResult:
    if not name.lower().endswith(".csv"):
        raise ImportRefused(f"{name} does not end .csv")
    table = read_csv(data, name=name)
    result = ParseResult(format=FORMAT, warnings=list(table.warnings))
    index: dict[str, int] = {}
    unknown = []
    for position, header in enumerate(table.header):
        key = normalise_header(header).replace(" ", "_")
        if key in COLUMNS and key not in index:
            index[key] = position
        elif key:
            unknown.append(header)
    missing = [column for column in REQUIRED if column not in index]
    if missing:
        raise ImportRefused(
            f"{name} is missing the column(s) {', '.join(missing)}; the header must name "
            f"{', '.join(REQUIRED)} (and may add {', '.join(c for c in COLUMNS if c not in REQUIRED)})"
        )
    if unknown:
        result.warnings.append(f"{name}: columns not used were ignored: {', '.join(unknown[:10])}")
    if not table.rows:
        raise ImportRefused(f"{name} has a header row but no data rows")
    for line, cells in table.rows:
        result.rows_read += 1
        where = Where(name, line)
        if len(cells) > len(table.header):
            result.problem(
                sheet=name,
                row=line,
                column="",
                message=f"this row has {len(cells)} values but the header has {len(table.header)}",
                expected=f"{len(table.header)} values",
            )
            continue

        def get(column: str, cells: list[str] = cells) -> str | None:
            position = index.get(column)
            return cells[position] if position is not None and position < len(cells) else None

        child_id = result.child_id(where, "child_id", get("child_id"))
        child = ChildRecord(
            child_id=child_id or "",
            where=where,
            sex=result.cell(where, "sex", get("sex"), parse_sex) if get("sex") else None,
            date_of_birth=result.cell(where, "date_of_birth", get("date_of_birth"), parse_date),
            ethnicity=clean_code(get("ethnicity"))[:8].upper() or None,
        )
        kind = result.cell(where, "event", get("event"), _event, required=True)
        start = result.cell(where, "start_date", get("start_date"), parse_date, required=True)
        end = result.cell(where, "end_date", get("end_date"), parse_date)
        linked = result.cell(where, "linked_date", get("linked_date"), parse_date)
        flag = result.cell(where, "flag", get("flag"), parse_yes_no)
        number = result.cell(where, "number", get("number"), parse_count)
        if end is not None and start is not None and end < start:
            result.problem(
                sheet=name,
                row=line,
                column="end_date",
                message=f"ends ({end:%d/%m/%Y}) before it starts ({start:%d/%m/%Y})",
                value=get("end_date") or "",
                expected=f"a date on or after {start:%d/%m/%Y}",
            )
            continue
        if child_id is None or kind is None or start is None:
            continue
        result.children.append(child)
        result.events.append(
            EventRecord(
                child_id=child_id,
                kind=kind,
                start_date=start,
                where=where,
                source_key=clean_code(get("source_id"))[:60],
                end_date=end,
                linked_date=linked,
                code=clean_code(get("code"))[:20],
                flag=flag,
                number=number,
                team=clean_code(get("team"))[:160],
                worker=clean_code(get("worker"))[:160],
            )
        )
    return result
