"""Writes to the organisation: loading services, areas, districts, teams and staff from an HR extract.

The import is all or nothing. Every row is checked first, against the file and the register;
if any row has a problem the file is refused and nothing is written. Only then are the rows
applied, in one transaction. A dry run applies them too, to count exactly what would change,
and rolls the transaction back.
"""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify

from qaf.common import clock
from qaf.common.errors import ImportProblem, ImportRefused

from . import hr_extract
from .models import (
    Area,
    District,
    ImportOutcome,
    ImportRun,
    JobRole,
    Service,
    Staff,
    Team,
    TeamKind,
    TeamMembership,
)

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
_TEAM_CODE = re.compile(r"[A-Za-z0-9_-]+")


@dataclass
class StaffImportResult:
    """What an import did (or, for a dry run, would do)."""

    file_name: str
    dry_run: bool
    rows_read: int = 0
    staff_created: int = 0
    staff_updated: int = 0
    staff_unchanged: int = 0
    memberships_opened: int = 0
    memberships_closed: int = 0
    teams_created: int = 0
    districts_created: int = 0
    areas_created: int = 0
    services_created: int = 0
    warnings: list[ImportProblem] = field(default_factory=list)
    not_in_extract: list[Staff] = field(default_factory=list)
    run: ImportRun | None = None


@dataclass
class _TeamSpec:
    code: str
    name: str
    kind: str
    service: str
    district: str
    area: str
    row: int


@dataclass
class _Row:
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


def _key(value: str) -> str:
    return value.strip().casefold()


def _normalise_choice(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text.strip().casefold())


def _choice_lookup(choices: Iterable[tuple[str, str]]) -> dict[str, str]:
    lookup = {}
    for value, label in choices:
        lookup[_normalise_choice(value)] = value
        lookup[_normalise_choice(label)] = value
    return lookup


JOB_ROLES = _choice_lookup(JobRole.choices)
TEAM_KINDS = _choice_lookup(TeamKind.choices)
JOB_ROLES_EXPECTED = "one of: " + ", ".join(label for _, label in JobRole.choices)
TEAM_KINDS_EXPECTED = "one of: " + ", ".join(label for _, label in TeamKind.choices)


class _Checker:
    """Checks every row of an extract against the file and the register; writes nothing."""

    def __init__(self, extract: hr_extract.Extract) -> None:
        self.extract = extract
        self.problems: list[ImportProblem] = []
        self.warnings: list[ImportProblem] = []
        self.rows: list[_Row] = []
        self.staff = {
            _key(s.staff_id): s
            for s in Staff.objects.select_related("line_manager").prefetch_related(
                "memberships__team"
            )
        }
        self.teams = {
            _key(t.code): t for t in Team.objects.select_related("service", "district__area")
        }
        self.districts = {_key(d.name): d for d in District.objects.select_related("area")}
        self.new_teams: dict[str, _TeamSpec] = {}
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
            key = _key(staff_id)
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

        job_role = JOB_ROLES.get(_normalise_choice(values["job_role"]))
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
            _Row(
                number=number,
                staff_id=staff_id,
                given_name=given_name,
                family_name=family_name,
                email=email,
                job_role=job_role,
                team_key=team_key,
                team_code=values["team_code"],
                start=start,
                manager_key=_key(manager),
                manager_text=manager,
            )
        )

    def check_team(self, number: int, values: dict[str, str]) -> str | None:
        code = self.required(number, values, "team_code", 40, "team code")
        if code is None:
            return None
        if not _TEAM_CODE.fullmatch(code):
            self.problem(
                number,
                "team_code",
                f"The team code {code} may only contain letters, numbers, hyphens and underscores.",
                value=code,
                expected="letters, numbers, hyphens and underscores",
            )
            return None
        key = _key(code)
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
                    TEAM_KINDS.get(_normalise_choice(value)) == spec.kind
                    if name == "team_kind"
                    else _key(value) == _key(described[name])
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
        kind = TEAM_KINDS.get(_normalise_choice(given["team_kind"]))
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
        district_key = _key(given["district"])
        district = self.districts.get(district_key)
        if district is not None and _key(district.area.name) != _key(given["area"]):
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
            if _key(area) != _key(given["area"]):
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
        self.new_teams[key] = _TeamSpec(
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
            if given[name] and _key(given[name]) != _key(value)
        ]
        if (
            given["team_kind"]
            and TEAM_KINDS.get(_normalise_choice(given["team_kind"])) != team.kind
        ):
            differs.append("team_kind")
        if differs and _key(team.code) not in self.warned_teams:
            self.warned_teams.add(_key(team.code))
            self.warn(
                number,
                ", ".join(differs),
                f"The team {team.code} is already in the register as {team.name}; the row "
                f"gives different details ({', '.join(differs)}). The import does not change "
                "existing teams.",
                team.code,
            )

    def check_line_managers(self) -> None:
        in_file = {_key(row.staff_id): row for row in self.rows}
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
            key: _key(staff.line_manager.staff_id)
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
            current: str | None = _key(row.staff_id)
            while current is not None and current not in path:
                path.append(current)
                current = manager_of.get(current)
            if current is None or current in reported:
                continue
            cycle = path[path.index(current) :]
            if _key(row.staff_id) not in cycle:
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
            staff = self.staff.get(_key(row.staff_id))
            if staff is None:
                continue
            open_memberships = [m for m in staff.memberships.all() if m.end_date is None]
            same_team = [m for m in open_memberships if _key(m.team.code) == row.team_key]
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


