"""The scorecard and case-import history over the API: the same scope and 404s as the pages."""

import datetime as dt

import pytest

from qaf.accounts.models import Role
from qaf.cases.models import CaseEvent, EventKind
from qaf.cases.services import case_import_create


@pytest.mark.django_db
def test_scorecard_api_equals_the_page_scope(council, client_for) -> None:  # type: ignore[no-untyped-def]
    CaseEvent.objects.create(child=council.team_child, kind=EventKind.REFERRAL,
                             start_date=dt.date(2025, 3, 1), team=council.home_team)  # fmt: skip
    CaseEvent.objects.create(child=council.far_child, kind=EventKind.REFERRAL, flag=True,
                             start_date=dt.date(2025, 3, 2), team=council.other_area_team)  # fmt: skip
    url = "/api/v1/performance/scorecard?start=2025-01-01&end=2025-06-30"
    director = client_for(Role.DIRECTOR).get(url).json()
    nfa = next(k for k in director["kpis"] if k["key"] == "referrals_nfa")
    assert (nfa["numerator"], nfa["denominator"], nfa["value"]) == (1, 2, 50.0)
    assert len(nfa["trend"]) == 12
    rerefs = next(k for k in director["kpis"] if k["key"] == "re_referrals")
    assert rerefs["england"]["value"] == 22.4
    manager = client_for(Role.TEAM_MANAGER).get(url).json()
    nfa = next(k for k in manager["kpis"] if k["key"] == "referrals_nfa")
    assert (nfa["numerator"], nfa["denominator"]) == (0, 1)
    other = f"{url}&scope=team-{council.other_area_team.pk}"
    assert client_for(Role.TEAM_MANAGER).get(other).status_code == 404
    assert client_for(Role.QA_OFFICER).get(other).json()["scope_label"] == (
        council.other_area_team.name
    )
    assert client_for(Role.PARTNER_AUDITOR).get(url).status_code == 404
    bad = "/api/v1/performance/scorecard?start=2025-06-30&end=2025-01-01"
    assert client_for(Role.DIRECTOR).get(bad).status_code == 400


@pytest.mark.django_db
def test_case_import_history_api_is_for_the_qa_unit(council, client_for) -> None:  # type: ignore[no-untyped-def]
    record = case_import_create(file_name="a.xlsx", data=b"x", fmt="annex-a")
    qa = client_for(Role.QA_OFFICER)
    items = qa.get("/api/v1/case-imports/").json()["items"]
    assert [(i["id"], i["file_name"], i["status"]) for i in items] == [
        (record.pk, "a.xlsx", "queued")
    ]
    assert qa.get(f"/api/v1/case-imports/{record.pk}").json()["sha256"] == record.sha256
    assert qa.get(f"/api/v1/case-imports/{record.pk + 1000}").status_code == 404
    for role in (Role.DIRECTOR, Role.TEAM_MANAGER, Role.PRACTITIONER):
        assert client_for(role).get("/api/v1/case-imports/").status_code == 404
        assert client_for(role).get(f"/api/v1/case-imports/{record.pk}").status_code == 404
