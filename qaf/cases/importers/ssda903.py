"""The DfE SSDA903 children looked after return: the CSV set (in a zip) or the XML."""

from collections import defaultdict
from pathlib import PurePath
from typing import Any

from qaf.common.errors import ImportRefused

from ..models import EventKind
from .annex_a import birthday as _birthday
from .archives import safe_zip
from .csvread import read_csv
from .parsing import clean_code, normalise_header, parse_date, parse_sex
from .records import ChildRecord, EventRecord, ParseResult, Where
from .xmlread import parse_xml

FORMAT = "ssda903"
IMPORTED = {"header", "episodes", "reviews", "uasc", "oc3", "ad1"}
NOT_IMPORTED = {
    "oc2",
    "missing",
    "placed_for_adoption",
    "previous_permanence",
    "sw_episodes",
    "dolo",
    "prev_perm",
}
# Reason for new episode codes that start a new placement (L is a legal-status change only).
NEW_PLACEMENT = {"S", "P", "B", "T", "U"}

Table = tuple[str, list[str], list[tuple[int, list[str]]]]  # name, header, rows


def parse_ssda903(data: bytes, *, name: str) -> ParseResult:
    lower = name.lower()
    if lower.endswith(".xml"):
        tables = _tables_from_xml(data, name=name)
        result = ParseResult(format=FORMAT)
    elif lower.endswith(".zip"):
        tables, warnings = _tables_from_zip(data, name=name)
        result = ParseResult(format=FORMAT, warnings=warnings)
    else:
        raise ImportRefused(f"{name}: an SSDA903 return is a .zip of its CSV files, or .xml")
    _parse_tables(result, tables)
    return result


def _tables_from_zip(data: bytes, *, name: str) -> tuple[dict[str, Table], list[str]]:
    archive = safe_zip(data, name=name, what="a zip of SSDA903 CSV files")
    tables: dict[str, Table] = {}
    warnings: list[str] = []
    skipped = []
    for member in archive.infolist():
        if member.is_dir() or PurePath(member.filename).name.startswith((".", "__")):
            continue
        path = PurePath(member.filename)
        stem = path.stem.lower()
        if path.suffix.lower() != ".csv":
            raise ImportRefused(f"{name} contains {path.name}, which is not a CSV file")
        if stem in NOT_IMPORTED:
            skipped.append(path.name)
            continue
        if stem not in IMPORTED:
            raise ImportRefused(
                f"{name} contains {path.name}, which is not an SSDA903 table QAF knows "
                f"(expected {', '.join(sorted(IMPORTED | NOT_IMPORTED))})"
            )
        if stem in tables:
            raise ImportRefused(f"{name} contains {path.name} twice")
        table = read_csv(archive.read(member), name=path.name)
        warnings.extend(table.warnings)
        tables[stem] = (path.name, [normalise_header(h) for h in table.header], table.rows)
    if skipped:
        warnings.append("Read but not imported (QAF does not use them): " + ", ".join(skipped))
    if "header" not in tables:
        raise ImportRefused(f"{name} has no header.csv, which every SSDA903 return needs")
    return tables, warnings


def _tables_from_xml(data: bytes, *, name: str) -> dict[str, Table]:
    root = parse_xml(data, name=name)
    if root.tag != "EXPSSDA903":
        raise ImportRefused(f"{name} is not an SSDA903 XML file (expected <EXPSSDA903>)")
    header: list[tuple[int, list[str]]] = []
    episodes: list[tuple[int, list[str]]] = []
    reviews: list[tuple[int, list[str]]] = []
    uasc: list[tuple[int, list[str]]] = []
    for number, child in enumerate(root.findall("CHILD"), start=1):
        head = child.find("HEADER")

        def value(element: Any, tag: str) -> str:
            found = None if element is None else element.find(tag)
            return (found.text or "").strip() if found is not None else ""

        child_id = value(head, "CHILDID")
        header.append(
            (number, [child_id, value(head, "SEX"), value(head, "DOB"), value(head, "ETHNIC")])
        )
        if value(head, "UASC"):
            uasc.append((number, [child_id, value(head, "UASC")]))
        for review in [] if head is None else head.findall("AREVIEW"):
            reviews.append(
                (number, [child_id, value(review, "REVIEW"), value(review, "REVIEW_CODE")])
            )
        for episode in child.findall("EPISODE"):
            episodes.append(
                (
                    number,
                    [child_id]
                    + [value(episode, tag) for tag in ("DECOM", "RNE", "LS", "PL", "DEC", "REC")],
                )
            )
    if not header:
        raise ImportRefused(f"{name} has no <CHILD> records")
    return {
        "header": ("CHILD", ["child", "sex", "dob", "ethnic"], header),
        "episodes": ("EPISODE", ["child", "decom", "rne", "ls", "place", "dec", "rec"], episodes),
        "reviews": ("AREVIEW", ["child", "review", "review code"], reviews),
        "uasc": ("UASC", ["child", "duc"], uasc),
    }


def _columns(result: ParseResult, table: Table, needed: tuple[str, ...]) -> dict[str, int] | None:
    name, header, rows = table
    index = {column: position for position, column in enumerate(header)}
    aliases = {"place": ("pl",), "review code": ("review_code",)}
    for column, others in aliases.items():
        for other in others:
            if column not in index and normalise_header(other) in index:
                index[column] = index[normalise_header(other)]
    missing = [column.upper() for column in needed if column not in index]
    if missing:
        result.file_problem(
            f"{name} has no column {', '.join(missing)}",
            sheet=name,
            expected=f"columns {', '.join(c.upper() for c in needed)}",
        )
        return None
    if not rows:
        result.file_problem(f"{name} has a header row but no data rows", sheet=name)
        return None
    return index


