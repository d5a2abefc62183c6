"""Writers for the formats QAF imports: used by seed_case_data and by the tests."""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook

from .annex_a import LISTS, _columns_for


def annex_a_headers(number: int) -> list[str]:
    """The current template's headers for one list (those QAF reads)."""
    return [column.header for column in _columns_for(number)]


def write_xlsx(sheets: dict[str, Sequence[Sequence[Any]]]) -> bytes:
    """A workbook with one sheet per entry; the first row of each is its header."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def annex_a_workbook(lists: dict[int, Iterable[dict[str, Any]]]) -> bytes:
    """An Annex A workbook: lists maps list number to rows keyed by column header."""
    sheets: dict[str, list[list[Any]]] = {}
    for number, rows in lists.items():
        headers = annex_a_headers(number)
        sheet = [headers]
        sheet.extend([row.get(header) for header in headers] for row in rows)
        sheets[f"List {number} - {LISTS[number][0]}"] = sheet
    return write_xlsx(sheets)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else _csv_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def _csv_cell(value: Any) -> str:
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def cin_census_xml(children: Iterable[dict[str, Any]], *, year: int = 2025) -> bytes:
    """A CIN census message. Each child: id, dob, sex (1/2/0/9), ethnicity, details: a list of
    dicts with referral, source, nfa, closure, assessments [(start, authorised)],
    s47 [(start, icpc)], plans [(start, end, category, previous, [review dates])]."""

    def d(value: dt.date | None) -> str:
        return "" if value is None else value.isoformat()

    out = [
        "<Message><Header><CollectionDetails><Collection>CIN</Collection>",
        f"<Year>{year}</Year><ReferenceDate>{year}-03-31</ReferenceDate></CollectionDetails>",
        "<Source><SourceLevel>L</SourceLevel><LEA>999</LEA><SoftwareCode>qaf</SoftwareCode>",
        "<Release>1</Release><SerialNo>1</SerialNo>",
        f"<DateTime>{year}-04-01T09:00:00</DateTime></Source></Header><Children>",
    ]
    for child in children:
        out.append(
            "<Child><ChildIdentifiers>"
            f"<LAchildID>{escape(child['id'])}</LAchildID>"
            f"<PersonBirthDate>{d(child.get('dob'))}</PersonBirthDate>"
            f"<GenderCurrent>{child.get('sex', '0')}</GenderCurrent></ChildIdentifiers>"
            f"<ChildCharacteristics><Ethnicity>{escape(child.get('ethnicity', 'NOBT'))}"
            "</Ethnicity></ChildCharacteristics>"
        )
        for detail in child.get("details", []):
            out.append(f"<CINdetails><CINreferralDate>{d(detail['referral'])}</CINreferralDate>")
            out.append(f"<ReferralSource>{detail.get('source', '1A')}</ReferralSource>")
            out.append(f"<PrimaryNeedCode>{detail.get('need', 'N1')}</PrimaryNeedCode>")
            if detail.get("closure"):
                out.append(f"<CINclosureDate>{d(detail['closure'])}</CINclosureDate>")
            out.append(f"<ReferralNFA>{'true' if detail.get('nfa') else 'false'}</ReferralNFA>")
            for start, authorised in detail.get("assessments", []):
                out.append(
                    "<Assessments>"
                    f"<AssessmentActualStartDate>{d(start)}</AssessmentActualStartDate>"
                    f"<AssessmentAuthorisationDate>{d(authorised)}</AssessmentAuthorisationDate>"
                    "</Assessments>"
                )
            for start, icpc in detail.get("s47", []):
                out.append(f"<Section47><S47ActualStartDate>{d(start)}</S47ActualStartDate>")
                if icpc:
                    out.append(f"<DateOfInitialCPC>{d(icpc)}</DateOfInitialCPC>")
                out.append("</Section47>")
            for start, end, category, previous, reviews in detail.get("plans", []):
                out.append(f"<ChildProtectionPlans><CPPstartDate>{d(start)}</CPPstartDate>")
                if end:
                    out.append(f"<CPPendDate>{d(end)}</CPPendDate>")
                out.append(f"<InitialCategoryOfAbuse>{category}</InitialCategoryOfAbuse>")
                out.append(f"<NumberOfPreviousCPP>{previous}</NumberOfPreviousCPP>")
                if reviews:
                    out.append("<Reviews>")
                    out.extend(f"<CPPreviewDate>{d(r)}</CPPreviewDate>" for r in reviews)
                    out.append("</Reviews>")
                out.append("</ChildProtectionPlans>")
            out.append("</CINdetails>")
        out.append("</Child>")
    out.append("</Children></Message>")
    return "".join(out).encode("utf-8")
