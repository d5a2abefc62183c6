"""Checking an HR extract, row by row, against the file and the register; writes nothing.

Every problem is collected (up to MAX_PROBLEMS) so the person can fix the file in one go;
warnings are things the import does anyway but the person should know.
"""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from qaf.common import clock
from qaf.common.errors import ImportProblem

from .. import hr_extract
from ..models import District, JobRole, Staff, Team, TeamKind

REQUIRED_COLUMNS = (
    "staff_id",
    "given_name",
    "family_name",
    "email",
    "job_role",
    "team_code",
    "team_start_date",
)
TEAM_COLUMNS = ("team_name", "team_kind", "service", "district", "area")
OPTIONAL_COLUMNS = ("line_manager_staff_id", *TEAM_COLUMNS)
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_PROBLEMS = 1000
TEAM_CODE = re.compile(r"[A-Za-z0-9_-]+")


@dataclass
class NewTeam:
    """A team the extract creates (first described on `row`)."""

    code: str
    name: str
    kind: str
    service: str
    district: str
    area: str
    row: int


@dataclass
class CheckedRow:
    """One staff row that passed every check, ready to apply."""

    number: int
    staff_id: str
    given_name: str
    family_name: str
    email: str
    job_role: str
    team_key: str
    team_code: str
    start: dt.date
    manager_key: str
    manager_text: str


def key_of(value: str) -> str:
    """How staff IDs, team codes and names are matched: case and outer spaces ignored."""
    return value.strip().casefold()


def normalise_choice(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text.strip().casefold())


def choice_lookup(choices: Iterable[tuple[str, str]]) -> dict[str, str]:
    lookup = {}
    for value, label in choices:
        lookup[normalise_choice(value)] = value
        lookup[normalise_choice(label)] = value
    return lookup


JOB_ROLES = choice_lookup(JobRole.choices)
TEAM_KINDS = choice_lookup(TeamKind.choices)
JOB_ROLES_EXPECTED = "one of: " + ", ".join(label for _, label in JobRole.choices)
TEAM_KINDS_EXPECTED = "one of: " + ", ".join(label for _, label in TeamKind.choices)