def _parse_tables(result: ParseResult, tables: dict[str, Table]) -> None:
    def rows(stem: str, needed: tuple[str, ...]) -> list[tuple[Where, dict[str, str]]]:
        table = tables.get(stem)
        if table is None:
            return []
        index = _columns(result, table, needed)
        if index is None:
            return []
        out = []
        for line, cells in table[2]:
            result.rows_read += 1
            out.append(
                (
                    Where(table[0], line),
                    {c: cells[i] if i < len(cells) else "" for c, i in index.items()},
                )
            )
        return out

    dobs: dict[str, Any] = {}
    for where, row in rows("header", ("child", "sex", "dob", "ethnic")):
        child_id = result.child_id(where, "CHILD", row["child"])
        dob = result.cell(where, "DOB", row["dob"], parse_date)
        record = ChildRecord(
            child_id=child_id or "",
            where=where,
            sex=result.cell(where, "SEX", row["sex"], parse_sex),
            date_of_birth=dob,
            ethnicity=clean_code(row["ethnic"])[:8].upper() or None,
        )
        if child_id:
            result.children.append(record)
            dobs[child_id] = dob
    known = set(dobs)

    def child_of(where: Where, raw: str) -> str | None:
        child_id = result.child_id(where, "CHILD", raw)
        if child_id is not None and child_id not in known:
            result.problem(
                sheet=where.sheet,
                row=where.row,
                column="CHILD",
                message=f"child {child_id} is not in header.csv",
                value=child_id,
                expected="a child listed in header.csv",
            )
            return None
        return child_id

    for where, row in rows("uasc", ("child",)):
        child_id = child_of(where, row["child"])
        if child_id:
            result.children.append(ChildRecord(child_id=child_id, where=where, uasc=True))

    by_child: dict[str, list[tuple[Where, dict[str, Any]]]] = defaultdict(list)
    for where, row in rows("episodes", ("child", "decom", "rne", "ls", "place", "dec", "rec")):
        child_id = child_of(where, row["child"])
        start = result.cell(where, "DECOM", row["decom"], parse_date, required=True)
        end = result.cell(where, "DEC", row["dec"], parse_date)
        if child_id is None or start is None:
            continue
        if end is not None and end < start:
            result.problem(
                sheet=where.sheet,
                row=where.row,
                column="DEC",
                message=f"the episode ends ({end:%d/%m/%Y}) before it starts ({start:%d/%m/%Y})",
                value=row["dec"],
                expected=f"a date on or after {start:%d/%m/%Y}",
            )
            continue
        by_child[child_id].append((where, {**row, "start": start, "end": end}))
    for child_id, episodes in by_child.items():
        _periods_of_care(result, child_id, sorted(episodes, key=lambda item: item[1]["start"]))

    for where, row in rows("reviews", ("child", "review")):
        child_id = child_of(where, row["child"])
        review = result.cell(where, "REVIEW", row["review"], parse_date, required=True)
        if child_id and review:
            result.events.append(
                EventRecord(
                    child_id=child_id,
                    kind=EventKind.CIC_REVIEW,
                    start_date=review,
                    where=where,
                    # Two reviews on one day with different participation codes are both kept.
                    source_key=clean_code(row.get("review code"))[:60],
                    code=clean_code(row.get("review code"))[:20],
                )
            )
    for where, row in rows("oc3", ("child", "in touch", "activ", "accom")):
        child_id = child_of(where, row["child"])
        dob = dobs.get(child_id or "")
        if child_id and dob:
            in_touch = clean_code(row["in touch"]).upper()
            result.events.append(
                EventRecord(
                    child_id=child_id,
                    kind=EventKind.CARE_LEAVER,
                    start_date=_birthday(dob, 18),
                    where=where,
                    code=clean_code(row["activ"])[:20],
                    flag=True if in_touch == "YES" else False if in_touch == "NO" else None,
                )
            )
    for where, row in rows("ad1", ("child", "date int", "date match")):
        child_id = child_of(where, row["child"])
        decided = result.cell(where, "DATE_INT", row["date int"], parse_date, required=True)
        matched = result.cell(where, "DATE_MATCH", row["date match"], parse_date)
        if child_id and decided:
            result.events.append(
                EventRecord(
                    child_id=child_id,
                    kind=EventKind.ADOPTION,
                    start_date=decided,
                    where=where,
                    linked_date=matched,
                )
            )


def _periods_of_care(
    result: ParseResult, child_id: str, episodes: list[tuple[Where, dict[str, Any]]]
) -> None:
    """Episodes -> placements (new placement codes) and periods of care (S to a REC not X1)."""
    period: tuple[Where, dict[str, Any]] | None = None
    for index, (where, row) in enumerate(episodes):
        rne = clean_code(row["rne"]).upper()
        if rne in NEW_PLACEMENT or index == 0:
            result.events.append(
                EventRecord(
                    child_id=child_id,
                    kind=EventKind.PLACEMENT,
                    start_date=row["start"],
                    where=where,
                    code=clean_code(row["place"])[:20],
                )
            )
        if period is None or rne == "S":
            period = (where, row)
        rec = clean_code(row["rec"]).upper()
        if rec and rec != "X1" and row["end"] is not None:
            result.events.append(_period_event(child_id, period, end=row["end"], rec=rec))
            period = None
    if period is not None:
        result.events.append(_period_event(child_id, period, end=None, rec=""))


def _period_event(
    child_id: str, period: tuple[Where, dict[str, Any]], *, end: Any, rec: str
) -> EventRecord:
    where, row = period
    return EventRecord(
        child_id=child_id,
        kind=EventKind.CIC_EPISODE,
        start_date=row["start"],
        where=where,
        end_date=end,
        code=clean_code(row["ls"])[:20],
    )