def _apply(checker: _Checker, result: StaffImportResult, by: Any) -> None:
    """Write the checked rows. Runs inside the import's transaction."""
    services = {_key(s.name): s for s in Service.objects.all()}
    services.update({_key(s.key): s for s in Service.objects.all()})
    areas = {_key(a.name): a for a in Area.objects.all()}
    districts = dict(checker.districts)
    teams = dict(checker.teams)
    for key, spec in checker.new_teams.items():
        service = services.get(_key(spec.service)) or services.get(slugify(spec.service)[:40])
        if service is None:
            service = Service.objects.create(
                key=slugify(spec.service)[:40] or "service", name=spec.service
            )
            services[_key(spec.service)] = service
            result.services_created += 1
        district = districts.get(_key(spec.district))
        if district is None:
            area = areas.get(_key(spec.area))
            if area is None:
                area = Area.objects.create(name=spec.area)
                areas[_key(spec.area)] = area
                result.areas_created += 1
            district = District.objects.create(area=area, name=spec.district)
            districts[_key(spec.district)] = district
            result.districts_created += 1
        teams[key] = Team.objects.create(
            code=spec.code, name=spec.name, kind=spec.kind, service=service, district=district
        )
        result.teams_created += 1

    staff_by_key = dict(checker.staff)
    changed: set[str] = set()
    for row in checker.rows:
        key = _key(row.staff_id)
        staff = staff_by_key.get(key)
        details = {
            "given_name": row.given_name,
            "family_name": row.family_name,
            "email": row.email,
            "job_role": row.job_role,
            "is_active": True,
        }
        if staff is None:
            staff = Staff(staff_id=row.staff_id, **details)
            staff._history_user = by  # type: ignore[attr-defined]
            staff.save()
            staff_by_key[key] = staff
            result.staff_created += 1
        elif any(getattr(staff, name) != value for name, value in details.items()):
            for name, value in details.items():
                setattr(staff, name, value)
            staff._history_user = by  # type: ignore[attr-defined]
            staff.save()
            changed.add(key)

        team = teams[row.team_key]
        open_memberships = list(staff.memberships.filter(end_date__isnull=True))
        if any(m.team_id == team.pk for m in open_memberships):
            continue
        for membership in open_memberships:
            membership.end_date = row.start - dt.timedelta(days=1)
            membership.save(update_fields=["end_date"])
            result.memberships_closed += 1
        TeamMembership.objects.create(staff=staff, team=team, start_date=row.start)
        result.memberships_opened += 1
        if key in checker.staff:
            changed.add(key)

    for row in checker.rows:
        key = _key(row.staff_id)
        staff = staff_by_key[key]
        manager = staff_by_key[row.manager_key] if row.manager_key else None
        if staff.line_manager_id != (manager.pk if manager else None):
            staff.line_manager = manager
            staff._history_user = by  # type: ignore[attr-defined]
            staff.save(update_fields=["line_manager"])
            if key in checker.staff:
                changed.add(key)

    result.staff_updated = len(changed)
    result.staff_unchanged = sum(
        1 for row in checker.rows if _key(row.staff_id) in checker.staff
    ) - len(changed)
    in_file = {_key(row.staff_id) for row in checker.rows}
    result.not_in_extract = sorted(
        (s for key, s in checker.staff.items() if key not in in_file and s.is_active),
        key=lambda s: (s.family_name, s.given_name, s.staff_id),
    )