class ExtractChecker:
    """Checks every row of an extract against the file and the register; writes nothing."""

    def __init__(self, extract: hr_extract.Extract) -> None:
        self.extract = extract
        self.problems: list[ImportProblem] = []
        self.warnings: list[ImportProblem] = []
        self.rows: list[CheckedRow] = []
        self.staff = {
            key_of(s.staff_id): s
            for s in Staff.objects.select_related("line_manager").prefetch_related(
                "memberships__team"
            )
        }
        self.teams = {
            key_of(t.code): t for t in Team.objects.select_related("service", "district__area")
        }
        self.districts = {key_of(d.name): d for d in District.objects.select_related("area")}
        self.new_teams: dict[str, NewTeam] = {}
        self.new_district_areas: dict[str, tuple[str, int]] = {}
        self.warned_teams: set[str] = set()

    def problem(
        self, row: int | None, column: str, message: str, value: str = "", expected: str = ""
    ) -> None:
        self.problems.append(
            ImportProblem(row=row, column=column, message=message, value=value, expected=expected)
        )

    def warn(self, row: int | None, column: str, message: str, value: str = "") -> None:
        self.warnings.append(ImportProblem(row=row, column=column, message=message, value=value))

    def check(self) -> None:
        header = self.extract.header
        seen_columns: dict[str, int] = {}
        for position, name in enumerate(header, start=1):
            if not name:
                continue
            if name in seen_columns:
                self.problem(
                    1,
                    name,
                    f"The column {name} appears twice in the header row (columns "
                    f"{seen_columns[name]} and {position}). Remove one of them.",
                    value=name,
                    expected="each column once",
                )
            seen_columns.setdefault(name, position)
            if name not in KNOWN_COLUMNS:
                self.warn(1, name, f"The column {name} is not one we use, so it was ignored.", name)
        missing = [name for name in REQUIRED_COLUMNS if name not in seen_columns]
        if missing:
            self.problem(
                1,
                ", ".join(missing),
                "The header row is missing the required "
                + ("column " if len(missing) == 1 else "columns ")
                + ", ".join(missing)
                + ".",
                value=", ".join(name for name in header if name),
                expected="the columns " + ", ".join(REQUIRED_COLUMNS),
            )
        if self.problems:
            return
        if not self.extract.rows:
            self.problem(
                None,
                "",
                "The file has a header row but no staff rows.",
                expected="at least one row after the header",
            )
            return
        first_row_by_staff: dict[str, int] = {}
        for number, cells in self.extract.rows:
            if len(cells) > len(header):
                self.problem(
                    number,
                    "",
                    f"The row has {len(cells)} values but the header has {len(header)} "
                    "columns. A value with a comma in it must be wrapped in quotation marks.",
                    value=", ".join(cells[len(header) :])[:200],
                    expected=f"at most {len(header)} values",
                )
                continue
            values = dict.fromkeys(KNOWN_COLUMNS, "")
            for name, cell in zip(header, cells, strict=False):
                if name in values:
                    values[name] = cell.strip()
            self.check_row(number, values, first_row_by_staff)
            if len(self.problems) >= MAX_PROBLEMS:
                return
        self.check_line_managers()
        self.check_moves()

    def required(
        self, number: int, values: dict[str, str], column: str, max_length: int, what: str
    ) -> str | None:
        value = values[column]
        if not value:
            self.problem(number, column, f"The {what} is missing.", expected=what)
            return None
        if len(value) > max_length:
            self.problem(
                number,
                column,
                f"The {what} is {len(value)} characters long; the most we can "
                f"store is {max_length}.",
                value=value[:100],
                expected=f"{max_length} characters or fewer",
            )
            return None
        return value

    def check_row(
        self, number: int, values: dict[str, str], first_row_by_staff: dict[str, int]
    ) -> None:
        before = len(self.problems)
        staff_id = self.required(number, values, "staff_id", 40, "staff ID")
        if staff_id is not None:
            key = key_of(staff_id)
            if key in first_row_by_staff:
                self.problem(
                    number,
                    "staff_id",
                    f"The staff ID {staff_id} is also on row {first_row_by_staff[key]}. "
                    "Each person must be on one row only.",
                    value=staff_id,
                    expected="a staff ID not used on another row",
                )
            else:
                first_row_by_staff[key] = number
        given_name = self.required(number, values, "given_name", 80, "given name")
        family_name = self.required(number, values, "family_name", 80, "family name")

        email = values["email"]
        if not email:
            self.warn(
                number,
                "email",
                "There is no email address, so this person cannot be sent notifications.",
            )
        else:
            try:
                validate_email(email)
            except ValidationError:
                self.problem(
                    number,
                    "email",
                    f"{email} is not a valid email address.",
                    value=email,
                    expected="an email address like name@council.gov.uk",
                )

        job_role = JOB_ROLES.get(normalise_choice(values["job_role"]))
        if job_role is None:
            self.problem(
                number,
                "job_role",
                (
                    f"{values['job_role']} is not a job role we know."
                    if values["job_role"]
                    else "The job role is missing."
                ),
                value=values["job_role"],
                expected=JOB_ROLES_EXPECTED,
            )

        team_key = self.check_team(number, values)

        start: dt.date | None = None
        try:
            start = hr_extract.parse_date(values["team_start_date"])
        except ValueError as exc:
            self.problem(
                number,
                "team_start_date",
                str(exc),
                value=values["team_start_date"],
                expected=hr_extract.DATE_EXPECTED,
            )
        if start is not None and start > clock.today():
            self.warn(
                number,
                "team_start_date",
                f"The person starts in the team on {start:%d/%m/%Y}, which is in the future. "
                "Until then the person stays in their current team.",
                values["team_start_date"],
            )

        manager = values["line_manager_staff_id"]
        if len(self.problems) > before:
            return
        assert staff_id and given_name and family_name and job_role and team_key and start
        self.rows.append(
            CheckedRow(
                number=number,
                staff_id=staff_id,
                given_name=given_name,
                family_name=family_name,
                email=email,
                job_role=job_role,
                team_key=team_key,
                team_code=values["team_code"],
                start=start,
                manager_key=key_of(manager),
                manager_text=manager,
            )
        )

    def check_team(self, number: int, values: dict[str, str]) -> str | None:
        code = self.required(number, values, "team_code", 40, "team code")
        if code is None:
            return None
        if not TEAM_CODE.fullmatch(code):
            self.problem(
                number,
                "team_code",
                f"The team code {code} may only contain letters, numbers, hyphens and underscores.",
                value=code,
                expected="letters, numbers, hyphens and underscores",
            )
            return None
        key = key_of(code)
        given = {name: values[name] for name in TEAM_COLUMNS}
        if key in self.teams:
            self.warn_if_team_differs(number, self.teams[key], given)
            return key
        if key in self.new_teams:
            spec = self.new_teams[key]
            described = {
                "team_name": spec.name,
                "team_kind": spec.kind,
                "service": spec.service,
                "district": spec.district,
                "area": spec.area,
            }
            for name, value in given.items():
                if not value:
                    continue
                same = (
                    TEAM_KINDS.get(normalise_choice(value)) == spec.kind
                    if name == "team_kind"
                    else key_of(value) == key_of(described[name])
                )
                if not same:
                    self.problem(
                        number,
                        name,
                        f"The new team {code} is described differently from row "
                        f"{spec.row}: {name} is {value} here but {described[name]} there.",
                        value=value,
                        expected=described[name],
                    )
                    return None
            return key
        if not any(given.values()):
            self.problem(
                number,
                "team_code",
                f"The team code {code} is not in the register. Check the code, "
                "or fill in team_name, team_kind, service, district and area to create the team.",
                value=code,
                expected="the code of a team in the register, or the columns to create one",
            )
            return None
        missing = [name for name in TEAM_COLUMNS if not given[name]]
        if missing:
            self.problem(
                number,
                ", ".join(missing),
                f"The team code {code} is new. To create the team, the row "
                "also needs " + ", ".join(missing) + ".",
                value=code,
                expected="values in " + ", ".join(TEAM_COLUMNS),
            )
            return None
        kind = TEAM_KINDS.get(normalise_choice(given["team_kind"]))
        if kind is None:
            self.problem(
                number,
                "team_kind",
                f"{given['team_kind']} is not a kind of team we know.",
                value=given["team_kind"],
                expected=TEAM_KINDS_EXPECTED,
            )
            return None
        for name, limit in (("team_name", 160), ("service", 120), ("district", 120), ("area", 120)):
            if len(given[name]) > limit:
                self.problem(
                    number,
                    name,
                    f"The {name.replace('_', ' ')} is longer than {limit} characters.",
                    value=given[name][:100],
                    expected=f"{limit} characters or fewer",
                )
                return None
        district_key = key_of(given["district"])
        district = self.districts.get(district_key)
        if district is not None and key_of(district.area.name) != key_of(given["area"]):
            self.problem(
                number,
                "area",
                f"The row puts the district {given['district']} in the area "
                f"{given['area']}, but the register has it in {district.area.name}.",
                value=given["area"],
                expected=district.area.name,
            )
            return None
        if district is None and district_key in self.new_district_areas:
            area, first = self.new_district_areas[district_key]
            if key_of(area) != key_of(given["area"]):
                self.problem(
                    number,
                    "area",
                    f"The row puts the new district {given['district']} in the area "
                    f"{given['area']}, but row {first} puts it in {area}.",
                    value=given["area"],
                    expected=area,
                )
                return None
        self.new_district_areas.setdefault(district_key, (given["area"], number))
        self.new_teams[key] = NewTeam(
            code=code,
            name=given["team_name"],
            kind=kind,
            service=given["service"],
            district=given["district"],
            area=given["area"],
            row=number,
        )
        return key

    def warn_if_team_differs(self, number: int, team: Team, given: dict[str, str]) -> None:
        register = {
            "team_name": team.name,
            "service": team.service.name,
            "district": team.district.name,
            "area": team.district.area.name,
        }
        differs = [
            name
            for name, value in register.items()
            if given[name] and key_of(given[name]) != key_of(value)
        ]
        if given["team_kind"] and TEAM_KINDS.get(normalise_choice(given["team_kind"])) != team.kind:
            differs.append("team_kind")
        if differs and key_of(team.code) not in self.warned_teams:
            self.warned_teams.add(key_of(team.code))
            self.warn(
                number,
                ", ".join(differs),
                f"The team {team.code} is already in the register as {team.name}; the row "
                f"gives different details ({', '.join(differs)}). The import does not change "
                "existing teams.",
                team.code,
            )

    def check_line_managers(self) -> None:
        in_file = {key_of(row.staff_id): row for row in self.rows}
        for row in self.rows:
            if (
                row.manager_key
                and row.manager_key not in in_file
                and row.manager_key not in self.staff
            ):
                self.problem(
                    row.number,
                    "line_manager_staff_id",
                    f"The line manager {row.manager_text} is not in this file or in the register.",
                    value=row.manager_text,
                    expected="the staff ID of a person in this file or already in the register",
                )
        if self.problems:
            return
        manager_of: dict[str, str] = {
            key: key_of(staff.line_manager.staff_id)
            for key, staff in self.staff.items()
            if staff.line_manager_id is not None and staff.line_manager is not None
        }
        for key, row in in_file.items():
            if row.manager_key:
                manager_of[key] = row.manager_key
            else:
                manager_of.pop(key, None)
        reported: set[str] = set()
        display = {key: row.staff_id for key, row in in_file.items()}
        for row in self.rows:
            path: list[str] = []
            current: str | None = key_of(row.staff_id)
            while current is not None and current not in path:
                path.append(current)
                current = manager_of.get(current)
            if current is None or current in reported:
                continue
            cycle = path[path.index(current) :]
            if key_of(row.staff_id) not in cycle:
                continue
            reported.update(cycle)
            names = [
                display.get(k, self.staff[k].staff_id if k in self.staff else k) for k in cycle
            ]
            if len(cycle) == 1:
                message = f"This makes {row.staff_id} their own line manager."
            else:
                message = (
                    "Line management goes round in a circle: "
                    + " → ".join([*names, names[0]])
                    + ". Nobody can be their own line manager, directly or through others."
                )
            self.problem(
                row.number,
                "line_manager_staff_id",
                message,
                value=row.manager_text,
                expected="a line manager who is not managed by this person",
            )

    def check_moves(self) -> None:
        for row in self.rows:
            staff = self.staff.get(key_of(row.staff_id))
            if staff is None:
                continue
            open_memberships = [m for m in staff.memberships.all() if m.end_date is None]
            same_team = [m for m in open_memberships if key_of(m.team.code) == row.team_key]
            if same_team:
                if same_team[0].start_date != row.start:
                    self.warn(
                        row.number,
                        "team_start_date",
                        f"{row.staff_id} has been in {row.team_code} since "
                        f"{same_team[0].start_date:%d/%m/%Y}; the file says "
                        f"{row.start:%d/%m/%Y}. The start date in the register was kept.",
                        f"{row.start:%d/%m/%Y}",
                    )
                continue
            for membership in open_memberships:
                if membership.start_date >= row.start:
                    self.problem(
                        row.number,
                        "team_start_date",
                        f"The row moves {row.staff_id} to {row.team_code} from "
                        f"{row.start:%d/%m/%Y}, but they have been in {membership.team.code} "
                        f"only since {membership.start_date:%d/%m/%Y}. The move must start "
                        "after that date.",
                        value=f"{row.start:%d/%m/%Y}",
                        expected=f"a date after {membership.start_date:%d/%m/%Y}",
                    )
