"""Importers on the shipped synthetic files, and every kind of bad input refused whole."""

import datetime as dt
import glob
import io
import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qaf.cases.importers.csvread import read_csv
from qaf.cases.importers.parsing import CellError, clean_code, normalise_header, parse_date
from qaf.cases.importers.writers import annex_a_workbook, write_xlsx
from qaf.cases.models import CaseEvent, CaseImport, Child, EventKind, ImportStatus, Involvement
from qaf.cases.services import case_data_apply, case_data_parse, case_import_create, case_import_run
from qaf.common.errors import ImportRefused
from qaf.organisation.tests.factories import StaffFactory, TeamFactory

# The public synthetic files in shared/, which sits beside the repository (CI clones it there).
DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "csc"
assert DATA.is_dir(), f"the shared synthetic case data is missing: expected {DATA}"


def ssda903_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(glob.glob(str(DATA / "ssda903" / "*.csv"))):
            archive.write(path, os.path.basename(path))
    return buffer.getvalue()


def run(data: bytes, name: str, fmt: str) -> CaseImport:
    return case_import_run(case_import=case_import_create(file_name=name, data=data, fmt=fmt))


def counts() -> tuple[int, int, int]:
    return Child.objects.count(), CaseEvent.objects.count(), Involvement.objects.count()


def refused(data: bytes, name: str, fmt: str) -> str:
    before = counts()
    with pytest.raises(ImportRefused) as info:
        result = case_data_parse(data=data, file_name=name, fmt=fmt)
        case_data_apply(result=result)
    assert counts() == before
    problems = " | ".join(str(problem) for problem in info.value.problems)
    return f"{info.value} | {problems}"


CHILD = {
    "Child Unique ID": "A1",
    "Gender": "b) Female",
    "Ethnicity": "WBRI",
    "Date of Birth": "03/05/2012",
}


def referral(**overrides: object) -> dict[str, object]:
    return {**CHILD, "Date of referral": "10/01/2025", "Referral NFA?": "b) No", **overrides}


# --- the shipped synthetic files ------------------------------------------------------------


@pytest.mark.django_db
def test_ssda903_csv_set_imports_and_reimport_changes_nothing() -> None:
    first = run(ssda903_zip(), "ssda903.zip", "ssda903")
    assert first.status == ImportStatus.SUCCEEDED, first.message
    assert first.counts["children_created"] == 2675
    assert Child.objects.count() == 2675
    assert CaseEvent.objects.filter(kind=EventKind.CIC_REVIEW).count() == 12580
    assert CaseEvent.objects.filter(kind=EventKind.PLACEMENT).exists()
    assert Child.objects.get(council_child_id="566910").date_of_birth == dt.date(2008, 3, 27)
    assert any("not imported" in warning for warning in first.warnings)
    before = counts()
    again = run(ssda903_zip(), "ssda903.zip", "ssda903")
    assert again.status == ImportStatus.SUCCEEDED
    assert again.counts.get("children_created", 0) == 0
    assert again.counts.get("children_updated", 0) == 0
    assert again.counts.get("events_created", 0) == 0
    assert again.counts.get("events_updated", 0) == 0
    assert counts() == before


@pytest.mark.django_db
def test_ssda903_xml_and_cin_census_import() -> None:
    xml = run((DATA / "ssda903" / "fake_903.xml").read_bytes(), "fake_903.xml", "ssda903")
    assert xml.status == ImportStatus.SUCCEEDED, xml.message
    assert Child.objects.filter(council_child_id="907440").exists()
    cin = run((DATA / "cin" / "fake_CIN_data.xml").read_bytes(), "fake_CIN_data.xml", "cin")
    assert cin.status == ImportStatus.SUCCEEDED, cin.message
    assert cin.counts["children_created"] == 332
    referrals = CaseEvent.objects.filter(kind=EventKind.REFERRAL)
    assert referrals.count() == 402
    first = referrals.get(child__council_child_id="RND000215205141")
    assert (first.start_date, first.code, first.flag) == (dt.date(2020, 7, 13), "4", True)


