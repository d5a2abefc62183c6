"""Writers for the formats QAF imports: used by seed_case_data and by the tests."""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook

from .annex_a import LISTS, _columns_for


def annex_a_headers(number: int) -> list[str]:
    """The current template's headers for one list (those QAF reads)."""
    return [column.header for column in _columns_for(number)]


def write_xlsx(sheets: Mapping[str, Sequence[Sequence[Any]]], *, blank: Any = None) -> bytes:
    """A workbook with one sheet per entry; the first row of each is its header. Empty cells
    are left out, or written as `blank` (blank="" gives every row every cell, as some
    readers, liiatools among them, require)."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        for row in rows:
            sheet.append([blank if cell is None else cell for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def annex_a_workbook(
    lists: dict[int, Iterable[dict[str, Any]]],
    *,
    blank: Any = None,
    extra_headers: Mapping[int, Sequence[str]] | None = None,
) -> bytes:
    """An Annex A workbook: lists maps list number to rows keyed by column header.
    extra_headers: more columns for some lists (the rest of Ofsted's template, say), after
    QAF's own; a row fills them only if it has a value under that header."""
    sheets: dict[str, list[list[Any]]] = {}
    for number, rows in lists.items():
        headers = annex_a_headers(number)
        headers += [h for h in (extra_headers or {}).get(number, ()) if h not in headers]
        sheet: list[list[Any]] = [list(headers)]
        sheet.extend([row.get(header) for header in headers] for row in rows)
        sheets[f"List {number} - {LISTS[number][0]}"] = sheet
    return write_xlsx(sheets, blank=blank)


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


def ssda903_zip(tables: dict[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """A zip of SSDA903 CSV files: tables maps stem (header, episodes...) to (header, rows)."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for stem, (header, rows) in tables.items():
            archive.writestr(f"{stem}.csv", write_csv(header, rows))
    return buffer.getvalue()


# From generated data (qaf.cases.synthetic.SyntheticData) -------------------------------------

_SEX_903 = {"M": "1", "F": "2"}
_SEX_ANNEX_A = {"M": "a) Male", "F": "b) Female", "U": "c) Not stated/recorded"}


def _yes(value: bool | None) -> str | None:
    return None if value is None else ("Yes" if value else "No")


def _by_child(data: Any) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for row in data.events:
        out.setdefault(row[0], []).append(row)
    return out


def synthetic_annex_a(
    data: Any,
    *,
    team_names: dict[int, str] | None = None,
    worker_names: dict[int, str] | None = None,
    max_rows: int | None = None,
    adopters: int = 0,
    blank: Any = None,
    extra_headers: Mapping[int, Sequence[str]] | None = None,
) -> bytes:
    """An Annex A workbook (lists 1-10) of generated data; max_rows caps the data rows of lists
    1-10. adopters > 0 adds List 11 with that many fictional adopter enquiries. blank: what
    empty cells are written as (write_xlsx); extra_headers: empty columns added to lists
    (annex_a_workbook)."""
    teams, workers = team_names or {}, worker_names or {}
    lists: dict[int, list[dict[str, Any]]] = {n: [] for n in range(1, 12)}
    for n in range(adopters):
        lists[11].append(
            {
                "Individual adopter identifier": f"ADOPTER{n + 1:06d}",
                "Date enquiry received": data.today - dt.timedelta(days=(n * 37) % 730),
            }
        )
    total = 0
    for child, rows in _by_child(data).items():
        code, dob, sex, ethnicity = data.children[child]
        latest: dict[str, list[dt.date]] = {}
        codes: dict[dt.date | None, str] = {}  # placement start -> placement type
        for row in rows:
            if row[1] in {"cp_visit", "cp_review", "cic_visit", "cic_review", "placement"}:
                latest.setdefault(row[1], []).append(row[2])
            if row[1] == "placement":
                codes[row[2]] = row[5]

        def last(
            kind: str, before: dt.date | None, latest: dict[str, list[dt.date]] = latest
        ) -> dt.date | None:
            days = [d for d in latest.get(kind, ()) if before is None or d <= before]
            return max(days) if days else None

        for row in rows:
            _, kind, start, end, linked, ev_code, flag, number, team, worker, _key = row
            common = {
                "Child Unique ID": code,
                "Gender": _SEX_ANNEX_A[sex],
                "Ethnicity": ethnicity,
                "Date of Birth": dob,
                "Allocated Team": teams.get(team) if team else None,
                "Allocated Worker": workers.get(worker) if worker else None,
            }
            if kind == "contact":
                lists[1].append({**common, "Date of Contact": start, "Contact Source": ev_code})
            elif kind == "early_help":
                lists[2].append(
                    {
                        **common,
                        "Assessment start date": start,
                        "Assessment completion date": end,
                        "Organisation completing assessment": ev_code or None,
                    }
                )
            elif kind == "referral":
                lists[3].append(
                    {
                        **common,
                        "Date of referral": start,
                        "Referral Source": ev_code,
                        "Referral NFA?": _yes(flag),
                        "Number of Referrals in Last 12 Months": number,
                    }
                )
            elif kind == "assessment":
                lists[4].append(
                    {
                        **common,
                        "Continuous Assessment Start Date": start,
                        "Child Seen During Continuous Assessment": _yes(flag),
                        "Continuous Assessment Date of Authorisation": end,
                        "Was the child assessed as requiring LA children's social care support?": {
                            "Y": "Yes",
                            "N": "No",
                        }.get(ev_code),
                    }
                )
            elif kind == "section_47":
                lists[5].append(
                    {
                        **common,
                        "Strategy discussion initiating Section 47 Enquiry Start Date": start,
                        "Was an Initial Child Protection Conference deemed unnecessary?": _yes(
                            ev_code == "ICPC not needed"
                        ),
                        "Date of Initial Child Protection Conference": linked,
                        "Did the Initial Child Protection Conference Result in a Child "
                        "Protection Plan": _yes(flag),
                    }
                )
            elif kind == "cin_plan":
                lists[6].append(
                    {
                        **common,
                        "CIN Start Date": start,
                        "Primary Need Code": ev_code,
                        "CIN Closure Date": end,
                    }
                )
            elif kind == "cp_plan":
                lists[7].append(
                    {
                        **common,
                        "Child Protection Plan Start Date": start,
                        "Initial Category of Abuse": ev_code,
                        "Date of the Last Statutory Visit": last("cp_visit", end),
                        "Date of latest review conference": last("cp_review", end),
                        "Child Protection Plan End Date": end,
                        "Number of Previous Child Protection Plans": number,
                    }
                )
            elif kind == "cic_episode":
                lists[8].append(
                    {
                        **common,
                        "Date Started to be Looked After": start,
                        "Child's Legal Status": ev_code,
                        "Date of Latest Statutory Review": last("cic_review", end),
                        "Date of Last Social Work Visit": last("cic_visit", end),
                        "Date Ceased to be Looked After": end,
                        "Start Date of Most Recent Placement": last("placement", end),
                        "Placement Type": codes.get(last("placement", end)),
                    }
                )
            elif kind == "care_leaver":
                lists[9].append(
                    {**common, "Eligibility Category": ev_code, "LA in Touch": _yes(flag)}
                )
            elif kind == "adoption":
                lists[10].append(
                    {
                        **common,
                        "Date the Child Entered Care": linked,
                        "Date of Decision that Child Should be Placed for Adoption": start,
                        "Date of Adoption Order": end,
                    }
                )
            else:
                continue
            total += 1
            if max_rows is not None and total >= max_rows:
                break
        if max_rows is not None and total >= max_rows:
            break
    return annex_a_workbook(
        {n: r for n, r in lists.items() if r}, blank=blank, extra_headers=extra_headers
    )


def synthetic_ssda903(data: Any) -> bytes:
    """The SSDA903 CSV set (header, episodes, reviews) for generated children in care."""
    header, episodes, reviews = [], [], []
    for child, rows in _by_child(data).items():
        spells = [r for r in rows if r[1] == "cic_episode"]
        if not spells:
            continue
        code, dob, sex, ethnicity = data.children[child]
        header.append([code, _SEX_903.get(sex, "1"), dob, ethnicity])
        places = sorted((r for r in rows if r[1] == "placement"), key=lambda r: r[2])
        for spell in spells:
            start, end, legal = spell[2], spell[3], spell[5]
            inside = [p for p in places if start <= p[2] and (end is None or p[2] < end)]
            for n, place in enumerate(inside):
                following = inside[n + 1][2] if n + 1 < len(inside) else end
                rne = "S" if n == 0 else "P"
                rec = "X1" if n + 1 < len(inside) else ("E11" if end else "")
                episodes.append([code, place[2], rne, legal, place[5], following, rec])
        for review in (r for r in rows if r[1] == "cic_review"):
            reviews.append([code, review[2], "PN1"])
    return ssda903_zip(
        {
            "header": (["CHILD", "SEX", "DOB", "ETHNIC"], header),
            "episodes": (["CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC"], episodes),
            "reviews": (["CHILD", "REVIEW", "REVIEW_CODE"], reviews),
        }
    )


def synthetic_cin_xml(data: Any, *, year: int) -> bytes:
    """A CIN census message for generated children referred in the year to 31 March `year`."""
    first, last = dt.date(year - 1, 4, 1), dt.date(year, 3, 31)
    children = []
    for child, rows in _by_child(data).items():
        referrals = sorted(r for r in rows if r[1] == "referral" and first <= r[2] <= last)
        if not referrals:
            continue
        code, dob, sex, ethnicity = data.children[child]
        details = []
        for n, referral in enumerate(referrals):
            until = referrals[n + 1][2] if n + 1 < len(referrals) else dt.date.max
            within = [r for r in rows if referral[2] <= r[2] < until]
            details.append(
                {
                    "referral": referral[2],
                    "source": referral[5] or "1A",
                    "nfa": bool(referral[6]),
                    "assessments": [(r[2], r[3]) for r in within if r[1] == "assessment"],
                    "s47": [(r[2], r[4]) for r in within if r[1] == "section_47"],
                    "plans": [
                        (r[2], r[3], r[5], r[7] or 0, [
                            v[2] for v in rows if v[1] == "cp_review"
                            and r[2] <= v[2] and (r[3] is None or v[2] <= r[3])
                        ])
                        for r in within if r[1] == "cp_plan"
                    ],
                }
            )  # fmt: skip
        children.append(
            {"id": code, "dob": dob, "sex": _SEX_903.get(sex, "0"), "ethnicity": ethnicity,
             "details": details}
        )  # fmt: skip
    return cin_census_xml(children, year=year)
