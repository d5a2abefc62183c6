from hypothesis import given, settings
from hypothesis import strategies as st

from qaf.audits.allocation import CaseToAllocate, PoolMember, allocate


@st.composite
def scenario(draw):
    cases = [
        CaseToAllocate(key=i, team_id=draw(st.integers(1, 8)), district_id=draw(st.integers(1, 3)))
        for i in range(draw(st.integers(0, 80)))
    ]
    pool = []
    for staff_id in range(1, draw(st.integers(0, 15)) + 1):
        team = draw(st.integers(1, 8))
        pool.append(
            PoolMember(
                staff_id=staff_id,
                team_ids=frozenset({team}),
                district_ids=frozenset({1 + team % 3}),
                capacity=draw(st.integers(0, 6)),
                load=draw(st.integers(0, 3)),
            )
        )
    return cases, pool, draw(st.booleans()), draw(st.integers(0, 1000))


@settings(max_examples=200)
@given(scenario())
def test_peer_rule_capacity_and_completeness(data):
    cases, pool, own_district, seed = data
    result = allocate(cases=cases, pool=pool, exclude_own_district=own_district, seed=seed)
    members = {m.staff_id: m for m in pool}
    by_key = {c.key: c for c in cases}
    assert set(result.assignments) | set(result.unallocated) == set(by_key)
    assert not set(result.assignments) & set(result.unallocated)
    for key, staff_id in result.assignments.items():
        member, case = members[staff_id], by_key[key]
        assert case.team_id not in member.team_ids
        if own_district:
            assert case.district_id not in member.district_ids
    for staff_id, member in members.items():
        added = sum(1 for s in result.assignments.values() if s == staff_id)
        assert result.load[staff_id] == member.load + added
        assert added == 0 or result.load[staff_id] <= member.capacity


@settings(max_examples=100)
@given(scenario())
def test_reproducible(data):
    cases, pool, own_district, seed = data
    assert allocate(
        cases=cases, pool=pool, exclude_own_district=own_district, seed=seed
    ) == allocate(cases=cases, pool=pool, exclude_own_district=own_district, seed=seed)


def test_unallocated_case_says_why():
    pool = [
        PoolMember(staff_id=1, team_ids=frozenset({1}), district_ids=frozenset({1}), capacity=5)
    ]
    result = allocate(cases=[CaseToAllocate(key=1, team_id=1, district_id=1)], pool=pool)
    assert result.unallocated == {
        1: "Everyone in the pool with capacity left is in this case's own team"
    }
    result = allocate(
        cases=[CaseToAllocate(key=1, team_id=2, district_id=1)],
        pool=[
            PoolMember(
                staff_id=1, team_ids=frozenset({1}), district_ids=frozenset({1}), capacity=1, load=1
            )
        ],
    )
    assert result.unallocated == {1: "Nobody in the pool has capacity left"}


def test_load_is_balanced():
    pool = [
        PoolMember(
            staff_id=i, team_ids=frozenset({100 + i}), district_ids=frozenset({1}), capacity=4
        )
        for i in range(1, 6)
    ]
    cases = [CaseToAllocate(key=i, team_id=1, district_id=1) for i in range(10)]
    result = allocate(cases=cases, pool=pool)
    assert sorted(result.load.values()) == [2, 2, 2, 2, 2]