class _DryRun(Exception):
    """Rolls back a dry run's transaction once its counts are known."""


@transaction.atomic
def _import_in_transaction(*, data: bytes, result: StaffImportResult, by: Any) -> None:
    text = hr_extract.decode(data)
    extract = hr_extract.read(text)
    checker = _Checker(extract)
    checker.check()
    result.warnings = checker.warnings
    result.rows_read = len(extract.rows)
    if checker.problems:
        problems = checker.problems[:MAX_PROBLEMS]
        count = len(problems)
        listed = (
            f" (checking stopped after the first {MAX_PROBLEMS})" if count >= MAX_PROBLEMS else ""
        )
        raise ImportRefused(
            f"The file has {count} problem{'s' if count != 1 else ''}{listed}. "
            "Nothing was imported.",
            problems,
        )
    _apply(checker, result, by)
    if result.dry_run:
        raise _DryRun


@transaction.atomic
def import_run_record(
    *,
    result: StaffImportResult,
    by: Any,
    via_command: bool,
    file_size: int,
    outcome: str,
    problems: int = 0,
) -> ImportRun:
    user = by if getattr(by, "is_authenticated", False) else None
    return ImportRun.objects.create(
        started_at=clock.now(),
        by=user,
        via_command=via_command,
        file_name=result.file_name[:255],
        file_size=file_size,
        outcome=outcome,
        rows_read=result.rows_read,
        staff_created=result.staff_created,
        staff_updated=result.staff_updated,
        staff_unchanged=result.staff_unchanged,
        memberships_opened=result.memberships_opened,
        memberships_closed=result.memberships_closed,
        teams_created=result.teams_created,
        not_in_extract=len(result.not_in_extract),
        warnings=len(result.warnings),
        problems=problems,
    )


def staff_import(
    *,
    file: IO[bytes],
    size: int,
    file_name: str,
    by: Any = None,
    dry_run: bool = False,
    via_command: bool = False,
) -> StaffImportResult:
    """Load the organisation from a CSV HR extract, all or nothing.

    Raises ImportRefused (with every problem found) when any row is wrong; nothing is written
    then except the import history entry. Not itself atomic: the history entry of a refused
    import must survive the rollback of the import's own transaction.
    """
    result = StaffImportResult(file_name=file_name, dry_run=dry_run)
    try:
        hr_extract.check_size(size)
        data = file.read(hr_extract.MAX_BYTES + 1)
        hr_extract.check_size(len(data))
        _import_in_transaction(data=data, result=result, by=by)
    except _DryRun:
        pass
    except ImportRefused as exc:
        result.staff_created = result.staff_updated = result.staff_unchanged = 0
        result.memberships_opened = result.memberships_closed = result.teams_created = 0
        result.not_in_extract = []
        import_run_record(
            result=result,
            by=by,
            via_command=via_command,
            file_size=size,
            outcome=ImportOutcome.REFUSED,
            problems=len(exc.problems),
        )
        raise
    result.run = import_run_record(
        result=result,
        by=by,
        via_command=via_command,
        file_size=size,
        outcome=ImportOutcome.CHECKED if dry_run else ImportOutcome.IMPORTED,
    )
    return result
