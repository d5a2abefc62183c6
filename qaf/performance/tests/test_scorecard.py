"""Trends in one pass, scope choices, benchmarks (shipped, imported, shown) and the registry."""

import datetime as dt
import io

import pytest
from bs4 import BeautifulSoup
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qaf.accounts.models import Role
from qaf.cases.models import CaseEvent, EventKind, Involvement
from qaf.cases.tests.factories import ChildFactory, case_event
from qaf.common.errors import ImportRefused
from qaf.performance import kpis
from qaf.performance.models import Benchmark
from qaf.performance.selectors import scorecard_scope_choices, trend_windows
from qaf.performance.services import benchmark_import_csv

D = dt.date


event = case_event


def inp(*windows):  # type: ignore[no-untyped-def]
    return kpis.KpiInput(CaseEvent.objects.all(), Involvement.objects.all(), tuple(windows))


@pytest.mark.django_db
def test_each_kpi_gives_the_same_answer_for_many_windows_as_for_each_alone(settings) -> None:  # type: ignore[no-untyped-def]
    settings.QAF_CHILD_POPULATION = 10_000
    for n in range(6):
        child = ChildFactory(date_of_birth=D(2015, 1, 1))
        for month in (1, 4, 7, 11):
            event(child, EventKind.REFERRAL, D(2024 + n % 2, month, 3 + n), flag=n % 3 == 0)
            event(child, EventKind.ASSESSMENT, D(2024 + n % 2, month, 3 + n),
                  end_date=D(2024 + n % 2, month + 1, 20 + n))  # fmt: skip
        event(child, EventKind.CP_PLAN, D(2023, 2, 1 + n), end_date=D(2025, 2, 1), number=n % 2)
        event(child, EventKind.CIC_EPISODE, D(2021, 1, 1 + n))
        event(child, EventKind.PLACEMENT, D(2021, 1, 1 + n))
        event(child, EventKind.PLACEMENT, D(2024, 10, 1 + n))
        event(child, EventKind.CIC_VISIT, D(2025, 3, 10 + n))
    windows = [(D(2024, 4, 1), D(2025, 3, 31)), *trend_windows(end=D(2025, 3, 31))]
    for kpi in kpis.kpi_list():
        together = kpi.compute(inp(*windows))
        alone = [kpi.compute(inp(window))[0] for window in windows]
        assert together == alone, kpi.key


@pytest.mark.django_db
def test_the_scorecard_query_count_does_not_grow_with_the_months(council, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.DIRECTOR)
    client.get("/performance/?from=2025-01-01&to=2025-03-31")
    with CaptureQueriesContext(connection) as short:
        client.get("/performance/?from=2025-01-01&to=2025-03-31")
    with CaptureQueriesContext(connection) as long:
        client.get("/performance/?from=2020-01-01&to=2025-03-31")
    assert len(long.captured_queries) == len(short.captured_queries)
    assert len(short.captured_queries) < 40  # about two per KPI, not one per month


@pytest.mark.django_db
def test_re_referral_on_29_february_looks_back_to_28_february() -> None:
    a, b = ChildFactory(), ChildFactory()
    event(a, EventKind.REFERRAL, D(2023, 2, 28))
    event(a, EventKind.REFERRAL, D(2024, 2, 29))  # 366 days later: the same date a year on
    event(b, EventKind.REFERRAL, D(2023, 2, 27))
    event(b, EventKind.REFERRAL, D(2024, 2, 28))  # 366 days, but not within 12 months
    result = kpis.re_referrals(inp((D(2024, 2, 1), D(2024, 3, 31))))[0]
    assert (result.numerator, result.denominator) == (1, 2)


@pytest.mark.django_db
def test_long_term_placement_stability() -> None:
    end = D(2025, 3, 31)
    stable, moved, young = (ChildFactory(date_of_birth=D(2012, 1, 1)) for _ in range(3))
    old = ChildFactory(date_of_birth=D(2008, 1, 1))  # 17: outside the measure
    for child in (stable, moved, old):
        event(child, EventKind.CIC_EPISODE, D(2020, 1, 1))
        event(child, EventKind.PLACEMENT, D(2020, 1, 1))
    event(moved, EventKind.PLACEMENT, D(2024, 1, 1))  # same placement for under 2 years
    event(young, EventKind.CIC_EPISODE, D(2024, 1, 1))  # in care under 2.5 years
    result = kpis.placement_long_term(inp((D(2024, 4, 1), end)))[0]
    assert (result.numerator, result.denominator) == (1, 2)


def test_registering_a_kpi_from_another_app() -> None:
    def audits_done(inp: kpis.KpiInput) -> list[kpis.Result]:
        return [kpis.Result(1, 2, 50.0) for _ in inp.windows]

    extra = kpis.Kpi("test_audits", "Audits completed", "%", True, audits_done, 90, "QA")
    try:
        kpis.register_kpi(extra)
        assert kpis.kpi_get("test_audits") is extra
        with pytest.raises(ValueError, match="already registered"):
            kpis.register_kpi(kpis.Kpi("test_audits", "Other", "%", True, audits_done))
    finally:
        kpis._REGISTRY.pop("test_audits", None)


@pytest.mark.django_db
def test_scope_choices_follow_scope_for(council) -> None:  # type: ignore[no-untyped-def]
    qa = scorecard_scope_choices(user=council.users[Role.QA_OFFICER])
    levels = {c.level for c in qa}
    assert levels == {"county", "area", "district", "team", "worker"}
    manager = scorecard_scope_choices(user=council.users[Role.TEAM_MANAGER])
    assert [c.value for c in manager if c.level == "team"] == [f"team-{council.home_team.pk}"]
    assert not [c for c in manager if c.level in {"area", "district"}]
    assert scorecard_scope_choices(user=council.users[Role.ELECTED_MEMBER]) == []
    assert scorecard_scope_choices(user=council.users[Role.PRACTITIONER]) == []


