"""Generates the fictional demo council deterministically from a seed (Faker en_GB names)."""

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from faker import Faker

from qaf.accounts.models import Role, User
from qaf.audits.demo import audit_demo_generate
from qaf.cases.models import Child, Involvement, InvolvementKind, Sex
from qaf.common import clock
from qaf.common.errors import DomainError
from qaf.organisation.models import (
    Area,
    District,
    JobRole,
    Service,
    Staff,
    Team,
    TeamKind,
    TeamMembership,
)
from qaf.tools.services import tool_library_load

SERVICES = [
    ("childrens-social-work", "Children's social work"),
    ("children-in-care", "Children in care"),
    ("care-leavers", "Care leavers"),
    ("early-help", "Early help and family hubs"),
    ("youth-justice", "Youth justice"),
    ("adoption-and-kinship", "Adoption and kinship"),
    ("disabled-children", "Disabled children 0-25"),
    ("send", "Special educational needs and disabilities"),
    ("front-door", "Front door (triage and MASH)"),
    ("open-access", "Children's centres and youth hubs"),
    ("quality-assurance", "Quality assurance"),
]

# Team kind -> (service key, involvement kinds its children have, frontline job role)
TEAM_KINDS: dict[str, tuple[str, list[str], str]] = {
    TeamKind.SOCIAL_WORK: ("childrens-social-work", ["cin", "cin", "cp"], JobRole.SOCIAL_WORKER),
    TeamKind.EARLY_HELP: ("early-help", ["early_help"], JobRole.EARLY_HELP_WORKER),
    TeamKind.CHILDREN_IN_CARE: ("children-in-care", ["child_in_care"], JobRole.SOCIAL_WORKER),
    TeamKind.CARE_LEAVERS: ("care-leavers", ["care_leaver"], JobRole.PRACTITIONER),
    TeamKind.YOUTH_JUSTICE: ("youth-justice", ["youth_justice"], JobRole.PRACTITIONER),
    TeamKind.ADOPTION: ("adoption-and-kinship", ["adoption"], JobRole.SOCIAL_WORKER),
    TeamKind.DISABLED_CHILDREN: ("disabled-children", ["cin"], JobRole.SOCIAL_WORKER),
    TeamKind.SEND: ("send", ["sen"], JobRole.PRACTITIONER),
    TeamKind.FRONT_DOOR: ("front-door", [], JobRole.SOCIAL_WORKER),
    TeamKind.OPEN_ACCESS: ("open-access", [], JobRole.EARLY_HELP_WORKER),
}

PLACE_NAMES = [
    "Ashby",
    "Brackenford",
    "Colmere",
    "Dunstow",
    "Elmridge",
    "Fallowfield",
    "Greywater",
    "Harrowgate",
    "Ivyholt",
    "Juniper Vale",
    "Kestrel Bay",
    "Longmarsh",
    "Millbrook",
    "Northcote",
    "Oakhurst",
    "Pennycross",
    "Quarry Hill",
    "Redmoor",
    "Stonebridge",
    "Thornbury",
]
AREA_NAMES = ["North", "South", "East", "West"]
ETHNICITIES = ["WBRI"] * 14 + [
    "WOTH",
    "MWBC",
    "AIND",
    "APKN",
    "BAFR",
    "BCRB",
    "CHNE",
    "OOTH",
    "REFU",
]


@dataclass(frozen=True)
class Scale:
    areas: int
    districts_per_area: int
    social_work_teams: int
    early_help_units: int
    children: int
    team_size: tuple[int, int]


SCALES = {
    "small": Scale(2, 2, 8, 4, 600, (5, 8)),
    "county": Scale(4, 3, 100, 30, 20_000, (9, 14)),
}

DEMO_ROLES = {
    "demo-practitioner": Role.PRACTITIONER,
    "demo-team-manager": Role.TEAM_MANAGER,
    "demo-service-manager": Role.SERVICE_MANAGER,
    "demo-assistant-director": Role.ASSISTANT_DIRECTOR,
    "demo-qa-officer": Role.QA_OFFICER,
    "demo-cp-chair": Role.CP_CHAIR,
    "demo-iro": Role.IRO,
    "demo-partner-auditor": Role.PARTNER_AUDITOR,
    "demo-elected-member": Role.ELECTED_MEMBER,
}


def demo_council_exists() -> bool:
    return User.objects.filter(username="demo-qa-officer").exists()


@transaction.atomic
def demo_council_generate(*, scale: str, seed: int, password: str) -> dict[str, int]:
    """Create the whole fictional council in one transaction. Refuses a non-empty register."""
    if scale not in SCALES:
        raise DomainError(f"Unknown scale '{scale}': choose one of {', '.join(SCALES)}")
    if not password:
        raise DomainError("Set QAF_DEMO_PASSWORD: the demo accounts need a password")
    if Team.objects.exists() or Child.objects.exists():
        raise DomainError("The database already holds an organisation; the demo needs an empty one")
    generator = _Generator(SCALES[scale], seed)
    generator.run(password)
    return {
        "areas": Area.objects.count(),
        "districts": District.objects.count(),
        "teams": Team.objects.count(),
        "staff": Staff.objects.count(),
        "children": Child.objects.count(),
        "involvements": Involvement.objects.count(),
    }


