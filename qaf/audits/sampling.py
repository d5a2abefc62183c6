"""Choosing the cases a cycle audits: by rule, reproducibly, every choice with its reason.

Pure functions over plain records so the rule can be tested exhaustively and run fast at county
scale. The same candidates, rule and seed always give the same sample; each stratum draws from
its own random stream (derived from the seed and the stratum's name), so adding a team to the
council does not change which cases another team gets.
"""

import datetime as dt
import hashlib
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

STRATUM_FIELDS = ("team", "district", "service", "kind")


@dataclass(frozen=True)
class Candidate:
    """One open (or recently active) involvement that could be audited."""

    child_id: int
    involvement_id: int
    team_id: int
    team_name: str
    district_id: int
    service: str
    kind: str
    start_date: dt.date
    end_date: dt.date | None
    on_vulnerability_register: bool = False
    last_audited: dt.date | None = None


@dataclass(frozen=True)
class Criterion:
    """Include every case whose `field` equals `value` (e.g. kind = cp), regardless of quota."""

    field: str
    value: str

    def matches(self, candidate: Candidate) -> bool:
        return str(getattr(candidate, self.field)) == self.value

    def describe(self) -> str:
        return f"{self.field} is {self.value}"


@dataclass(frozen=True)
class SampleRule:
    """How to choose. Quota and percentage apply per stratum; inclusions add on top."""

    seed: int
    per_stratum_quota: int | None = None
    percentage: float | None = None  # of each stratum's candidates, rounded up
    strata: tuple[str, ...] = ("team",)
    active_within_days: int | None = None  # open, or closed within the window
    exclude_audited_within_months: int | None = None
    include_vulnerability_register: bool = False
    include_criteria: tuple[Criterion, ...] = ()
    services: tuple[str, ...] = ()  # empty: every service
    one_per_child: bool = True

    def __post_init__(self) -> None:
        if (
            self.per_stratum_quota is None
            and self.percentage is None
            and not (self.include_vulnerability_register or self.include_criteria)
        ):
            raise ValueError("A sample rule needs a quota, a percentage or an inclusion")
        if self.per_stratum_quota is not None and self.per_stratum_quota < 0:
            raise ValueError("The quota cannot be negative")
        if self.percentage is not None and not 0 < self.percentage <= 100:
            raise ValueError("The percentage must be more than 0 and at most 100")
        unknown = set(self.strata) - set(STRATUM_FIELDS)
        if unknown:
            raise ValueError(f"Unknown strata {sorted(unknown)}: use {', '.join(STRATUM_FIELDS)}")


@dataclass(frozen=True)
class Selection:
    candidate: Candidate
    reason: str


@dataclass
class SampleResult:
    selections: list[Selection]
    excluded: dict[str, int] = field(default_factory=dict)  # reason -> number of candidates


def _stream(seed: int, stratum: tuple[object, ...]) -> random.Random:
    digest = hashlib.sha256(repr((seed, stratum)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _months_before(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    last_day = [
        31,
        29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month - 1]
    return dt.date(year, month, min(day.day, last_day))


def _stratum_key(candidate: Candidate, strata: Sequence[str]) -> tuple[object, ...]:
    values = {
        "team": candidate.team_id,
        "district": candidate.district_id,
        "service": candidate.service,
        "kind": candidate.kind,
    }
    return tuple(values[name] for name in strata)


def _stratum_label(candidate: Candidate, strata: Sequence[str]) -> str:
    values = {
        "team": candidate.team_name,
        "district": f"district {candidate.district_id}",
        "service": candidate.service,
        "kind": candidate.kind,
    }
    return ", ".join(values[name] for name in strata)


def draw_sample(
    *, candidates: Iterable[Candidate], rule: SampleRule, today: dt.date
) -> SampleResult:
    """Apply the rule: filter, include by criteria, then draw the quota in each stratum."""
    excluded: dict[str, int] = defaultdict(int)
    eligible: list[Candidate] = []
    window_start = (
        today - dt.timedelta(days=rule.active_within_days) if rule.active_within_days else None
    )
    audited_since = (
        _months_before(today, rule.exclude_audited_within_months)
        if rule.exclude_audited_within_months
        else None
    )
    for candidate in sorted(candidates, key=lambda c: (c.involvement_id, c.child_id)):
        if rule.services and candidate.service not in rule.services:
            excluded["not in the chosen services"] += 1
        elif candidate.start_date > today:
            excluded["starts after today"] += 1
        elif candidate.end_date is not None and (
            window_start is None or candidate.end_date < window_start
        ):
            excluded["closed" if window_start is None else "not active in the window"] += 1
        elif audited_since and candidate.last_audited and candidate.last_audited >= audited_since:
            excluded[f"audited in the last {rule.exclude_audited_within_months} months"] += 1
        else:
            eligible.append(candidate)

    chosen: dict[int, Selection] = {}  # involvement id -> selection
    chosen_children: set[int] = set()

    def take(candidate: Candidate, reason: str) -> bool:
        if candidate.involvement_id in chosen:
            return False
        if rule.one_per_child and candidate.child_id in chosen_children:
            return False
        chosen[candidate.involvement_id] = Selection(candidate, reason)
        chosen_children.add(candidate.child_id)
        return True

    for candidate in eligible:
        if rule.include_vulnerability_register and candidate.on_vulnerability_register:
            take(candidate, "Included: on the QA vulnerability register")
    for criterion in rule.include_criteria:
        for candidate in eligible:
            if criterion.matches(candidate):
                take(candidate, f"Included: matches the line of inquiry ({criterion.describe()})")

    if rule.per_stratum_quota is not None or rule.percentage is not None:
        strata: dict[tuple[object, ...], list[Candidate]] = defaultdict(list)
        for candidate in eligible:
            strata[_stratum_key(candidate, rule.strata)].append(candidate)
        for key in sorted(strata, key=repr):
            members = strata[key]
            wanted = _wanted(len(members), rule)
            already = sum(1 for c in members if c.involvement_id in chosen)
            order = members[:]
            _stream(rule.seed, key).shuffle(order)
            label = _stratum_label(members[0], rule.strata)
            quota_text = (
                f"quota {rule.per_stratum_quota}"
                if rule.per_stratum_quota is not None
                else f"{rule.percentage:g}%"
            )
            for candidate in order:
                if already >= wanted:
                    break
                reason = (
                    f"Random draw in {label} ({quota_text} of {len(members)} eligible, "
                    f"seed {rule.seed})"
                )
                if take(candidate, reason):
                    already += 1
    selections = sorted(chosen.values(), key=lambda s: s.candidate.involvement_id)
    return SampleResult(selections=selections, excluded=dict(excluded))


def _wanted(size: int, rule: SampleRule) -> int:
    if rule.per_stratum_quota is not None:
        return min(size, rule.per_stratum_quota)
    assert rule.percentage is not None
    return min(size, math.ceil(size * rule.percentage / 100))