# --- Annex A ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_annex_a_all_lists_import_with_teams_and_reimport_is_idempotent() -> None:
    team = TeamFactory(name="Ashby Safeguarding")
    worker = StaffFactory(given_name="Priya", family_name="Holt")
    data = annex_a_workbook(
        {
            1: [{**CHILD, "Date of Contact": dt.date(2025, 1, 2), "Contact Source": "a) Police"}],
            3: [referral(**{"Allocated Team": "ashby safeguarding", "Allocated Worker": "Priya Holt"})],
            4: [{**CHILD, "Continuous Assessment Start Date": "10/01/2025",
                 "Continuous Assessment Date of Authorisation": 45700}],
            5: [{**CHILD, "Strategy discussion initiating Section 47 Enquiry Start Date": "13/01/2025",
                 "Date of Initial Child Protection Conference": "27/01/2025",
                 "Did the Initial Child Protection Conference Result in a Child Protection Plan": "a) Yes"}],
            7: [{**CHILD, "Child Protection Plan Start Date": "27/01/2025",
                 "Initial Category of Abuse": "b) Neglect", "Number of Previous Child Protection Plans": 1,
                 "Date of the Last Statutory Visit": "20/02/2025", "Allocated Team": "Ashby Safeguarding"}],
            11: [{"Individual adopter identifier": "AD1", "Date enquiry received": "01/02/2025"}],
        }
    )  # fmt: skip
    first = run(data, "annex-a.xlsx", "annex-a")
    assert first.status == ImportStatus.SUCCEEDED, (first.message, first.problems)
    child = Child.objects.get(council_child_id="A1")
    assert (child.sex, child.date_of_birth, child.ethnicity) == ("F", dt.date(2012, 5, 3), "WBRI")
    ref = CaseEvent.objects.get(kind=EventKind.REFERRAL)
    assert (ref.flag, ref.team, ref.worker) == (False, team, worker)
    assessment = CaseEvent.objects.get(kind=EventKind.ASSESSMENT)
    assert assessment.end_date == dt.date(2025, 2, 12)  # Excel serial 45700
    icpc = CaseEvent.objects.get(kind=EventKind.ICPC)
    assert (icpc.start_date, icpc.linked_date) == (dt.date(2025, 1, 27), dt.date(2025, 1, 13))
    assert CaseEvent.objects.get(kind=EventKind.CP_PLAN).number == 1
    assert Involvement.objects.get(child=child).kind == "cp"
    before = counts()
    again = run(data, "annex-a.xlsx", "annex-a")
    assert again.counts["events_unchanged"] == CaseEvent.objects.count()
    assert counts() == before


@pytest.mark.django_db
def test_newer_extract_updates_the_register() -> None:
    run(annex_a_workbook({3: [referral()]}), "march.xlsx", "annex-a")
    newer = annex_a_workbook(
        {3: [referral(**{"Referral NFA?": "a) Yes", "Date of Birth": "04/05/2012"})]}
    )
    result = run(newer, "april.xlsx", "annex-a")
    assert result.counts["children_updated"] == 1
    assert result.counts["events_updated"] == 1
    assert Child.objects.get().date_of_birth == dt.date(2012, 5, 4)
    assert CaseEvent.objects.get().flag is True


def test_headers_matched_loosely_across_template_versions() -> None:
    data = write_xlsx(
        {
            "L3 referrals": [
                ["Title row of an older template"],
                ["CHILD ID", "sex", "D.O.B.", "Referral  date", "nfa", "Team"],
                ["x-9", "a) Male", "01/02/2010", "02/01/2025", "Y", ""],
            ]
        }
    )
    result = case_data_parse(data=data, file_name="old.xlsx", fmt="annex-a")
    (event,) = result.events
    assert (event.child_id, event.start_date, event.flag) == ("x-9", dt.date(2025, 1, 2), True)
    assert result.children[0].sex == "M"


# --- bad input: each a clear message, nothing written ------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31/04/2025", "'31/04/2025' is not a real date"),
        ("29/02/2023", "'29/02/2023' is not a real date"),
        ("10/01/25", "two-digit year"),
        ("01/01/9999", "year 9999"),
        ("01/13/2025", "looks like month/day order"),
    ],
)
def test_bad_dates_refuse_the_whole_workbook(value: str, message: str) -> None:
    data = annex_a_workbook({3: [referral(), referral(**{"Date of referral": value})]})
    text = refused(data, "bad.xlsx", "annex-a")
    assert message in text
    assert "List 3 - Referrals, row 3, column Date of referral" in text


