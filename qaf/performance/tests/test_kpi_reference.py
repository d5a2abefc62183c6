"""Every case-register KPI against a plain reference: each definition in docs/kpis.md written
the obvious way (a Python loop over every event, one window at a time), compared on generated
histories. The KPIs themselves are written for national-scale data (grouped counts, stored
previous events, array arithmetic, threads); this proves they still mean what the docs say."""

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qaf.calendar import working_days_between
from qaf.cases.history import case_event_previous_refresh
from qaf.cases.models import CaseEvent, Child, EventKind, Involvement, InvolvementKind
from qaf.cases.tests.factories import ChildFactory
from qaf.organisation.tests.factories import StaffFactory, TeamFactory
from qaf.performance import kpis

D = dt.date
FIRST, LAST = D(2022, 1, 1), D(2026, 6, 30)  # spans 29 February 2024
WORKERS_LIMITS = {"cp_visits": 10, "cic_visits": 30}
POPULATION = 10_000

# Reference definitions ------------------------------------------------------------------------


def year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def two_years_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 2)
    except ValueError:
        return D(day.year + 2, 3, 1)


def pct(num: int, den: int) -> tuple[int, int, float | None]:
    return num, den, round(100 * num / den, 1) if den else None


def is_open(event: CaseEvent | Involvement, day: dt.date) -> bool:
    return event.start_date <= day and (event.end_date is None or event.end_date >= day)


def reference(key: str, window: tuple[dt.date, dt.date]) -> tuple[int, int, float | None]:
    start, end = window
    events = list(CaseEvent.objects.select_related("child"))
    of = lambda kind: [e for e in events if e.kind == kind]  # noqa: E731
    inside = lambda day: start <= day <= end  # noqa: E731
    if key == "re_referrals":
        refs = [r for r in of(EventKind.REFERRAL) if inside(r.start_date)]
        again = [
            r
            for r in refs
            if any(
                e.child_id == r.child_id
                and year_before(r.start_date) <= e.start_date < r.start_date
                for e in of(EventKind.REFERRAL)
            )
        ]
        return pct(len(again), len(refs))
    if key == "referrals_nfa":
        refs = [r for r in of(EventKind.REFERRAL) if inside(r.start_date)]
        return pct(sum(1 for r in refs if r.flag is True), len(refs))
    if key == "assessments_45":
        done = [
            a for a in of(EventKind.ASSESSMENT) if a.end_date is not None and inside(a.end_date)
        ]
        in_time = [a for a in done if working_days_between(a.start_date, a.end_date) <= 45]
        return pct(len(in_time), len(done))
    if key == "icpc_15":
        held = [c for c in of(EventKind.ICPC) if c.linked_date is not None and inside(c.start_date)]
        in_time = [c for c in held if working_days_between(c.linked_date, c.start_date) <= 15]
        return pct(len(in_time), len(held))
    if key == "cp_two_years":
        ended = [p for p in of(EventKind.CP_PLAN) if p.end_date and inside(p.end_date)]
        long = [p for p in ended if p.end_date >= two_years_after(p.start_date)]
        return pct(len(long), len(ended))
    if key == "cp_repeat":
        plans = [p for p in of(EventKind.CP_PLAN) if inside(p.start_date)]
        repeat = [
            p
            for p in plans
            if (p.number or 0) >= 1
            or any(
                e.child_id == p.child_id and e.start_date < p.start_date
                for e in of(EventKind.CP_PLAN)
            )
        ]
        return pct(len(repeat), len(plans))
    if key in ("cp_rate", "cic_rate"):
        kind = EventKind.CP_PLAN if key == "cp_rate" else EventKind.CIC_EPISODE
        children = {e.child_id for e in of(kind) if is_open(e, end)}
        return len(children), POPULATION, round(10_000 * len(children) / POPULATION, 1)
    if key in ("cp_visits", "cic_visits"):
        plan, visit = (
            (EventKind.CP_PLAN, EventKind.CP_VISIT)
            if key == "cp_visits"
            else (EventKind.CIC_EPISODE, EventKind.CIC_VISIT)
        )
        children = {e.child_id for e in of(plan) if is_open(e, end)}
        visited = {
            v.child_id
            for v in of(visit)
            if v.child_id in children
            and v.start_date <= end
            and working_days_between(v.start_date, end) <= WORKERS_LIMITS[key]
        }
        return pct(len(visited), len(children))
    if key in ("placement_moves", "placement_long_term"):
        current: dict[int, CaseEvent] = {}
        for episode in sorted(of(EventKind.CIC_EPISODE), key=lambda e: e.start_date):
            if is_open(episode, end):
                current[episode.child_id] = episode  # the latest-starting open episode
        placed = {
            child: sorted(p.start_date for p in of(EventKind.PLACEMENT) if p.child_id == child)
            for child in current
        }
        if key == "placement_moves":
            moved = [
                c for c in current if sum(1 for p in placed[c] if year_before(end) < p <= end) >= 3
            ]
            return pct(len(moved), len(current))
        long, stable = 0, 0
        for child_id, episode in current.items():
            dob = episode.child.date_of_birth
            if dob is None or dob > end or (end - dob).days >= 16 * 365.25:
                continue
            if (end - episode.start_date).days < 913:
                continue
            long += 1
            now = max((p for p in placed[child_id] if p <= end), default=episode.start_date)
            stable += now <= year_before(year_before(end))
        return pct(stable, long)
    if key == "caseload":
        held = [
            i for i in Involvement.objects.filter(allocated_worker__isnull=False) if is_open(i, end)
        ]
        workers = {i.allocated_worker_id for i in held}
        return len(held), len(workers), round(len(held) / len(workers), 1) if workers else None
    raise AssertionError(f"no reference for {key}")