class _Generator:
    def __init__(self, scale: Scale, seed: int) -> None:
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.today = clock.today()
        self.staff_seq = 0
        self.child_seq = 0

    def run(self, password: str) -> None:
        services = {key: Service.objects.create(key=key, name=name) for key, name in SERVICES}
        districts = self._structure()
        teams = self._teams(districts, services)
        members = self._staff(teams, districts)
        qa_team = Team.objects.create(
            code="qa-unit",
            name="Quality Assurance Unit",
            kind=TeamKind.QUALITY_ASSURANCE,
            service=services["quality-assurance"],
            district=districts[0],
        )
        qa_staff = (
            [self._person(JobRole.QA_MANAGER)]
            + [self._person(JobRole.STANDARDS_OFFICER) for _ in range(4)]
            + [self._person(JobRole.PRINCIPAL_SOCIAL_WORKER), self._person(JobRole.DATA_ANALYST)]
        )
        chairs = [self._person(JobRole.CP_CHAIR) for _ in range(max(2, len(districts)))]
        iros = [self._person(JobRole.IRO) for _ in range(max(2, len(districts)))]
        Staff.objects.bulk_create(qa_staff + chairs + iros)
        start = self.today - dt.timedelta(days=900)
        TeamMembership.objects.bulk_create(
            TeamMembership(staff=s, team=qa_team, start_date=start)
            for s in qa_staff + chairs + iros
        )
        self._children(teams, members, chairs, iros)
        self._accounts(password, teams, members, districts, qa_staff, chairs, iros)
        # The shipped audit tools, published, so the demo shows every tool (qaf.tools).
        tool_library_load(by=None)
        # Audit cycles: an earlier finalised one and one in progress (qaf.audits.demo).
        audit_demo_generate(seed=self.seed)

    def _person(self, job_role: str, line_manager: Staff | None = None) -> Staff:
        self.staff_seq += 1
        given, family = self.fake.first_name(), self.fake.last_name()
        return Staff(
            staff_id=f"S{self.staff_seq:05d}",
            given_name=given,
            family_name=family,
            email=f"{given}.{family}.{self.staff_seq}@example.invalid".lower().replace("'", ""),
            job_role=job_role,
            line_manager=line_manager,
        )

    def _structure(self) -> list[District]:
        places = iter(PLACE_NAMES)
        districts = []
        for area_name in AREA_NAMES[: self.scale.areas]:
            director = self._person(JobRole.ASSISTANT_DIRECTOR)
            director.save()
            area = Area.objects.create(name=area_name, assistant_director=director)
            for _ in range(self.scale.districts_per_area):
                manager = self._person(JobRole.SERVICE_MANAGER, line_manager=director)
                manager.save()
                districts.append(
                    District.objects.create(area=area, name=next(places), service_manager=manager)
                )
        return districts

    def _teams(self, districts: list[District], services: dict[str, Service]) -> list[Team]:
        plan: list[str] = []
        plan += [TeamKind.SOCIAL_WORK] * self.scale.social_work_teams
        plan += [TeamKind.EARLY_HELP] * self.scale.early_help_units
        others = [k for k in TEAM_KINDS if k not in {TeamKind.SOCIAL_WORK, TeamKind.EARLY_HELP}]
        plan += others * len(districts) if self.scale.children > 5000 else others
        teams = []
        counters: dict[tuple[int, str], int] = {}
        for index, kind in enumerate(plan):
            district = districts[index % len(districts)]
            n = counters[(district.pk, kind)] = counters.get((district.pk, kind), 0) + 1
            label = TeamKind(kind).label
            teams.append(
                Team(
                    code=f"{district.name.lower().replace(' ', '-')}-{kind.replace('_', '-')}-{n}",
                    name=f"{district.name} {label} {n}",
                    kind=kind,
                    service=services[TEAM_KINDS[kind][0]],
                    district=district,
                )
            )
        return Team.objects.bulk_create(teams)

    def _staff(self, teams: list[Team], districts: list[District]) -> dict[int, list[Staff]]:
        managers_by_district = {d.pk: d.service_manager for d in districts}
        members: dict[int, list[Staff]] = {}
        people: list[Staff] = []
        for team in teams:
            manager = self._person(JobRole.TEAM_MANAGER, managers_by_district[team.district_id])
            workers = [
                self._person(TEAM_KINDS[team.kind][2], manager)
                for _ in range(self.rng.randint(*self.scale.team_size))
            ]
            members[team.pk] = [manager, *workers]
            people += [manager, *workers]
        # Managers first, so workers' line_manager foreign keys point at saved rows.
        managers = [m[0] for m in members.values()]
        Staff.objects.bulk_create(managers)
        Staff.objects.bulk_create([p for p in people if p.job_role != JobRole.TEAM_MANAGER])
        memberships = []
        for team in teams:
            for person in members[team.pk]:
                start = self.today - dt.timedelta(days=self.rng.randint(30, 2500))
                memberships.append(TeamMembership(staff=person, team=team, start_date=start))
        TeamMembership.objects.bulk_create(memberships, batch_size=2000)
        return members

    def _children(
        self,
        teams: list[Team],
        members: dict[int, list[Staff]],
        chairs: list[Staff],
        iros: list[Staff],
    ) -> None:
        casework = [t for t in teams if TEAM_KINDS[t.kind][1]]
        weights = [5 if t.kind == TeamKind.SOCIAL_WORK else 3 for t in casework]
        children: list[Child] = []
        for _ in range(self.scale.children):
            self.child_seq += 1
            age_days = self.rng.randint(0, 18 * 365 + 200)
            sex = self.rng.choice([Sex.FEMALE, Sex.MALE, Sex.MALE, Sex.FEMALE, Sex.UNKNOWN][:4])
            given = (
                self.fake.first_name_female() if sex == Sex.FEMALE else self.fake.first_name_male()
            )
            vulnerable = self.rng.random() < 0.01
            children.append(
                Child(
                    council_child_id=f"NC{self.child_seq:06d}",
                    given_name=given,
                    family_name=self.fake.last_name(),
                    date_of_birth=self.today - dt.timedelta(days=age_days),
                    sex=sex,
                    ethnicity=self.rng.choice(ETHNICITIES),
                    disability=self.rng.random() < 0.08,
                    uasc=self.rng.random() < 0.02,
                    on_vulnerability_register=vulnerable,
                    vulnerability_reason=(
                        "Repeat referrals for neglect; QA lead asked for oversight"
                        if vulnerable
                        else ""
                    ),
                )
            )
        Child.objects.bulk_create(children, batch_size=2000)
        involvements: list[Involvement] = []
        for child in children:
            team = self.rng.choices(casework, weights)[0]
            kind = self.rng.choice(TEAM_KINDS[team.kind][1])
            # Earlier, closed involvements: a child's history (re-referrals, stepped-down cases).
            for _ in range(self.rng.choices([0, 1, 2], [60, 30, 10])[0]):
                start = self.today - dt.timedelta(days=self.rng.randint(500, 2000))
                end = start + dt.timedelta(days=self.rng.randint(30, 400))
                involvements.append(
                    Involvement(
                        child=child,
                        kind=self.rng.choice(["early_help", "cin", "cp"]),
                        team=team,
                        start_date=start,
                        end_date=end,
                        allocated_worker=self.rng.choice(members[team.pk][1:]),
                    )
                )
            start = self.today - dt.timedelta(days=int(self.rng.expovariate(1 / 220)) + 1)
            closed = self.rng.random() < 0.25
            reviewer = None
            if kind == InvolvementKind.CP:
                reviewer = self.rng.choice(chairs)
            elif kind == InvolvementKind.CHILD_IN_CARE:
                reviewer = self.rng.choice(iros)
            involvements.append(
                Involvement(
                    child=child,
                    kind=kind,
                    team=team,
                    start_date=start,
                    end_date=(self.today - dt.timedelta(days=self.rng.randint(1, 20)))
                    if closed and start < self.today - dt.timedelta(days=21)
                    else None,
                    allocated_worker=self.rng.choice(members[team.pk][1:]),
                    independent_reviewer=reviewer,
                )
            )
        Involvement.objects.bulk_create(involvements, batch_size=2000)

    def _accounts(
        self,
        password: str,
        teams: list[Team],
        members: dict[int, list[Staff]],
        districts: list[District],
        qa_staff: list[Staff],
        chairs: list[Staff],
        iros: list[Staff],
    ) -> None:
        team = next(t for t in teams if t.kind == TeamKind.SOCIAL_WORK)
        district = next(d for d in districts if d.pk == team.district_id)
        worker = max(
            members[team.pk][1:],
            key=lambda s: Involvement.objects.filter(
                allocated_worker=s, end_date__isnull=True
            ).count(),
        )
        staff_for = {
            "demo-practitioner": worker,
            "demo-team-manager": members[team.pk][0],
            "demo-service-manager": district.service_manager,
            "demo-assistant-director": district.area.assistant_director,
            "demo-qa-officer": qa_staff[0],
            "demo-cp-chair": chairs[0],
            "demo-iro": iros[0],
        }
        for username, role in DEMO_ROLES.items():
            staff = staff_for.get(username)
            user = User(
                username=username,
                role=role,
                staff=staff,
                first_name=staff.given_name if staff else "Demo",
                last_name=staff.family_name if staff else role.label,
                email=staff.email if staff else f"{username}@example.invalid",
                agency="Northmoor Community Health (fictional)"
                if role == Role.PARTNER_AUDITOR
                else "",
                is_staff=role == Role.QA_OFFICER,
                is_superuser=role == Role.QA_OFFICER,
            )
            user.set_password(password)
            user.save()
