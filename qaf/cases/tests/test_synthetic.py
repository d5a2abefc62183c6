"""The synthetic data generator: deterministic, near its target rates, and its files import."""

import datetime as dt
import io
import zipfile
from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command

from qaf.calendar import working_days_between
from qaf.cases.importers.writers import synthetic_annex_a, synthetic_cin_xml, synthetic_ssda903
from qaf.cases.models import CaseEvent, Child, Involvement
from qaf.cases.services import case_data_parse
from qaf.cases.synthetic import SyntheticData, generate

TODAY = dt.date(2025, 9, 30)


@pytest.fixture(scope="module")
def data() -> SyntheticData:
    return generate(scale="county", seed=11, today=TODAY, teams=[(1, [10, 11]), (2, [])])


def test_same_seed_same_data_other_seed_other_data(data: SyntheticData) -> None:
    again = generate(scale="county", seed=11, today=TODAY, teams=[(1, [10, 11]), (2, [])])
    assert again.events == data.events and again.children == data.children
    other = generate(scale="county", seed=12, today=TODAY, teams=[(1, [10, 11]), (2, [])])
    assert other.events != data.events


def _kinds(data: SyntheticData, kind: str) -> list[tuple]:
    return [row for row in data.events if row[1] == kind]


def test_rates_are_near_the_national_figures(data: SyntheticData) -> None:
    last_year = TODAY - dt.timedelta(days=365)
    referrals = _kinds(data, "referral")
    assert 8_000 <= len(referrals) <= 9_000  # about 4,250 a year for two years
    by_child: dict[int, list[dt.date]] = defaultdict(list)
    for row in referrals:
        by_child[row[0]].append(row[2])
    recent = [r for r in referrals if r[2] > last_year]
    repeat = sum(
        1 for r in recent if any(r[2] - dt.timedelta(days=365) <= d < r[2] for d in by_child[r[0]])
    )
    assert 0.18 <= repeat / len(recent) <= 0.26  # DfE 2024: 22%
    done = [r for r in _kinds(data, "assessment") if r[3] is not None]
    in_time = sum(1 for r in done if working_days_between(r[2], r[3]) <= 45)
    assert 0.80 <= in_time / len(done) <= 0.91  # DfE 2025: 85.7%
    icpcs = _kinds(data, "icpc")
    in_15 = sum(1 for r in icpcs if working_days_between(r[4], r[2]) <= 15)
    assert 0.74 <= in_15 / len(icpcs) <= 0.88  # DfE 2025: 81%
    plans = _kinds(data, "cp_plan")
    repeat_plans = sum(1 for r in plans if r[7])
    assert 0.17 <= repeat_plans / len(plans) <= 0.30
    ages = [(r[2] - data.children[r[0]][1]).days // 365 for r in referrals]
    assert 0.3 <= sum(1 for a in ages if a >= 10) / len(ages) <= 0.6
    in_care = {r[0] for r in _kinds(data, "cic_episode") if r[2] <= TODAY and r[3] is None}
    assert 400 <= len(in_care) <= 800  # about 70 per 10,000 of 78,000 children


def test_no_event_is_generated_twice(data: SyntheticData) -> None:
    keys = [(r[0], r[1], r[2], r[10]) for r in data.events]
    assert len(keys) == len(set(keys))
    assert all(r[3] is None or r[3] >= r[2] for r in data.events)


def test_the_written_files_are_accepted_by_the_importers(data: SyntheticData) -> None:
    workbook = synthetic_annex_a(data, max_rows=3_000)
    parsed = case_data_parse(data=workbook, file_name="annex_a.xlsx", fmt="annex-a")
    assert not parsed.problems and len(parsed.events) >= 3_000
    archive = synthetic_ssda903(data)
    assert {"header.csv", "episodes.csv", "reviews.csv"} <= set(
        zipfile.ZipFile(io.BytesIO(archive)).namelist()
    )
    parsed = case_data_parse(data=archive, file_name="ssda903.zip", fmt="ssda903")
    assert not parsed.problems and parsed.events
    xml = synthetic_cin_xml(data, year=2025)
    parsed = case_data_parse(data=xml, file_name="cin.xml", fmt="cin")
    assert not parsed.problems and parsed.events


@pytest.mark.django_db
def test_seed_case_data_command_writes_the_register_and_refuses_a_second_run(
    council, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("seed_case_data", "--seed", "3", "--today", "2025-09-30", "--out", tmp_path,
                 stdout=out)  # fmt: skip
    synthetic = Child.objects.filter(council_child_id__startswith="SYN")
    assert synthetic.count() > 5_000
    assert CaseEvent.objects.filter(child__in=synthetic).count() > 40_000
    # Cases are attributed to the council's teams, so they fall into people's scope.
    assert Involvement.objects.filter(child__in=synthetic, team=council.home_team).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "annex_a.xlsx", "cin_census_2025.xml", "ssda903.zip"
    ]  # fmt: skip
    with pytest.raises(CommandError, match="already holds synthetic children"):
        call_command("seed_case_data", "--seed", "3", "--today", "2025-09-30", stdout=out)
    before = CaseEvent.objects.count()
    call_command("seed_case_data", "--seed", "3", "--today", "2025-09-30", "--replace",
                 stdout=out)  # fmt: skip
    assert CaseEvent.objects.count() == before
    with pytest.raises(CommandError, match="--no-db needs --out"):
        call_command("seed_case_data", "--no-db", stdout=out)
