"""Synthetic case data with realistic distributions (docs/kpis.md, "Synthetic data").

Pure Python, no database: `generate()` returns children, case events and involvements as
plain tuples, deterministic for a seed (one `random.Random`, teams in primary-key order).
`qaf seed_case_data` writes them with bulk inserts; the writers turn them into Annex A,
SSDA903 and CIN census files. Every rate below names its source in docs/kpis.md: DfE's
published figures where one was found, otherwise it is marked there as an approximation.
"""

import bisect
import datetime as dt
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from qaf.calendar import is_working_day

from .importers.annex_a import birthday

# One council's year: 621,880 referrals in England in 2024 over 153 councils, rounded.
REFERRALS_PER_COUNCIL_YEAR = 4_250
CHILD_POPULATION_PER_COUNCIL = 78_000  # about 12 million children under 18 / 153
SCALES = {"county": 1, "national": 153}
HISTORY_YEARS = 2  # referrals over two years, so the last 12 months have a full look-back

# Rates (share of referrals unless stated).
RE_REFERRAL = 0.22  # DfE, CIN: a focus on re-referrals, 2024: 22%
NFA = 0.07  # approximation
EARLY_HELP_BEFORE = 0.15  # approximation
S47 = 0.35  # DfE CIN 2025, C4: 230,590 s47 / about 650,000 referrals
ICPC_AFTER_S47 = 0.31  # DfE CIN 2025, C4: 72,100 ICPCs / 230,590 s47
PLAN_AFTER_ICPC = 0.88  # approximation (most ICPCs lead to a plan)
REPEAT_PLAN = 0.23  # approximation of the national second-or-subsequent share
CIN_PLAN_AFTER_ASSESSMENT = 0.30  # approximation
CIC_ENTRY = 0.05  # 33,050 started care in 2024 (DfE CLA 2024) / about 650,000 referrals
CIC_RATE_PER_10000 = 70  # DfE CLA 2024: 70 per 10,000 on 31 March
CP_RATE_PER_10000 = 40  # approximation of the national rate of children on a CP plan
ADOPTION_SHARE_UNDER_5 = 0.25  # approximation

# Working-day buckets: (weight, lowest, highest).
ASSESSMENT_DAYS = (  # DfE CIN 2025, C2 (England): completed assessments by duration
    (11_680, 0, 0),
    (75_590, 1, 10),
    (112_180, 11, 20),
    (102_260, 21, 30),
    (131_380, 31, 40),
    (122_730, 41, 45),
    (37_640, 46, 50),
    (27_860, 51, 60),
    (27_500, 61, 120),
)
ICPC_DAYS = (  # DfE CIN 2025, C4 (England): section 47 start to ICPC
    (6_240, 0, 10),
    (52_430, 11, 15),
    (6_430, 16, 20),
    (6_990, 21, 40),
)
CP_PLAN_DAYS = (  # DfE CIN 2025, D7 (England): CP plans ending, by length (calendar days)
    (9_920, 20, 91),
    (6_880, 92, 182),
    (27_110, 183, 364),
    (15_680, 365, 729),
    (2_710, 731, 1_100),
)
AGE_AT_REFERRAL = (  # approximation of the CIN age profile (years)
    (11, 0, 0),
    (17, 1, 4),
    (24, 5, 9),
    (36, 10, 15),
    (12, 16, 17),
)
AGE_IN_CARE = (  # approximation of the CLA age profile on 31 March (years)
    (5, 0, 0),
    (14, 1, 4),
    (17, 5, 9),
    (38, 10, 15),
    (26, 16, 17),
)
CIC_DAYS = (  # approximation: how long an episode of care lasts (calendar days)
    (25, 7, 180),
    (25, 181, 730),
    (30, 731, 2_190),
    (20, 2_191, 5_000),
)
# Placement moves per year in care, by stability group: (share, moves a year).
PLACEMENT_GROUPS = ((70, 0.15), (20, 0.8), (10, 3.0))  # approximation
VISIT_DAYS_CP = ((85, 1, 10), (15, 11, 20))  # approximation: last CP visit before month end
VISIT_DAYS_CIC = ((88, 1, 30), (12, 31, 50))  # approximation: last CiC visit before month end