CASE_REGISTER_KPIS = [
    "re_referrals",
    "referrals_nfa",
    "assessments_45",
    "icpc_15",
    "cp_two_years",
    "cp_repeat",
    "cp_rate",
    "cic_rate",
    "placement_moves",
    "placement_long_term",
    "cp_visits",
    "cic_visits",
    "caseload",
]

# Generated histories --------------------------------------------------------------------------

# Dates cluster around a few anchors at the distances the definitions turn on (a day, a year,
# a year and a day, 2 and 2.5 years), so boundaries are met often, not by luck.
ANCHORS = [D(2024, 2, 29), D(2023, 3, 1), D(2025, 2, 28), D(2024, 9, 30), D(2025, 6, 30)]
OFFSETS = [0, 1, 2, 10, 14, 30, 45, 60, 200, 364, 365, 366, 367, 730, 731, 913, 914]
any_day = st.builds(
    lambda anchor, offset, sign: min(max(anchor + sign * dt.timedelta(days=offset), FIRST), LAST),
    st.sampled_from(ANCHORS),
    st.one_of(st.sampled_from(OFFSETS), st.integers(0, 1000)),
    st.sampled_from([-1, 1]),
)
spans = st.tuples(any_day, st.one_of(st.none(), st.sampled_from(OFFSETS), st.integers(0, 1200)))

event_kinds = st.sampled_from(
    [EventKind.REFERRAL, EventKind.ASSESSMENT, EventKind.ICPC, EventKind.CP_PLAN,
     EventKind.CP_VISIT, EventKind.CIC_EPISODE, EventKind.PLACEMENT, EventKind.CIC_VISIT]
)  # fmt: skip
an_event = st.fixed_dictionaries(
    {
        "child": st.integers(0, 2),
        "kind": event_kinds,
        "span": spans,
        "linked_back": st.one_of(st.none(), st.integers(0, 40)),
        "flag": st.one_of(st.none(), st.booleans()),
        "number": st.one_of(st.none(), st.integers(0, 2)),
    }
)
an_involvement = st.fixed_dictionaries(
    {"child": st.integers(0, 3), "span": spans, "worker": st.one_of(st.none(), st.integers(0, 2))}
)
windows = st.lists(
    st.tuples(any_day, st.one_of(st.sampled_from([0, 29, 30, 364, 365]), st.integers(0, 400))).map(
        lambda t: (t[0], min(t[0] + dt.timedelta(days=t[1]), LAST))
    ),
    min_size=1,
    max_size=4,
)
births = st.lists(st.one_of(st.none(), st.dates(D(2006, 1, 1), D(2024, 1, 1))), min_size=4,
                  max_size=4)  # fmt: skip


def build(events, involvements, born, team, staff) -> None:  # type: ignore[no-untyped-def]
    CaseEvent.objects.all().delete()
    Involvement.objects.all().delete()
    Child.objects.all().delete()
    children = [ChildFactory(date_of_birth=dob) for dob in born]
    seen = set()
    for e in events:
        start, length = e["span"]
        end = None if length is None else min(start + dt.timedelta(days=length), D(2030, 1, 1))
        key = (e["child"], e["kind"], start)
        if key in seen:  # one event per child, kind and day (the register's natural key)
            continue
        seen.add(key)
        CaseEvent.objects.create(
            child=children[e["child"]],
            kind=e["kind"],
            start_date=start,
            end_date=end,
            linked_date=None
            if e["linked_back"] is None
            else start - dt.timedelta(days=e["linked_back"]),
            flag=e["flag"],
            number=e["number"],
        )
    for i in involvements:
        start, length = i["span"]
        Involvement.objects.create(
            child=children[i["child"]],
            kind=InvolvementKind.CIN,
            start_date=start,
            end_date=None if length is None else start + dt.timedelta(days=length),
            team=team,
            allocated_worker=None if i["worker"] is None else staff[i["worker"]],
        )
    case_event_previous_refresh()