@pytest.mark.django_db
def test_workbook_shapes_refused() -> None:
    assert "empty workbook" in refused(write_xlsx({"List 3": []}), "e.xlsx", "annex-a")
    header_only = write_xlsx({"List 3": [list(referral())]})
    assert "has headers but no rows" in refused(header_only, "h.xlsx", "annex-a")
    unknown = write_xlsx(
        {"List 3": [list(referral()), list(referral().values())], "Notes": [["x"]]}
    )
    assert "'Notes' is not one of the Annex A lists" in refused(unknown, "u.xlsx", "annex-a")
    list_12 = write_xlsx({"List 12": [list(referral()), list(referral().values())]})
    assert "'List 12' is not one of the Annex A lists" in refused(list_12, "l.xlsx", "annex-a")
    assert "wrong extension" in refused(header_only, "h.csv", "annex-a")
    assert "not a zip container" in refused(b"hello", "fake.xlsx", "annex-a")


@pytest.mark.django_db
def test_conflicting_duplicates_and_colliding_ids_refused() -> None:
    conflict = annex_a_workbook({3: [referral(), referral(**{"Gender": "a) Male"})]})
    assert "appears again with a different gender" in refused(conflict, "c.xlsx", "annex-a")
    dup_event = annex_a_workbook({3: [referral(), referral(**{"Referral NFA?": "Yes"})]})
    assert "conflicting duplicate" in refused(dup_event, "d.xlsx", "annex-a")
    collide = annex_a_workbook({3: [referral(), referral(**{"Child Unique ID": "a-1"})]})
    assert "differs from 'A1' only in case or punctuation" in refused(collide, "i.xlsx", "annex-a")
    Child.objects.create(council_child_id="B-2")
    clash = annex_a_workbook({3: [referral(**{"Child Unique ID": "b2"})]})
    assert "collides with 'B-2', already in the register" in refused(clash, "r.xlsx", "annex-a")
    same = annex_a_workbook({3: [referral(), referral()]})
    assert case_data_parse(data=same, file_name="s.xlsx", fmt="annex-a").warnings


@pytest.mark.django_db
def test_zip_bomb_disguised_as_xlsx_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"\0" * (600 * 1024 * 1024))
    bomb = buffer.getvalue()
    assert len(bomb) < 2 * 1024 * 1024
    assert "possible zip bomb" in refused(bomb, "bomb.xlsx", "annex-a")


@pytest.mark.django_db
def test_size_cap_refuses_a_200_mb_upload() -> None:
    record = case_import_create(file_name="big.xlsx", data=b"PK\x03\x04" + b"0" * 10, fmt="annex-a")
    record.size_bytes = 200 * 1024 * 1024
    record.save()
    result = case_import_run(case_import=record)
    assert result.status == ImportStatus.REFUSED
    assert "200 MB; the limit is 50 MB" in result.message
    big = b"x" * (50 * 1024 * 1024 + 1)
    assert "the limit is 50 MB" in refused(big, "big.csv", "csv")


XML_ATTACKS = {
    "external entity": b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><Message>&x;</Message>',
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><Message>&b;</Message>',
    "dtd": b'<?xml version="1.0"?><!DOCTYPE Message SYSTEM "http://example.invalid/x.dtd"><Message/>',
}


@pytest.mark.django_db
@pytest.mark.parametrize("attack", XML_ATTACKS)
def test_hostile_xml_refused(attack: str) -> None:
    text = refused(XML_ATTACKS[attack], "cin.xml", "cin")
    assert "contains a DTD, an entity declaration or an external reference" in text
    text = refused(XML_ATTACKS[attack], "903.xml", "ssda903")
    assert "never processes" in text


CSV_HEADER = "child_id,sex,date_of_birth,event,start_date,end_date,flag\r\n"


