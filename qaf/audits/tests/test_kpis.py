"""The QA measures on the scorecard: audit completion, grades Good or better, moderation
agreement (qaf/audits/kpis.py; docs/kpis.md)."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qaf.accounts.models import Role
from qaf.accounts.tests.factories import UserFactory
from qaf.audits import kpis as audit_kpis
from qaf.audits import services
from qaf.audits.models import (
    Audit,
    AuditStatus,
    Cycle,
    Moderation,
    ModerationStatus,
    SampledCase,
)
from qaf.audits.tests.factories import SECTIONS, auditable, committed_cycle, fill_form
from qaf.cases.models import CaseEvent, Involvement, InvolvementKind
from qaf.cases.tests.factories import InvolvementFactory
from qaf.common import clock
from qaf.organisation.tests.factories import StaffFactory
from qaf.performance import kpis
from qaf.performance.selectors import trend_windows

D = dt.date
LONDON = ZoneInfo("Europe/London")
MARCH_END = D(2025, 3, 31)
KEYS = ("audit_completion", "audit_good_or_better", "moderation_agreement")
S = AuditStatus


def at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A London wall-clock time on `day`."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


@pytest.fixture
def cycle(db):  # type: ignore[no-untyped-def]
    return Cycle.objects.create(
        name="Test cycle",
        template="bi_monthly",
        start_date=D(2025, 1, 1),
        seed=1,
        created_by=UserFactory(username="cycle-maker", role=Role.QA_OFFICER),
        created_at=at(D(2025, 1, 1)),
    )


def make_audit(  # type: ignore[no-untyped-def]
    cycle,
    *,
    team=None,
    practitioner=None,
    child=None,
    due=MARCH_END,
    status=S.ALLOCATED,
    submitted_at=None,
    grade="",
    moderated=None,
    moderation_status=ModerationStatus.FINALISED,
    moderated_at=None,
    kind=InvolvementKind.CIN,
    reviewer=None,
):
    """One audit (straight into the tables: the services' own tests cover the workflow), with a
    moderation when `moderated` (the moderator's overall grade) is given."""
    extra = {"child": child} if child is not None else {}
    involvement = InvolvementFactory(
        allocated_worker=practitioner,
        kind=kind,
        independent_reviewer=reviewer,
        **({"team": team} if team is not None else {}),
        **extra,
    )
    sampled = SampledCase.objects.create(
        cycle=cycle,
        child=involvement.child,
        involvement=involvement,
        team=involvement.team,
        reason="test",
    )
    audit = Audit.objects.create(
        cycle=cycle,
        sampled_case=sampled,
        child=involvement.child,
        involvement=involvement,
        team=involvement.team,
        practitioner=practitioner,
        due_date=due,
        moderation_due_date=due + dt.timedelta(days=30),
        status=status,
        submitted_at=submitted_at,
        submitted_overall_grade=grade,
        submitted_section_grades=dict.fromkeys(SECTIONS, grade) if grade else {},
    )
    if moderated is not None:
        final = moderation_status == ModerationStatus.FINALISED
        when = moderated_at or (submitted_at or at(due)) + dt.timedelta(days=7)
        Moderation.objects.create(
            audit=audit,
            moderator=StaffFactory(),
            overall_grade=moderated,
            status=moderation_status,
            finalised_at=when if final else None,
            created_at=when,
            updated_at=when,
        )
    return audit


def inp(*windows, **narrowing):  # type: ignore[no-untyped-def]
    return kpis.KpiInput(
        CaseEvent.objects.none(), Involvement.objects.none(), tuple(windows), **narrowing
    )


def counts(result: kpis.Result) -> tuple[int, int]:
    return result.numerator, result.denominator


MARCH = (D(2025, 3, 1), D(2025, 3, 31))


def test_the_three_measures_are_registered_in_the_quality_assurance_group() -> None:
    registered = {k.key: k for k in kpis.kpi_list()}
    for key in KEYS:
        assert registered[key].group == "Quality assurance"
        assert registered[key].unit == "%" and registered[key].higher_is_better
    assert registered["audit_completion"].default_target == 90.0
    assert registered["audit_good_or_better"].default_target is None
    assert registered["moderation_agreement"].default_target == 80.0


# Audit completion ------------------------------------------------------------------------------


def test_completion_counts_submission_on_the_due_date_in_london_and_a_day_late_as_late(
    cycle,
) -> None:  # type: ignore[no-untyped-def]
    last = D(2025, 3, 31)  # the window's last day (BST from 30 March)
    # 23:59 London on the due date (22:59 UTC): on time.
    make_audit(cycle, due=last, status=S.SUBMITTED, submitted_at=at(last, 23, 59), grade="good")
    # 00:30 London the next day is 23:30 UTC on the due date: late all the same.
    make_audit(
        cycle, due=last, status=S.SUBMITTED, submitted_at=at(D(2025, 4, 1), 0, 30), grade="good"
    )
    # A day late, then moderated and finalised: still late.
    make_audit(
        cycle,
        due=D(2025, 3, 14),
        status=S.FINALISED,
        submitted_at=at(D(2025, 3, 15), 9),
        grade="good",
        moderated="good",
    )
    # Early, in moderation: on time.
    make_audit(
        cycle,
        due=D(2025, 3, 1),
        status=S.IN_MODERATION,
        submitted_at=at(D(2025, 2, 20)),
        grade="good",
    )
    # Never submitted, due date passed: late.
    make_audit(cycle, due=D(2025, 3, 10), status=S.IN_PROGRESS)
    # Returned by the moderator and not resubmitted: not complete although once submitted.
    make_audit(cycle, due=D(2025, 3, 10), status=S.RETURNED, submitted_at=at(D(2025, 3, 3)))
    # Not counted: cancelled; due outside the window.
    make_audit(cycle, due=D(2025, 3, 10), status=S.CANCELLED)
    make_audit(cycle, due=D(2025, 4, 1), status=S.SUBMITTED, submitted_at=at(D(2025, 3, 20)))
    make_audit(cycle, due=D(2025, 2, 28), status=S.ALLOCATED)
    result = audit_kpis.audit_completion(inp(MARCH))[0]
    assert counts(result) == (2, 6)
    assert result.value == 33.3


def test_completion_does_not_count_audits_not_yet_due_until_submitted(cycle) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at(D(2025, 3, 20)), tick=False):
        make_audit(cycle, due=D(2025, 3, 19), status=S.IN_PROGRESS)  # overdue: late
        make_audit(cycle, due=D(2025, 3, 20), status=S.IN_PROGRESS)  # due today: not yet late
        make_audit(cycle, due=D(2025, 3, 28), status=S.ALLOCATED)  # not yet due
        make_audit(  # submitted early: counts, on time
            cycle, due=D(2025, 3, 28), status=S.SUBMITTED, submitted_at=at(D(2025, 3, 18))
        )
        assert counts(audit_kpis.audit_completion(inp(MARCH))[0]) == (1, 2)
    # Once the due dates have passed, the unsubmitted audits are late.
    assert counts(audit_kpis.audit_completion(inp(MARCH))[0]) == (1, 4)


# Grades ----------------------------------------------------------------------------------------


def test_grades_use_the_moderated_grade_when_the_moderation_is_finalised(cycle) -> None:  # type: ignore[no-untyped-def]
    day = at(D(2025, 3, 10))
    done = {"status": S.FINALISED, "submitted_at": day}
    make_audit(cycle, grade="good", **done)  # not moderated: good
    make_audit(cycle, grade="good", moderated="requires_improvement", **done)  # downgraded
    make_audit(cycle, grade="requires_improvement", moderated="outstanding", **done)  # upgraded
    # A draft moderation is no decision: the auditor's grade stands.
    make_audit(
        cycle,
        grade="inadequate",
        moderated="good",
        moderation_status=ModerationStatus.DRAFT,
        status=S.IN_MODERATION,
        submitted_at=day,
    )
    make_audit(cycle, grade="outstanding", status=S.SUBMITTED, submitted_at=day)
    # Not counted: returned (the grade is being redone); no grade; submitted outside the window.
    make_audit(cycle, grade="good", status=S.RETURNED, submitted_at=day)
    make_audit(cycle, grade="", status=S.SUBMITTED, submitted_at=day)
    make_audit(cycle, grade="good", status=S.SUBMITTED, submitted_at=at(D(2025, 4, 1), 0, 30))
    result = audit_kpis.audit_good_or_better(inp(MARCH))[0]
    assert counts(result) == (3, 5)
    assert result.value == 60.0


def test_grades_are_windowed_by_the_london_submission_date(cycle) -> None:  # type: ignore[no-untyped-def]
    # 23:30 London on 31 March (22:30 UTC) is in March; 00:30 on 1 April (23:30 UTC on
    # 31 March) is in April.
    make_audit(cycle, grade="good", status=S.SUBMITTED, submitted_at=at(D(2025, 3, 31), 23, 30))
    make_audit(cycle, grade="inadequate", status=S.SUBMITTED, submitted_at=at(D(2025, 4, 1), 0, 30))
    march, april = audit_kpis.audit_good_or_better(inp(MARCH, (D(2025, 4, 1), D(2025, 4, 30))))
    assert counts(march) == (1, 1)
    assert counts(april) == (0, 1)


# Moderation agreement --------------------------------------------------------------------------


def test_agreement_counts_finalised_moderations_in_the_window(cycle) -> None:  # type: ignore[no-untyped-def]
    in_march = at(D(2025, 3, 31), 23, 30)
    done = {"status": S.FINALISED, "submitted_at": at(D(2025, 3, 1)), "moderated_at": in_march}
    make_audit(cycle, grade="good", moderated="good", **done)
    make_audit(cycle, grade="outstanding", moderated="outstanding", **done)
    make_audit(cycle, grade="good", moderated="requires_improvement", **done)
    make_audit(cycle, grade="inadequate", moderated="requires_improvement", **done)
    # Not counted: a draft moderation; not moderated; moderation finalised after the window
    # (00:30 London on 1 April).
    make_audit(
        cycle,
        grade="good",
        moderated="inadequate",
        moderation_status=ModerationStatus.DRAFT,
        status=S.IN_MODERATION,
        submitted_at=at(D(2025, 3, 1)),
    )
    make_audit(cycle, grade="good", status=S.SUBMITTED, submitted_at=at(D(2025, 3, 1)))
    make_audit(
        cycle,
        grade="good",
        moderated="inadequate",
        status=S.FINALISED,
        submitted_at=at(D(2025, 3, 1)),
        moderated_at=at(D(2025, 4, 1), 0, 30),
    )
    march, april = audit_kpis.moderation_agreement(inp(MARCH, (D(2025, 4, 1), D(2025, 4, 30))))
    assert counts(march) == (2, 4)
    assert march.value == 50.0
    assert counts(april) == (0, 1)


def test_agreement_through_the_services_matches_the_outcome(council) -> None:  # type: ignore[no-untyped-def]
    """The real workflow: submit, moderate (downgrade) and finalise; then the three measures."""
    setup = committed_cycle(council)
    audit = fill_form(auditable(setup), setup.auditor)
    audit = services.audit_transition(audit=audit, action="submit", by=setup.auditor)
    moderation = services.moderation_start(audit=audit, by=setup.moderator)
    grades = {k: {"grade": "good"} for k in SECTIONS}
    moderation = services.moderation_save(
        moderation=moderation,
        by=setup.moderator,
        expected_version=moderation.row_version,
        meeting_date=clock.today(),
        attendees="A, B",
        section_grades=grades,
        overall_grade="requires_improvement",
        overall_reason="Plans are not specific",
        action_checks={},
    )
    services.moderation_finalise(
        moderation=moderation,
        by=setup.moderator,
        expected_version=moderation.row_version,
        confirmed_outcome="downgraded",
    )
    audit.refresh_from_db()
    today = clock.today()
    window = (today.replace(day=1), today)
    assert counts(audit_kpis.moderation_agreement(inp(window))[0]) == (0, 1)
    assert counts(audit_kpis.audit_good_or_better(inp(window))[0]) == (0, 1)
    due = (audit.due_date, audit.due_date)
    assert counts(audit_kpis.audit_completion(inp(due))[0]) == (1, 1)


# Scope, empty windows, many windows, queries ---------------------------------------------------


def _mixed(cycle, council):  # type: ignore[no-untyped-def]
    """One finalised, on-time, agreed, Good audit in each of: the practitioner's case in the
    home team, a colleague's case in the home team, the other area's team, a child the IRO
    reviews (the IRO's involvement is the council fixture's); and a late, downgraded one in the sibling team."""
    worker = council.users[Role.PRACTITIONER].staff
    done = {
        "status": S.FINALISED,
        "due": D(2025, 3, 20),
        "submitted_at": at(D(2025, 3, 10)),
        "grade": "good",
        "moderated": "good",
        "moderated_at": at(D(2025, 3, 12)),
    }
    make_audit(cycle, team=council.home_team, practitioner=worker, **done)
    make_audit(cycle, team=council.home_team, practitioner=StaffFactory(), **done)
    make_audit(cycle, team=council.other_area_team, **done)
    make_audit(cycle, team=council.other_area_team, child=council.cic_child, **done)
    make_audit(
        cycle,
        team=council.sibling_team,
        **{**done, "submitted_at": at(D(2025, 3, 25)), "moderated": "inadequate"},
    )


def test_scope_narrows_every_measure(cycle, council) -> None:  # type: ignore[no-untyped-def]
    _mixed(cycle, council)
    home = frozenset({council.home_team.pk})
    worker = council.users[Role.PRACTITIONER].staff.pk
    iro = council.users[Role.IRO].staff.pk
    expected = {
        # narrowing -> (completion, good or better, agreement) as (numerator, denominator)
        (): ((4, 5), (4, 5), (4, 5)),
        (("team_ids", home),): ((2, 2), (2, 2), (2, 2)),
        (("team_ids", frozenset({council.sibling_team.pk})),): ((0, 1), (0, 1), (0, 1)),
        (("team_ids", home), ("staff_id", worker)): ((1, 1), (1, 1), (1, 1)),
        (("staff_id", worker),): ((1, 1), (1, 1), (1, 1)),
        (("reviewer_id", iro),): ((1, 1), (1, 1), (1, 1)),
        (("team_ids", frozenset()),): ((0, 0), (0, 0), (0, 0)),
    }
    for narrowing, want in expected.items():
        given = inp(MARCH, **dict(narrowing))
        got = tuple(counts(kpis.kpi_get(key).compute(given)[0]) for key in KEYS)
        assert got == want, narrowing


def test_empty_windows_have_no_value(cycle) -> None:  # type: ignore[no-untyped-def]
    for key in KEYS:
        result = kpis.kpi_get(key).compute(inp(MARCH))[0]
        assert result == kpis.Result(0, 0, None), key


def _spread(cycle, council):  # type: ignore[no-untyped-def]
    """Audits over 2024-25 in several months, teams and states."""
    grades = ("outstanding", "good", "requires_improvement", "inadequate")
    teams = (council.home_team, council.sibling_team, council.other_area_team)
    for n in range(24):
        due = D(2024 + (n + 3) // 12, (n + 3) % 12 + 1, 1 + n)
        late = n % 3 == 0
        submitted = at(due + dt.timedelta(days=1 if late else -2), 9 + n % 10)
        status = (S.FINALISED, S.SUBMITTED, S.IN_PROGRESS, S.IN_MODERATION)[n % 4]
        make_audit(
            cycle,
            team=teams[n % 3],
            due=due,
            status=status,
            submitted_at=submitted,
            grade=grades[n % 4],
            moderated=grades[(n // 2) % 4] if status == S.FINALISED else None,
        )


def test_many_windows_give_the_same_as_each_window_alone(cycle, council) -> None:  # type: ignore[no-untyped-def]
    _spread(cycle, council)
    windows = [(D(2024, 4, 1), D(2025, 3, 31)), *trend_windows(end=D(2025, 3, 31))]
    for key in KEYS:
        kpi = kpis.kpi_get(key)
        together = kpi.compute(inp(*windows))
        alone = [kpi.compute(inp(window))[0] for window in windows]
        assert together == alone, key
        assert together[0].denominator > 0, key  # the data reach every measure


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize(
    "narrowing", ["county", "team", "worker", "reviewer"], ids=lambda n: f"by-{n}"
)
def test_one_query_whatever_the_number_of_windows(cycle, council, key, narrowing) -> None:  # type: ignore[no-untyped-def]
    _spread(cycle, council)
    kwargs = {
        "county": {},
        "team": {"team_ids": frozenset({council.home_team.pk})},
        "worker": {"staff_id": council.users[Role.PRACTITIONER].staff.pk},
        "reviewer": {"reviewer_id": council.users[Role.IRO].staff.pk},
    }[narrowing]
    kpi = kpis.kpi_get(key)
    one = inp(MARCH, **kwargs)
    thirteen = inp((D(2024, 4, 1), D(2025, 3, 31)), *trend_windows(end=D(2025, 3, 31)), **kwargs)
    with CaptureQueriesContext(connection) as short:
        kpi.compute(one)
    with CaptureQueriesContext(connection) as long:
        kpi.compute(thirteen)
    assert len(short.captured_queries) == len(long.captured_queries) == 1


# The scorecard page and its downloads ----------------------------------------------------------


def _csv_rows(client, query: str) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    response = client.get(f"/performance/scorecard.csv?{query}")
    assert response.status_code == 200
    return {row[0]: row for row in csv.reader(io.StringIO(response.content.decode()))}


TITLES = {k.key: k.title for k in audit_kpis.KPIS}


def test_the_scorecard_shows_the_measures_in_each_viewers_scope(cycle, council, client_for) -> None:  # type: ignore[no-untyped-def]
    _mixed(cycle, council)
    query = "from=2025-03-01&to=2025-03-31"
    # numerator, denominator of audit completion by role
    expected = {
        Role.DIRECTOR: ("4", "5"),
        Role.QA_OFFICER: ("4", "5"),
        Role.ELECTED_MEMBER: ("4", "5"),  # county aggregates
        Role.TEAM_MANAGER: ("2", "2"),  # home team only
        Role.SERVICE_MANAGER: ("2", "3"),  # home and sibling teams (the district)
        Role.PRACTITIONER: ("1", "1"),  # own caseload
        Role.IRO: ("1", "1"),  # reviewed child
        Role.CP_CHAIR: ("0", "0"),
    }
    for role, want in expected.items():
        rows = _csv_rows(client_for(role), query)
        for key in KEYS:
            assert TITLES[key] in rows, (role, key)
        assert tuple(rows[TITLES["audit_completion"]][3:5]) == want, role
    director = _csv_rows(client_for(Role.DIRECTOR), query)
    completion = director[TITLES["audit_completion"]]
    assert completion[2] == "80.0" and completion[5] == "90.0" and completion[6] == "red"
    assert director[TITLES["moderation_agreement"]][2:7] == ["80.0", "4", "5", "80.0", "green"]
    assert director[TITLES["audit_good_or_better"]][5:7] == ["", "grey"]  # no target
    page = client_for(Role.DIRECTOR).get(f"/performance/?{query}")
    html = page.content.decode()
    for key in KEYS:
        assert TITLES[key] in html
    assert client_for(Role.PARTNER_AUDITOR).get(f"/performance/?{query}").status_code == 404