def check(computed: Callable[[kpis.KpiInput], dict[str, list[kpis.Result]]], chosen) -> None:  # type: ignore[no-untyped-def]
    inp = kpis.KpiInput(CaseEvent.objects.all(), Involvement.objects.all(), tuple(chosen))
    results = computed(inp)
    for key in CASE_REGISTER_KPIS:
        for window, result in zip(chosen, results[key], strict=True):
            got = (result.numerator, result.denominator, result.value)
            assert got == reference(key, window), (key, window)


@pytest.mark.django_db
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(an_event, min_size=20, max_size=60),
    involvements=st.lists(an_involvement, min_size=1, max_size=6),
    born=births,
    chosen=windows,
)
def test_every_kpi_matches_its_reference_definition(  # type: ignore[no-untyped-def]
    events, involvements, born, chosen
) -> None:
    from django.conf import settings as django_settings

    django_settings.QAF_CHILD_POPULATION = POPULATION
    team = TeamFactory()
    staff = StaffFactory.create_batch(3)
    build(events, involvements, born, team, staff)
    selected = [kpis.kpi_get(key) for key in CASE_REGISTER_KPIS]
    check(lambda inp: kpis.kpi_compute_all(inp, [k for k in selected if k]), chosen)


@pytest.mark.django_db(transaction=True)
def test_kpis_computed_in_threads_equal_one_after_another(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Outside a transaction the scorecard computes KPIs on several connections at once; the
    answers are the same as on one, and each thread's connection is closed afterwards."""
    settings.QAF_CHILD_POPULATION = POPULATION
    team, staff = TeamFactory(), StaffFactory.create_batch(3)
    events = [
        {"child": c, "kind": kind, "span": (day, length), "linked_back": 5, "flag": c == 1,
         "number": None}
        for c in range(4)
        for kind, day, length in [
            (EventKind.REFERRAL, D(2024, 2, 29), None), (EventKind.REFERRAL, D(2025, 2, 28), None),
            (EventKind.CP_PLAN, D(2023, 1, 5), 800), (EventKind.CP_PLAN, D(2025, 4, 1), None),
            (EventKind.CP_VISIT, D(2025, 6, 20), None), (EventKind.CIC_EPISODE, D(2022, 3, 1), None),
            (EventKind.PLACEMENT, D(2024, 9, 1), None), (EventKind.PLACEMENT, D(2025, 1, 2), None),
            (EventKind.PLACEMENT, D(2025, 5, 2 + c), None), (EventKind.CIC_VISIT, D(2025, 6, 2), None),
            (EventKind.ASSESSMENT, D(2025, 1, 6), 60 + c), (EventKind.ICPC, D(2025, 3, 3), None),
        ]
    ]  # fmt: skip
    involvements = [{"child": c, "span": (D(2024, 1, 1), None), "worker": c % 3} for c in range(4)]
    build(events, involvements, [D(2014, 5, 1), D(2012, 1, 1), None, D(2020, 2, 29)], team, staff)
    chosen = [(D(2024, 10, 1), D(2025, 6, 30)), (D(2025, 6, 1), D(2025, 6, 30))]
    selected = [k for k in (kpis.kpi_get(key) for key in CASE_REGISTER_KPIS) if k]
    assert not connection.in_atomic_block
    threads: set[str] = set()
    count_plans = kpis._count_plans

    def recording(inp, plan_kind):  # type: ignore[no-untyped-def]
        threads.add(threading.current_thread().name)
        return count_plans(inp, plan_kind)

    monkeypatch.setattr(kpis, "_count_plans", recording)
    running = threading.active_count()
    settings.QAF_KPI_WORKERS = 4
    check(lambda inp: kpis.kpi_compute_all(inp, selected), chosen)
    assert threads and all(name.startswith("kpi") for name in threads)
    assert threading.active_count() == running  # the pool's threads have ended
    threads.clear()
    settings.QAF_KPI_WORKERS = 1
    check(lambda inp: kpis.kpi_compute_all(inp, selected), chosen)
    assert threads == {threading.current_thread().name}
