"""Giving each sampled case an auditor (or moderator) from the pool.

Rules: a peer audit never goes to someone from the case's own team (nor, when the cycle says so,
its own district); nobody goes over their capacity for the period; the load is balanced (each
case goes to the eligible person with the lowest share of their capacity used, ties broken by a
seeded random order so the result is reproducible). Cases no one can take are reported with the
reason, never forced onto someone.
"""

import heapq
import random
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CaseToAllocate:
    key: int  # the audit (or sampled case) this allocation is for
    team_id: int
    district_id: int


@dataclass(frozen=True)
class PoolMember:
    staff_id: int
    team_ids: frozenset[int]
    district_ids: frozenset[int]
    capacity: int  # cases for the period
    load: int = 0  # already allocated in the period


@dataclass(frozen=True)
class AllocationResult:
    assignments: dict[int, int]  # case key -> staff id
    unallocated: dict[int, str]  # case key -> why nobody could take it
    load: dict[int, int]  # staff id -> load after allocation


def allocate(
    *,
    cases: Sequence[CaseToAllocate],
    pool: Sequence[PoolMember],
    exclude_own_district: bool = False,
    seed: int = 0,
) -> AllocationResult:
    rng = random.Random(seed)
    tiebreak = {m.staff_id: rng.random() for m in sorted(pool, key=lambda m: m.staff_id)}
    load = {m.staff_id: m.load for m in pool}
    members = {m.staff_id: m for m in pool}
    # Min-heap on (share of capacity used, tiebreak): the least loaded eligible person first.
    heap = [
        (m.load / m.capacity, tiebreak[m.staff_id], m.staff_id)
        for m in pool
        if m.capacity > 0 and m.load < m.capacity
    ]
    heapq.heapify(heap)
    assignments: dict[int, int] = {}
    unallocated: dict[int, str] = {}
    for case in sorted(cases, key=lambda c: c.key):
        skipped = []
        picked = None
        while heap:
            entry = heapq.heappop(heap)
            member = members[entry[2]]
            if case.team_id in member.team_ids or (
                exclude_own_district and case.district_id in member.district_ids
            ):
                skipped.append(entry)
                continue
            picked = member
            break
        for entry in skipped:
            heapq.heappush(heap, entry)
        if picked is None:
            unallocated[case.key] = (
                "Everyone in the pool with capacity left is in this case's own team"
                + (" or district" if exclude_own_district else "")
                if skipped
                else "Nobody in the pool has capacity left"
            )
            continue
        assignments[case.key] = picked.staff_id
        load[picked.staff_id] += 1
        if load[picked.staff_id] < picked.capacity:
            heapq.heappush(
                heap,
                (
                    load[picked.staff_id] / picked.capacity,
                    tiebreak[picked.staff_id],
                    picked.staff_id,
                ),
            )
    return AllocationResult(assignments=assignments, unallocated=unallocated, load=load)