@pytest.mark.django_db
def test_csv_layout_encodings_and_quoting() -> None:
    bom = ("\ufeff" + CSV_HEADER + "K1,F,01/02/2015,referral,03/03/2025,,N\r\n").encode()
    assert case_data_parse(data=bom, file_name="b.csv", fmt="csv").events[0].child_id == "K1"
    cp1252 = b"child_id,event,start_date,code\r\nK2,referral,03/03/2025,\x93Sch\xf6ol\x94\r\n"
    parsed = case_data_parse(data=cp1252, file_name="w.csv", fmt="csv")
    assert "read as Windows-1252" in parsed.warnings[0]
    assert parsed.events[0].code == "\u201cSch\u00f6ol\u201d"
    newline = (CSV_HEADER + 'K3,F,01/02/2015,"refer\nral",03/03/2025,,N\r\n').encode()
    assert "'refer ral' is not an event type" in refused(newline, "n.csv", "csv")
    unbalanced = (CSV_HEADER + 'K4,F,"01/02/2015,referral,03/03/2025,,N\r\n').encode()
    assert "is not valid CSV" in refused(unbalanced, "q.csv", "csv")
    assert "header row but no data rows" in refused(CSV_HEADER.encode(), "h.csv", "csv")
    assert "missing the column(s) event" in refused(
        b"child_id,start_date\r\nA,01/01/2020", "m.csv", "csv"
    )


@pytest.mark.django_db
def test_refused_import_keeps_an_error_report_and_writes_nothing() -> None:
    bad = annex_a_workbook({3: [referral(), referral(**{"Date of referral": "31/04/2025"})]})
    result = run(bad, "bad.xlsx", "annex-a")
    assert result.status == ImportStatus.REFUSED
    assert result.problems[0]["column"] == "Date of referral"
    assert result.problems[0]["value"] == "31/04/2025"
    assert result.problems[0]["row"] == 3
    assert result.payload is None
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_dry_run_writes_nothing_but_reports_counts() -> None:
    record = case_import_create(
        file_name="a.xlsx", data=annex_a_workbook({3: [referral()]}), fmt="annex-a", dry_run=True
    )
    result = case_import_run(case_import=record)
    assert result.status == ImportStatus.CHECKED
    assert result.counts["children_created"] == 1
    assert counts() == (0, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_failure_part_way_rolls_back_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    from qaf.cases import services

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_upsert_involvements", explode)
    result = case_data_parse(
        data=annex_a_workbook({3: [referral()]}), file_name="a.xlsx", fmt="annex-a"
    )
    with pytest.raises(RuntimeError):
        case_data_apply(result=result)
    assert counts() == (0, 0, 0)


# --- parsers never crash ------------------------------------------------------------------------


def test_date_parser_conventions() -> None:
    assert parse_date("05/03/2024") == dt.date(2024, 3, 5)
    assert parse_date("2024-03-05") == dt.date(2024, 3, 5)
    assert parse_date("5/3/2024") == dt.date(2024, 3, 5)
    assert parse_date(45356) == dt.date(2024, 3, 5)
    assert parse_date("2024-03-05 00:00:00") == dt.date(2024, 3, 5)
    assert parse_date("  ") is None
    assert parse_date("29/02/2024") == dt.date(2024, 2, 29)
    with pytest.raises(CellError, match="date and time"):
        parse_date(dt.datetime(2024, 3, 5, 10, 30))
    assert clean_code("b) Female") == "Female"
    assert normalise_header("  Referral NFA? ") == "referral nfa"


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=True), st.dates()))
def test_date_parser_fuzz_only_refuses_cleanly(value: object) -> None:
    try:
        result = parse_date(value)
    except CellError as error:
        assert error.message and error.expected
    else:
        assert result is None or 1900 <= result.year <= 2100


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_csv_reader_fuzz_only_refuses_cleanly(data: bytes) -> None:
    try:
        table = read_csv(data, name="f.csv")
    except ImportRefused as refusal:
        assert "f.csv" in str(refusal)
    else:
        assert isinstance(table.header, list)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_csv_layout_fuzz_only_refuses_cleanly(text: str) -> None:
    try:
        case_data_parse(data=(CSV_HEADER + text).encode(), file_name="f.csv", fmt="csv")
    except ImportRefused as refusal:
        assert str(refusal)