@pytest.mark.django_db
def test_scorecard_narrows_and_refuses_choices_outside_scope(council, client_for) -> None:  # type: ignore[no-untyped-def]
    event(council.team_child, EventKind.REFERRAL, D(2025, 3, 1), team=council.home_team)
    event(council.far_child, EventKind.REFERRAL, D(2025, 3, 2), team=council.other_area_team)
    query = "/performance/scorecard.csv?from=2025-01-01&to=2025-06-30"
    qa = client_for(Role.QA_OFFICER)
    area = council.other_area_team.district.area_id
    row = next(
        line
        for line in qa.get(f"{query}&scope=area-{area}").content.decode().splitlines()
        if line.startswith("Referrals with no further action")
    )
    assert row.split(",")[3:5] == ["0", "1"]
    manager = client_for(Role.TEAM_MANAGER)
    assert manager.get(f"{query}&scope=team-{council.other_area_team.pk}").status_code == 404
    assert manager.get(f"{query}&scope=area-{area}").status_code == 404
    assert manager.get(f"{query}&scope=nonsense").status_code == 404
    page = qa.get("/performance/?from=2025-01-01&to=2025-06-30")
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.find("label", string="Part of the council")
    assert {g["label"] for g in soup.find_all("optgroup")} == {
        "County", "Area", "District", "Team", "Worker"
    }  # fmt: skip
    assert soup.find("h2", id="caseload-by-team")


@pytest.mark.django_db
def test_england_figures_are_shipped_and_shown_beside_each_kpi(council, client_for) -> None:  # type: ignore[no-untyped-def]
    shipped = Benchmark.objects.get(kpi_key="re_referrals", comparator="england")
    assert shipped.value == 22.4 and "explore-education-statistics" in shipped.source
    page = client_for(Role.DIRECTOR).get("/performance/?from=2025-01-01&to=2025-06-30")
    soup = BeautifulSoup(page.content, "html.parser")
    section = soup.find("h2", id="kpi-re_referrals").parent
    headers = [th.text for th in section.find("thead").find_all("th")]
    assert headers[-2:] == ["England", "Statistical neighbours"]
    assert section.find("tbody").find("tr").find_all("td")[1].text == "22.4"
    csv_text = client_for(Role.DIRECTOR).get("/performance/scorecard.csv").content.decode()
    assert csv_text.splitlines()[0].startswith(
        "KPI,Unit,Value,Numerator,Denominator,Target,RAG,England,Statistical neighbours"
    )


GOOD = b"kpi,comparator,period,value,source\r\nre_referrals,statistical_neighbours,2024,19.5,LA\r\n"


@pytest.mark.django_db
def test_benchmark_csv_import_is_all_or_nothing() -> None:
    assert benchmark_import_csv(data=GOOD) == {"created": 1, "updated": 0}
    assert benchmark_import_csv(data=GOOD.replace(b"19.5", b"18")) == {"created": 0, "updated": 1}
    before = list(Benchmark.objects.values_list("kpi_key", "comparator", "period", "value"))
    bad = GOOD + b"no_such_kpi,england,2024,1,x\r\ncp_rate,wales,2024,abc,\r\n"
    with pytest.raises(
        ImportRefused, match=r"refused \(\d+ problems; nothing was saved\)"
    ) as refused:
        benchmark_import_csv(data=bad)
    text = str(refused.value)
    assert "'no_such_kpi' is not a KPI key" in text
    assert "comparator 'wales'" in text and "'abc' is not a number" in text
    assert "source must say" in text
    assert list(Benchmark.objects.values_list("kpi_key", "comparator", "period", "value")) == before
    for data, message in [
        (b"kpi,value\r\nre_referrals,1\r\n", "has no column comparator, period, source"),
        (b"kpi,comparator,period,value,source\r\n", "no rows"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (GOOD + GOOD.splitlines()[1] + b"\r\n", "given twice"),
    ]:
        with pytest.raises(ImportRefused, match=message):
            benchmark_import_csv(data=data)


@pytest.mark.django_db
def test_benchmark_page_and_command(council, client_for, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.QA_OFFICER)
    page = BeautifulSoup(client.get("/performance/benchmarks/").content, "html.parser")
    assert page.h1.text == "KPI benchmarks"
    empty = BeautifulSoup(client.post("/performance/benchmarks/").content, "html.parser")
    link = empty.find(class_="govuk-error-summary").find("a")
    assert link.text == "Select the CSV file of benchmarks" and link["href"] == "#id_file"
    upload = io.BytesIO(GOOD)
    upload.name = "sn.csv"
    response = client.post("/performance/benchmarks/", {"file": upload})
    assert response.status_code == 302
    assert Benchmark.objects.filter(comparator="statistical_neighbours").count() == 1
    wrong = io.BytesIO(b"x")
    wrong.name = "sn.xlsx"
    refused = BeautifulSoup(
        client.post("/performance/benchmarks/", {"file": wrong}).content, "html.parser"
    )
    assert refused.find(class_="govuk-error-summary").find("a").text == (
        "The file must be a CSV file (.csv)"
    )
    assert client_for(Role.TEAM_MANAGER).get("/performance/benchmarks/").status_code == 404
    path = tmp_path / "b.csv"
    path.write_bytes(GOOD.replace(b"19.5", b"17"))
    out = io.StringIO()
    call_command("import_benchmarks", str(path), stdout=out)
    assert "0 added, 1 replaced" in out.getvalue()
    path.write_bytes(b"kpi\r\n")
    with pytest.raises(CommandError, match="has no column"):
        call_command("import_benchmarks", str(path), stdout=out)