REFERRAL_SOURCES = (("1B", 28), ("3A", 14), ("2A", 19), ("5A", 8), ("1A", 9), ("9", 22))
CATEGORIES = (("NEG", 50), ("EMO", 38), ("PHY", 7), ("SAB", 4), ("MUL", 1))
NEEDS = (("N1", 55), ("N4", 17), ("N2", 9), ("N8", 8), ("N3", 5), ("N5", 6))
ETHNICITIES = (("WBRI", 70), ("MWBC", 5), ("ASIA", 5), ("BAFR", 4), ("WOTH", 7), ("OOTH", 9))
LEGAL_STATUSES = (("C2", 55), ("V2", 20), ("C1", 10), ("E1", 10), ("J2", 5))
PLACEMENT_TYPES = (("U4", 45), ("U6", 15), ("K2", 12), ("R1", 8), ("P1", 10), ("A4", 10))

ChildRow = tuple[str, dt.date, str, str]  # council child ID, date of birth, sex, ethnicity
# child index, kind, start, end, linked, code, flag, number, team, worker, source key
EventRow = tuple[
    int, str, dt.date, dt.date | None, dt.date | None, str, bool | None, int | None,
    int | None, int | None, str,
]  # fmt: skip
# child index, involvement kind, start, end, team, worker
InvolvementRow = tuple[int, str, dt.date, dt.date | None, int, int | None]


