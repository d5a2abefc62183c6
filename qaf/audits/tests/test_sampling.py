import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qaf.audits.sampling import Candidate, Criterion, SampleRule, draw_sample

TODAY = dt.date(2026, 11, 23)


@st.composite
def candidates(draw, max_size=60):
    n = draw(st.integers(0, max_size))
    result = []
    for i in range(n):
        team = draw(st.integers(1, 6))
        start = TODAY - dt.timedelta(days=draw(st.integers(0, 900)))
        closed = draw(st.booleans()) and draw(st.booleans())
        end = start + dt.timedelta(days=draw(st.integers(0, 300))) if closed else None
        if end and end > TODAY:
            end = TODAY
        audited = draw(st.none() | st.integers(0, 800))
        result.append(
            Candidate(
                child_id=draw(st.integers(1, max_size)),
                involvement_id=i + 1,
                team_id=team,
                team_name=f"Team {team}",
                district_id=1 + team % 2,
                service=draw(st.sampled_from(["childrens-social-work", "early-help"])),
                kind=draw(st.sampled_from(["cin", "cp", "early_help"])),
                start_date=start,
                end_date=end,
                on_vulnerability_register=draw(st.booleans()) and draw(st.booleans()),
                last_audited=None if audited is None else TODAY - dt.timedelta(days=audited),
            )
        )
    return result


rules = st.builds(
    SampleRule,
    seed=st.integers(0, 2**32),
    per_stratum_quota=st.integers(0, 4),
    strata=st.sampled_from([("team",), ("service", "kind"), ("district",)]),
    active_within_days=st.none() | st.integers(1, 400),
    exclude_audited_within_months=st.none() | st.integers(1, 12),
    include_vulnerability_register=st.booleans(),
)


@settings(max_examples=150)
@given(candidates(), rules)
def test_same_inputs_same_sample(cands, rule):
    first = draw_sample(candidates=cands, rule=rule, today=TODAY)
    second = draw_sample(candidates=list(reversed(cands)), rule=rule, today=TODAY)
    assert first.selections == second.selections


@settings(max_examples=150)
@given(candidates(), rules)
def test_every_selection_has_a_reason_and_respects_exclusions(cands, rule):
    result = draw_sample(candidates=cands, rule=rule, today=TODAY)
    seen_children = set()
    for selection in result.selections:
        c = selection.candidate
        assert selection.reason
        assert c.child_id not in seen_children  # one audit per child
        seen_children.add(c.child_id)
        if rule.exclude_audited_within_months and c.last_audited:
            assert (TODAY - c.last_audited).days > 28 * rule.exclude_audited_within_months
        if c.end_date is not None:
            assert rule.active_within_days is not None
            assert (TODAY - c.end_date).days <= rule.active_within_days


@settings(max_examples=150)
@given(candidates(), rules)
def test_random_draw_never_exceeds_quota_per_stratum(cands, rule):
    result = draw_sample(candidates=cands, rule=rule, today=TODAY)
    per_stratum: dict = {}
    for selection in result.selections:
        if selection.reason.startswith("Random draw"):
            c = selection.candidate
            key = tuple(
                {
                    "team": c.team_id,
                    "service": c.service,
                    "kind": c.kind,
                    "district": c.district_id,
                }[s]
                for s in rule.strata
            )
            per_stratum[key] = per_stratum.get(key, 0) + 1
    assert all(n <= rule.per_stratum_quota for n in per_stratum.values())


@settings(max_examples=100)
@given(candidates(), rules)
def test_vulnerability_register_always_included_when_asked(cands, rule):
    result = draw_sample(candidates=cands, rule=rule, today=TODAY)
    if not rule.include_vulnerability_register:
        return
    chosen_children = {s.candidate.child_id for s in result.selections}
    eligible_flagged = draw_sample(
        candidates=[c for c in cands if c.on_vulnerability_register],
        rule=SampleRule(
            seed=rule.seed,
            include_vulnerability_register=True,
            active_within_days=rule.active_within_days,
            exclude_audited_within_months=rule.exclude_audited_within_months,
        ),
        today=TODAY,
    )
    for selection in eligible_flagged.selections:
        assert selection.candidate.child_id in chosen_children


def make(i, team=1, **kw):
    defaults = {
        "child_id": i,
        "involvement_id": i,
        "team_id": team,
        "team_name": f"Team {team}",
        "district_id": 1,
        "service": "childrens-social-work",
        "kind": "cin",
        "start_date": dt.date(2026, 1, 1),
        "end_date": None,
    }
    defaults.update(kw)
    return Candidate(**defaults)


def test_quota_per_team_and_reason_text():
    cands = [make(i, team=1 + i % 2) for i in range(1, 21)]
    result = draw_sample(
        candidates=cands, rule=SampleRule(seed=7, per_stratum_quota=3), today=TODAY
    )
    assert len(result.selections) == 6
    assert result.selections[0].reason.startswith("Random draw in Team")
    assert "quota 3 of 10 eligible, seed 7" in result.selections[0].reason


def test_percentage_rounds_up():
    cands = [make(i) for i in range(1, 12)]  # 11 cases, 10% -> 2
    result = draw_sample(candidates=cands, rule=SampleRule(seed=1, percentage=10), today=TODAY)
    assert len(result.selections) == 2


def test_criteria_include_lines_of_inquiry():
    cands = [make(i, kind="cp" if i < 4 else "cin") for i in range(1, 10)]
    rule = SampleRule(seed=1, include_criteria=(Criterion("kind", "cp"),))
    result = draw_sample(candidates=cands, rule=rule, today=TODAY)
    assert [s.candidate.child_id for s in result.selections] == [1, 2, 3]
    assert all("line of inquiry (kind is cp)" in s.reason for s in result.selections)


def test_adding_a_team_does_not_change_another_teams_draw():
    base = [make(i, team=1) for i in range(1, 30)]
    extra = [make(100 + i, team=2) for i in range(1, 30)]
    rule = SampleRule(seed=99, per_stratum_quota=4)
    first = {
        s.candidate.involvement_id
        for s in draw_sample(candidates=base, rule=rule, today=TODAY).selections
    }
    second = {
        s.candidate.involvement_id
        for s in draw_sample(candidates=base + extra, rule=rule, today=TODAY).selections
        if s.candidate.team_id == 1
    }
    assert first == second


def test_excluded_counts_are_reported():
    cands = [
        make(1, end_date=dt.date(2025, 1, 1)),
        make(2, last_audited=dt.date(2026, 10, 1)),
        make(3),
    ]
    result = draw_sample(
        candidates=cands,
        rule=SampleRule(seed=1, per_stratum_quota=5, exclude_audited_within_months=6),
        today=TODAY,
    )
    assert [s.candidate.child_id for s in result.selections] == [3]
    assert result.excluded == {"closed": 1, "audited in the last 6 months": 1}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "needs a quota"),
        ({"per_stratum_quota": -1}, "cannot be negative"),
        ({"percentage": 0}, "more than 0"),
        ({"percentage": 5, "strata": ("colour",)}, "Unknown strata"),
    ],
)
def test_bad_rules_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SampleRule(seed=1, **kwargs)
