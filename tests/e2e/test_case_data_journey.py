"""Issue 6 in the browser: a data analyst (the QA unit's role) imports case data and everyone
reads the KPI scorecard for their scope.

A bad file is refused whole, with an error report that names the row, column, value and what
was expected, and nothing is written; an Annex A workbook imports with a summary; importing it
again changes nothing; the scorecard then shows the imported figures, each KPI as a chart with
its data table, narrowed to a team, and downloads as CSV and XLSX. axe on every page."""

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from qaf.cases.importers.writers import synthetic_annex_a
from qaf.cases.management.commands.seed_case_data import _teams
from qaf.cases.models import CaseEvent, CaseImport, Child, EventKind
from qaf.cases.synthetic import SyntheticData, generate
from qaf.common import clock
from qaf.organisation.models import Staff, Team

from .axe import assert_no_axe_violations
from .conftest import DemoSite, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

BAD_CSV = (
    "child_id,sex,date_of_birth,event,start_date,end_date,flag\r\n"
    "K1,F,01/02/2015,referral,03/03/2025,,N\r\n"
    "K2,M,31/04/2015,referral,04/03/2025,,N\r\n"  # 31 April does not exist
)


def upload(page: Page, site: DemoSite, path: Path, what: str) -> None:
    page.goto(site.at("/case-data/"))
    page.get_by_role("button", name="Import a file").click()
    expect(page.locator("h1")).to_have_text("Import case data")
    assert_no_axe_violations(page)
    page.get_by_label("Upload a file").set_input_files(str(path))
    page.get_by_label(what).check()
    page.get_by_role("button", name="Import").click()


def some_children(data: SyntheticData, referred: int, in_care: int) -> SyntheticData:
    """A workbook-sized part of a generated council: the first children referred (the generator
    re-refers recent children, so some have two referrals) and a few already in care."""
    kinds: dict[int, set[str]] = {}
    for row in data.events:
        kinds.setdefault(row[0], set()).add(row[1])
    with_referral = [c for c in sorted(kinds) if "referral" in kinds[c]][:referred]
    cared = [c for c in sorted(kinds) if "cic_episode" in kinds[c]][:in_care]
    keep = {old: new for new, old in enumerate(sorted({*with_referral, *cared}))}
    part = SyntheticData(today=data.today, councils=1)
    part.children = [data.children[old] for old in keep]
    part.events = [(keep[r[0]], *r[1:]) for r in data.events if r[0] in keep]
    part.involvements = [(keep[r[0]], *r[1:]) for r in data.involvements if r[0] in keep]
    return part


def summary(page: Page) -> dict[str, str]:
    keys = page.locator(".govuk-summary-list__key").all_inner_texts()
    values = page.locator(".govuk-summary-list__value").all_inner_texts()
    return {k.strip(): v.strip() for k, v in zip(keys, values, strict=True)}


def test_data_analyst_imports_case_data_and_reads_the_scorecard(
    page: Page, site: DemoSite, tmp_path: Path
) -> None:
    children_before = Child.objects.count()
    sign_in(page, site, "demo-qa-officer")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Case data").click()
    expect(page.locator("h1")).to_have_text("Case data")
    assert_no_axe_violations(page)

    # A bad file: refused whole, the error report names where and what, nothing written.
    bad = tmp_path / "events.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    upload(page, site, bad, "QAF case events (CSV)")
    expect(
        page.get_by_role("heading", name="The file was refused: nothing was imported")
    ).to_be_visible()
    assert_no_axe_violations(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the error report (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert len(rows) == 1, rows
    problem = {key.lower(): value for key, value in rows[0].items()}
    assert problem["row"] == "3"
    assert problem["value"] == "31/04/2015"
    assert "date" in problem["column"].lower() and problem["expected"]
    assert Child.objects.count() == children_before  # K1's good row was not written either

    # An Annex A workbook generated for the demo council's teams and workers.
    today = clock.today()
    generated = generate(scale="county", seed=11, today=today, teams=_teams(), councils=1)
    data = some_children(generated, referred=200, in_care=10)
    workbook = tmp_path / "annex_a.xlsx"
    workbook.write_bytes(
        synthetic_annex_a(
            data,
            team_names=dict(Team.objects.values_list("pk", "name")),
            worker_names={
                pk: f"{given} {family}"
                for pk, given, family in Staff.objects.values_list(
                    "pk", "given_name", "family_name"
                )
            },
        )
    )
    upload(page, site, workbook, "Ofsted Annex A workbook (xlsx)")
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    assert_no_axe_violations(page)
    first = summary(page)
    assert int(first["Rows read"]) > 200
    added = int(first["Case events added"])
    assert added > 0 and int(first["Children added"]) > 0
    assert CaseEvent.objects.filter(imported_by__isnull=False).count() == added
    referrals = CaseEvent.objects.filter(kind=EventKind.REFERRAL, imported_by__isnull=False)
    # The derived previous referral is set by the import (the re-referral KPI reads it).
    assert referrals.filter(previous_start__isnull=False).count() > 0

    # The same file again changes nothing, and the history keeps both imports.
    upload(page, site, workbook, "Ofsted Annex A workbook (xlsx)")
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    again = summary(page)
    assert (again["Children added"], again["Case events added"]) == ("0", "0")
    assert again["Case events updated"] == "0"
    assert int(again["Case events unchanged"]) == added
    assert CaseImport.objects.filter(file_name="annex_a.xlsx").count() == 2
    page.goto(site.at("/case-data/"))
    expect(page.get_by_role("link", name="annex_a.xlsx")).to_have_count(2)

    # The scorecard over the imported year: every KPI with a chart and its data table.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Performance").click()
    expect(page.locator("h1")).to_have_text("Performance")
    start = (today - dt.timedelta(days=364)).isoformat()
    page.get_by_label("From (yyyy-mm-dd)").fill(start)
    page.get_by_label("To (yyyy-mm-dd)").fill(today.isoformat())
    page.get_by_role("button", name="Show").click()
    heading = page.get_by_role("heading", name="Re-referrals within 12 months")
    expect(heading).to_be_visible()
    section = page.locator("section", has=heading)
    expect(section.get_by_role("img")).to_have_attribute(
        "alt", re.compile("re-referrals within 12 months", re.IGNORECASE)
    )
    expect(section.locator("table caption")).to_contain_text("by month")
    assert_no_axe_violations(page)
    county_referrals = referrals.filter(start_date__gte=start, start_date__lte=today).count()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    lines = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert lines[0][:3] == ["KPI", "Unit", "Value"]
    row = next(line for line in lines if line[0] == "Re-referrals within 12 months")
    assert int(row[4]) == county_referrals  # denominator: the imported referrals in the year
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet is not None and sheet["A1"].value == "KPI"

    # Narrowed to one team: only that team's referrals are counted.
    team = (
        Team.objects.filter(
            case_events__kind=EventKind.REFERRAL, case_events__start_date__gte=start
        )
        .order_by("name")
        .first()
    )
    assert team is not None
    page.get_by_label("Part of the council").select_option(label=team.name)
    page.get_by_role("button", name="Show").click()
    expect(page.locator("p").filter(has_text=team.name).first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    lines = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    row = next(line for line in lines if line[0] == "Re-referrals within 12 months")
    team_referrals = referrals.filter(team=team, start_date__gte=start, start_date__lte=today)
    assert int(row[4]) == team_referrals.count() < county_referrals
    assert_no_axe_violations(page)
