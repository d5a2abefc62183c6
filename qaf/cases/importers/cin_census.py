"""The DfE children in need census XML (schema: CIN_schema_2024.xsd), via defusedxml."""

from typing import Any

from qaf.common.errors import ImportRefused

from ..models import EventKind
from .parsing import clean_code, parse_count, parse_date, parse_sex, parse_yes_no
from .records import ChildRecord, EventRecord, ParseResult, Where
from .xmlread import parse_xml, text_of

FORMAT = "cin"


def parse_cin_census(data: bytes, *, name: str) -> ParseResult:
    if not name.lower().endswith(".xml"):
        raise ImportRefused(f"{name} does not end .xml: a CIN census return is an XML file")
    root = parse_xml(data, name=name)
    if root.tag != "Message" or root.find("Children") is None:
        raise ImportRefused(
            f"{name} is not a CIN census file: expected <Message> with <Children> "
            f"(found <{root.tag}>)"
        )
    result = ParseResult(format=FORMAT)
    children = root.findall("Children/Child")
    if not children:
        raise ImportRefused(f"{name} has no <Child> records")
    for number, node in enumerate(children, start=1):
        result.rows_read += 1
        where = Where("Child", number)
        ids = node.find("ChildIdentifiers")
        child_id = result.child_id(where, "LAchildID", text_of(ids, "LAchildID"))
        child = ChildRecord(
            child_id=child_id or "",
            where=where,
            sex=result.cell(where, "GenderCurrent", text_of(ids, "GenderCurrent"), parse_sex),
            date_of_birth=result.cell(
                where, "PersonBirthDate", text_of(ids, "PersonBirthDate"), parse_date
            ),
            ethnicity=(clean_code(text_of(node.find("ChildCharacteristics"), "Ethnicity")) or None),
        )
        events = _events(result, where, child.child_id, node)
        if child_id:
            result.children.append(child)
            result.events.extend(events)
    return result


def _events(result: ParseResult, where: Where, child_id: str, node: Any) -> list[EventRecord]:
    events: list[EventRecord] = []
    icpc_dates: set[Any] = set()

    def date(element: Any, tag: str, *, required: bool = False) -> Any:
        return result.cell(where, tag, text_of(element, tag), parse_date, required=required)

    def add(kind: str, start: Any, **fields: Any) -> None:
        if start is None:
            return
        end = fields.get("end_date")
        if end is not None and end < start:
            result.problem(
                sheet=where.sheet,
                row=where.row,
                column=kind,
                message=f"ends ({end:%d/%m/%Y}) before it starts ({start:%d/%m/%Y})",
                value=f"{end:%d/%m/%Y}",
                expected=f"a date on or after {start:%d/%m/%Y}",
            )
            return
        events.append(
            EventRecord(child_id=child_id, kind=kind, start_date=start, where=where, **fields)
        )

    for details in node.findall("CINdetails"):
        referral = date(details, "CINreferralDate", required=True)
        add(
            EventKind.REFERRAL,
            referral,
            code=clean_code(text_of(details, "ReferralSource"))[:20],
            flag=result.cell(where, "ReferralNFA", text_of(details, "ReferralNFA"), parse_yes_no),
            end_date=date(details, "CINclosureDate"),
        )
        for plan in details.findall("CINPlanDates"):
            add(
                EventKind.CIN_PLAN,
                date(plan, "CINPlanStartDate", required=True),
                end_date=date(plan, "CINPlanEndDate"),
                code=clean_code(text_of(details, "PrimaryNeedCode"))[:20],
            )
        for assessment in details.findall("Assessments"):
            add(
                EventKind.ASSESSMENT,
                date(assessment, "AssessmentActualStartDate", required=True),
                end_date=date(assessment, "AssessmentAuthorisationDate"),
            )
        for s47 in details.findall("Section47"):
            start = date(s47, "S47ActualStartDate", required=True)
            icpc = date(s47, "DateOfInitialCPC")
            add(EventKind.SECTION_47, start, linked_date=icpc)
            if icpc is not None and start is not None and icpc >= start:
                icpc_dates.add(icpc)
                add(EventKind.ICPC, icpc, linked_date=start)
        icpc = date(details, "DateOfInitialCPC")
        if icpc is not None and icpc not in icpc_dates:
            icpc_dates.add(icpc)
            add(EventKind.ICPC, icpc)
        for plan in details.findall("ChildProtectionPlans"):
            start = date(plan, "CPPstartDate", required=True)
            add(
                EventKind.CP_PLAN,
                start,
                end_date=date(plan, "CPPendDate"),
                code=clean_code(text_of(plan, "InitialCategoryOfAbuse"))[:20],
                number=result.cell(
                    where, "NumberOfPreviousCPP", text_of(plan, "NumberOfPreviousCPP"), parse_count
                ),
            )
            for review in plan.findall("Reviews/CPPreviewDate"):
                add(
                    EventKind.CP_REVIEW,
                    result.cell(where, "CPPreviewDate", review.text, parse_date),
                )
    return events
