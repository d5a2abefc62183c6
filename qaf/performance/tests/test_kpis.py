"""KPIs against hand-computed values, and the scorecard page for each kind of viewer."""

import datetime as dt
import io

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from qaf.accounts.models import Role
from qaf.cases.models import CaseEvent, EventKind, Involvement
from qaf.cases.tests.factories import ChildFactory, case_event
from qaf.performance import kpis

D = dt.date


event = case_event


def one(compute, start, end):  # type: ignore[no-untyped-def]
    """A KPI over every event for one window."""
    inp = kpis.KpiInput(CaseEvent.objects.all(), Involvement.objects.all(), ((start, end),))
    return compute(inp)[0]


@pytest.mark.django_db
def test_re_referrals_within_12_months() -> None:
    a, b, c = ChildFactory(), ChildFactory(), ChildFactory()
    event(a, EventKind.REFERRAL, D(2024, 3, 1))
    event(a, EventKind.REFERRAL, D(2025, 3, 1))  # exactly 12 months later: a re-referral
    event(b, EventKind.REFERRAL, D(2024, 2, 28))
    event(b, EventKind.REFERRAL, D(2025, 3, 1))  # more than 12 months: not one
    event(c, EventKind.REFERRAL, D(2025, 4, 1), flag=True)
    result = one(kpis.re_referrals, D(2025, 1, 1), D(2025, 12, 31))
    assert (result.numerator, result.denominator, result.value) == (1, 3, 33.3)
    nfa = one(kpis.referrals_nfa, D(2025, 1, 1), D(2025, 12, 31))
    assert (nfa.numerator, nfa.denominator) == (1, 3)


@pytest.mark.django_db
def test_assessments_within_45_working_days_use_the_calendar_convention() -> None:
    child = ChildFactory()
    # Mon 6 Jan 2025 + 45 working days = 9 whole weeks, no bank holidays = Mon 10 Mar 2025.
    event(child, EventKind.ASSESSMENT, D(2025, 1, 6), end_date=D(2025, 3, 10))  # day 45: in time
    event(child, EventKind.ASSESSMENT, D(2025, 1, 7), end_date=D(2025, 3, 12))  # day 46: late
    # Tue 1 Apr 2025 + 9 weeks = Tue 3 Jun, plus 4 bank holidays (18 and 21 Apr, 5 and 26 May)
    # = Mon 9 Jun: day 45, in time; Tue 10 Jun is day 46, late.
    event(child, EventKind.ASSESSMENT, D(2025, 4, 1), end_date=D(2025, 6, 9))
    event(child, EventKind.ASSESSMENT, D(2025, 4, 2), end_date=D(2025, 6, 11))
    # Started and authorised on the same day: 0 working days, in time.
    event(child, EventKind.ASSESSMENT, D(2025, 7, 1), end_date=D(2025, 7, 1))
    result = one(kpis.assessments_in_45, D(2025, 1, 1), D(2025, 12, 31))
    assert (result.numerator, result.denominator) == (3, 5)


@pytest.mark.django_db
def test_icpc_within_15_working_days() -> None:
    child = ChildFactory()
    event(child, EventKind.ICPC, D(2025, 1, 27), linked_date=D(2025, 1, 6))  # 15 working days
    event(child, EventKind.ICPC, D(2025, 2, 28), linked_date=D(2025, 2, 6))  # 16
    event(child, EventKind.ICPC, D(2025, 3, 3))  # no strategy date: not counted
    result = one(kpis.icpc_in_15, D(2025, 1, 1), D(2025, 12, 31))
    assert (result.numerator, result.denominator) == (1, 2)


@pytest.mark.django_db
def test_cp_plan_length_and_repeat_plans() -> None:
    a, b = ChildFactory(), ChildFactory()
    event(a, EventKind.CP_PLAN, D(2021, 5, 1), end_date=D(2023, 5, 1))  # exactly 2 years
    event(a, EventKind.CP_PLAN, D(2023, 9, 1), end_date=D(2023, 12, 1))  # repeat (history)
    event(b, EventKind.CP_PLAN, D(2023, 2, 1), end_date=D(2023, 6, 1), number=2)  # repeat (count)
    long = one(kpis.cp_plans_over_two_years, D(2023, 1, 1), D(2023, 12, 31))
    assert (long.numerator, long.denominator) == (1, 3)
    repeat = one(kpis.repeat_cp_plans, D(2023, 1, 1), D(2023, 12, 31))
    assert (repeat.numerator, repeat.denominator) == (2, 2)