@dataclass
class SyntheticData:
    today: dt.date
    councils: int
    children: list[ChildRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    involvements: list[InvolvementRow] = field(default_factory=list)

    @property
    def child_population(self) -> int:
        return self.councils * CHILD_POPULATION_PER_COUNCIL


def _bucket(rng: random.Random, buckets: Sequence[tuple[int | float, int, int]]) -> int:
    total = sum(b[0] for b in buckets)
    point = rng.random() * total
    for weight, low, high in buckets:
        if point < weight:
            return rng.randint(low, high)
        point -= weight
    return buckets[-1][2]


def _weighted(rng: random.Random, choices: Sequence[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


class _Days:
    """Working days over the generated span, for O(log n) working-day arithmetic."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        day, days = first, []
        while day <= last:
            if is_working_day(day):
                days.append(day)
            day += dt.timedelta(days=1)
        self.days = days

    def add(self, start: dt.date, count: int) -> dt.date:
        """The date `count` working days after `start` (start is day 0)."""
        index = bisect.bisect_left(self.days, start)
        if index < len(self.days) and self.days[index] == start:
            index += count
        else:
            index += count - 1
        return self.days[min(max(index, 0), len(self.days) - 1)]

    def back(self, end: dt.date, count: int) -> dt.date:
        """The working day `count` working days before `end`."""
        index = bisect.bisect_right(self.days, end) - 1 - count
        return self.days[max(index, 0)]


def _month_ends(today: dt.date, months: int) -> list[dt.date]:
    ends = []
    first = today.replace(day=1)
    for _ in range(months):
        ends.append(first - dt.timedelta(days=1))
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return [today, *ends]


def _birthday(day: dt.date, years: int, rng: random.Random) -> dt.date:
    return day - dt.timedelta(days=years * 365 + rng.randint(0, 364))


def generate(
    *,
    scale: str,
    seed: int,
    today: dt.date,
    teams: Sequence[tuple[int, Sequence[int]]] = (),
    councils: int | None = None,
) -> SyntheticData:
    """Children, events and involvements for `scale` (or `councils`) ending at `today`.

    teams: (team pk, [worker staff pks]) to attribute cases to; none leaves them unattributed
    (and then no involvements are made, as an involvement needs a team)."""
    count = councils if councils is not None else SCALES[scale]
    rng = random.Random(seed)
    data = SyntheticData(today=today, councils=count)
    start = today - dt.timedelta(days=365 * HISTORY_YEARS)
    days = _Days(start - dt.timedelta(days=400), today + dt.timedelta(days=400))
    window = [d for d in days.days if start <= d <= today]
    month_ends = _month_ends(today, 14)
    for council in range(count):
        _Council(data, rng, days, window, month_ends, council, teams).run()
    # A child can meet the same kind of event twice on one day (two plans' visits, a contact
    # before two referrals): the register keys events on child, kind, date and source key.
    seen: set[tuple[int, str, dt.date, str]] = set()
    unique = []
    for row in data.events:
        key = (row[0], row[1], row[2], row[10])
        if key not in seen:
            seen.add(key)
            unique.append(row)
    data.events = unique
    places: set[tuple[int, str, dt.date]] = set()
    involvements = []
    for place in data.involvements:
        if (place[0], place[1], place[2]) not in places:  # the importers' key for an involvement
            places.add((place[0], place[1], place[2]))
            involvements.append(place)
    data.involvements = involvements
    return data


class _Council:
    def __init__(
        self,
        data: SyntheticData,
        rng: random.Random,
        days: _Days,
        window: list[dt.date],
        month_ends: list[dt.date],
        number: int,
        teams: Sequence[tuple[int, Sequence[int]]],
    ) -> None:
        self.data, self.rng, self.days, self.window = data, rng, days, window
        self.month_ends = month_ends
        self.number, self.teams = number, teams
        self.next_id = 0
        self.allocation: dict[int, tuple[int | None, int | None]] = {}
        self.dob: dict[int, dt.date] = {}
        self.plans: dict[int, int] = {}
        self.busy_until: dict[tuple[int, str], dt.date] = {}  # no overlapping plans or care
        self.icpcs: set[tuple[int, dt.date]] = set()

    def child(self, dob: dt.date) -> int:
        self.next_id += 1
        rng = self.rng
        sex = "F" if rng.random() < 0.48 else "M"
        code = f"SYN{self.number:03d}{self.next_id:07d}"
        self.data.children.append((code, dob, sex, _weighted(rng, ETHNICITIES)))
        index = len(self.data.children) - 1
        self.dob[index] = dob
        if self.teams:
            team, workers = self.teams[rng.randrange(len(self.teams))]
            self.allocation[index] = (team, rng.choice(workers) if workers else None)
        else:
            self.allocation[index] = (None, None)
        return index

    def event(
        self,
        child: int,
        kind: str,
        start: dt.date,
        end: dt.date | None = None,
        linked: dt.date | None = None,
        code: str = "",
        flag: bool | None = None,
        number: int | None = None,
        key: str = "",
    ) -> None:
        if end is not None and end > self.data.today:
            end = None
        team, worker = self.allocation[child]
        self.data.events.append(
            (child, kind, start, end, linked, code, flag, number, team, worker, key)
        )

    def involvement(self, child: int, kind: str, start: dt.date, end: dt.date | None) -> None:
        team, worker = self.allocation[child]
        if team is None:
            return
        if end is not None and end > self.data.today:
            end = None
        self.data.involvements.append((child, kind, start, end, team, worker))

    def run(self) -> None:
        rng, today = self.rng, self.data.today
        self.children_in_care()
        self.children_on_plans()
        total = REFERRALS_PER_COUNCIL_YEAR * HISTORY_YEARS
        dates = sorted(rng.choice(self.window) for _ in range(total))
        recent: deque[tuple[dt.date, int]] = deque()
        in_recent: dict[int, int] = {}
        last_referral: dict[int, dt.date] = {}
        for day in dates:
            year_before = day - dt.timedelta(days=365)
            while recent and recent[0][0] < year_before:
                _, gone = recent.popleft()
                in_recent[gone] -= 1
            if recent and rng.random() < RE_REFERRAL:
                child = recent[rng.randrange(len(recent))][1]
                if last_referral.get(child) == day:
                    child = self.child(_birthday(day, _bucket(rng, AGE_AT_REFERRAL), rng))
            else:
                child = self.child(_birthday(day, _bucket(rng, AGE_AT_REFERRAL), rng))
            previous = in_recent.get(child, 0)
            in_recent[child] = previous + 1
            last_referral[child] = day
            recent.append((day, child))
            self.referral(child, day, previous, today)

    def referral(self, child: int, day: dt.date, previous: int, today: dt.date) -> None:
        rng, days = self.rng, self.days
        if rng.random() < EARLY_HELP_BEFORE:
            began = day - dt.timedelta(days=rng.randint(30, 200))
            finished = began + dt.timedelta(days=rng.randint(20, 90))
            self.event(child, "early_help", began, finished)
            self.involvement(child, "early_help", began, finished)
        self.event(child, "contact", day - dt.timedelta(days=rng.randint(0, 3)), code="1B")
        nfa = rng.random() < NFA
        source = _weighted(rng, REFERRAL_SOURCES)
        self.event(child, "referral", day, code=source, flag=nfa, number=previous)
        if nfa:
            return
        authorised = days.add(day, _bucket(rng, ASSESSMENT_DAYS))
        self.event(child, "assessment", day, authorised, flag=True, code="Y")
        if authorised > today:
            return
        if rng.random() < S47:
            strategy = days.add(day, rng.randint(0, 3))
            icpc = None
            if rng.random() < ICPC_AFTER_S47:
                icpc = days.add(strategy, _bucket(rng, ICPC_DAYS))
                if icpc > today or (child, icpc) in self.icpcs:
                    icpc = None  # (one conference per enquiry: Annex A has no way to share one)
            plan = icpc is not None and rng.random() < PLAN_AFTER_ICPC
            needed = icpc is not None or strategy > today - dt.timedelta(days=30)
            self.event(child, "section_47", strategy, linked=icpc, flag=plan,
                       code="" if needed else "ICPC not needed")  # fmt: skip
            if icpc is not None:
                self.icpcs.add((child, icpc))
                self.event(child, "icpc", icpc, linked=strategy, flag=plan)
            if plan and icpc is not None and self.free(child, "cp", icpc):
                self.cp_plan(child, icpc)
                return
        if rng.random() < CIC_ENTRY / (1 - NFA):
            if self.free(child, "cic", authorised):
                self.care_episode(child, authorised, entry=True)
        elif rng.random() < CIN_PLAN_AFTER_ASSESSMENT:
            end = authorised + dt.timedelta(days=rng.randint(60, 400))
            self.event(child, "cin_plan", authorised, end, code=_weighted(rng, NEEDS))
            self.involvement(child, "cin", authorised, end if end <= today else None)

    def free(self, child: int, what: str, day: dt.date) -> bool:
        return self.busy_until.get((child, what), dt.date.min) < day

    def children_on_plans(self) -> None:
        """Children already on a CP plan when the window opens, as in a real register: the
        plans open on a day are the longer ones (a plan is drawn in proportion to its length),
        so plans of two years or more end inside the window."""
        rng, window_start = self.rng, self.window[0]
        longest = CP_PLAN_DAYS[-1][2]
        for _ in range(CHILD_POPULATION_PER_COUNCIL * CP_RATE_PER_10000 // 10_000):
            length = _bucket(rng, CP_PLAN_DAYS)
            while rng.random() > length / longest:
                length = _bucket(rng, CP_PLAN_DAYS)
            start = window_start - dt.timedelta(days=rng.randint(1, max(length - 1, 1)))
            child = self.child(_birthday(start, _bucket(rng, AGE_AT_REFERRAL), rng))
            self.cp_plan(child, start, length=length)

    def cp_plan(self, child: int, start: dt.date, *, length: int | None = None) -> None:
        rng, today = self.rng, self.data.today
        earlier = self.plans.get(child, 0)
        previous = max(earlier, 1 if rng.random() < REPEAT_PLAN else 0)
        self.plans[child] = earlier + 1
        days = length if length is not None else _bucket(rng, CP_PLAN_DAYS)
        end = start + dt.timedelta(days=days)
        category = _weighted(rng, CATEGORIES)
        self.busy_until[(child, "cp")] = end
        self.event(child, "cp_plan", start, end, code=category, number=previous)
        self.involvement(child, "cp", start, end)
        review = start + dt.timedelta(days=90)
        while review < min(end, today):
            self.event(child, "cp_review", review)
            review += dt.timedelta(days=182)
        self.visits(child, "cp_visit", start, end, VISIT_DAYS_CP)

    def visits(
        self,
        child: int,
        kind: str,
        start: dt.date,
        end: dt.date,
        buckets: Sequence[tuple[int, int, int]],
    ) -> None:
        """The latest visit before each month end the plan spans (what the KPIs read)."""
        seen = set()
        for month_end in self.month_ends:
            if not start <= month_end < end:
                continue
            visit = self.days.back(month_end, _bucket(self.rng, buckets))
            if visit >= start and visit not in seen:
                seen.add(visit)
                self.event(child, kind, visit)

    def children_in_care(self) -> None:
        """Children already in care when the window opens (about 70 per 10,000)."""
        rng = self.rng
        window_start = self.window[0]
        stock = CHILD_POPULATION_PER_COUNCIL * CIC_RATE_PER_10000 // 10_000
        for _ in range(stock):
            age = _bucket(rng, AGE_IN_CARE)
            dob = _birthday(window_start, age, rng)
            began = window_start - dt.timedelta(days=rng.randint(1, max(age * 365, 30)))
            began = max(began, dob + dt.timedelta(days=1))
            child = self.child(dob)
            self.care_episode(child, began, entry=False)

    def care_episode(self, child: int, start: dt.date, *, entry: bool) -> None:
        rng, today = self.rng, self.data.today
        dob = self.dob[child]
        length = _bucket(rng, CIC_DAYS)
        if not entry:
            length = max(length, (self.window[0] - start).days + rng.randint(300, 3000))
        end = start + dt.timedelta(days=length)
        eighteen = birthday(dob, 18)  # the date the importers give a care leaver
        end = min(end, eighteen)
        if end <= start:
            end = start + dt.timedelta(days=1)
        self.busy_until[(child, "cic")] = end
        legal = _weighted(rng, LEGAL_STATUSES)
        self.event(child, "cic_episode", start, end, code=legal)
        self.involvement(child, "child_in_care", start, end)
        moves = next(rate for share, rate in self._group())
        placement, n = start, 0
        while placement < min(end, today) and n < 40:
            kind = _weighted(rng, PLACEMENT_TYPES)
            # No source key: a child's placements start on different days, and neither Annex A
            # nor SSDA903 gives a placement an ID, so a re-import finds the same event.
            self.event(child, "placement", placement, code=kind)
            n += 1
            gap = rng.expovariate(moves) * 365 if moves else 10_000
            placement = placement + dt.timedelta(days=max(int(gap), 1))
        review = start + dt.timedelta(days=20)
        while review < min(end, today):
            if review >= self.window[0]:
                self.event(child, "cic_review", review)
            review += dt.timedelta(days=182)
        self.visits(child, "cic_visit", start, end, VISIT_DAYS_CIC)
        if end <= today and end >= eighteen - dt.timedelta(days=5):
            self.event(child, "care_leaver", eighteen, code="REL", flag=rng.random() < 0.9)
            self.involvement(child, "care_leaver", eighteen, None)
        age = (start - dob).days // 365
        if entry and age < 5 and rng.random() < ADOPTION_SHARE_UNDER_5:
            decided = start + dt.timedelta(days=rng.randint(120, 400))
            if decided <= today:
                order = decided + dt.timedelta(days=rng.randint(150, 500))
                self.event(child, "adoption", decided, order, linked=start)
                self.involvement(child, "adoption", decided, order)

    def _group(self) -> list[tuple[int, float]]:
        point = self.rng.random() * sum(share for share, _ in PLACEMENT_GROUPS)
        for share, rate in PLACEMENT_GROUPS:
            if point < share:
                return [(share, rate)]
            point -= share
        return [PLACEMENT_GROUPS[-1]]