@pytest.mark.django_db
def test_rates_per_10000_use_the_population_setting(settings) -> None:  # type: ignore[no-untyped-def]
    settings.QAF_CHILD_POPULATION = 20_000
    for _ in range(3):
        event(ChildFactory(), EventKind.CP_PLAN, D(2025, 1, 1))
    event(ChildFactory(), EventKind.CP_PLAN, D(2024, 1, 1), end_date=D(2024, 6, 1))
    result = one(kpis.cp_rate, D(2025, 1, 1), D(2025, 3, 31))
    assert (result.numerator, result.value) == (3, 1.5)
    settings.QAF_CHILD_POPULATION = 0
    assert one(kpis.cp_rate, D(2025, 1, 1), D(2025, 3, 31)).value is None


@pytest.mark.django_db
def test_placement_stability_and_visits() -> None:
    a, b = ChildFactory(), ChildFactory()
    for child in (a, b):
        event(child, EventKind.CIC_EPISODE, D(2024, 1, 1))
    for day in (D(2024, 5, 1), D(2024, 8, 1), D(2025, 2, 1)):
        event(a, EventKind.PLACEMENT, day)
    event(b, EventKind.PLACEMENT, D(2024, 1, 1))
    event(a, EventKind.CIC_VISIT, D(2025, 3, 3))  # 20 working days before 31 March
    event(b, EventKind.CIC_VISIT, D(2024, 12, 2))
    moves = one(kpis.placement_moves, D(2024, 4, 1), D(2025, 3, 31))
    assert (moves.numerator, moves.denominator) == (1, 2)
    visits = one(kpis.cic_visits, D(2024, 4, 1), D(2025, 3, 31))
    assert (visits.numerator, visits.denominator) == (1, 2)


def test_rag() -> None:
    kpi = kpis.KPI_BY_KEY["assessments_45"]
    assert [kpis.rag(kpi, v, 85.0) for v in (90, 80, 50, None)] == ["green", "amber", "red", "grey"]
    lower = kpis.KPI_BY_KEY["re_referrals"]
    assert [kpis.rag(lower, v, 20.0) for v in (18, 21, 30)] == ["green", "amber", "red"]


@pytest.mark.django_db
def test_scorecard_page_scoped_by_role(council, client_for) -> None:  # type: ignore[no-untyped-def]
    event(council.team_child, EventKind.REFERRAL, D(2025, 3, 1), team=council.home_team)
    event(
        council.far_child,
        EventKind.REFERRAL,
        D(2025, 3, 2),
        team=council.other_area_team,
        flag=True,
    )
    query = "?from=2025-01-01&to=2025-06-30"
    page = client_for(Role.TEAM_MANAGER).get("/performance/" + query)
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.h1.text == "Performance"
    assert soup.find("h2", id="kpi-referrals_nfa")
    caption = soup.find("caption", string="Referrals with no further action by month")
    assert caption is not None
    assert soup.find("img", alt=lambda a: a and "referrals with no further action" in a)[
        "src"
    ].startswith("data:image/svg+xml")
    director = client_for(Role.DIRECTOR).get("/performance/scorecard.csv" + query)
    lines = director.content.decode().splitlines()
    assert lines[0].startswith("KPI,Unit,Value")
    nfa = next(line for line in lines if line.startswith("Referrals with no further action"))
    assert nfa.split(",")[2:5] == ["50.0", "1", "2"]
    team = client_for(Role.TEAM_MANAGER).get("/performance/scorecard.csv" + query).content.decode()
    row = next(line for line in team.splitlines() if line.startswith("Referrals with no further"))
    assert row.split(",")[2:5] == ["0.0", "0", "1"]
    member = (
        client_for(Role.ELECTED_MEMBER).get("/performance/scorecard.csv" + query).content.decode()
    )
    assert "50.0,1,2" in member
    assert (
        client_for(Role.ELECTED_MEMBER)
        .get(f"/performance/{query}&scope=team-{council.home_team.pk}")
        .status_code
        == 404
    )
    assert client_for(Role.PARTNER_AUDITOR).get("/performance/").status_code == 404
    xlsx = client_for(Role.DIRECTOR).get("/performance/scorecard.xlsx" + query)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A1"].value == "KPI"
