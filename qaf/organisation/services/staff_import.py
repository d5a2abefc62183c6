"""Writes to the organisation: loading services, areas, districts, teams and staff from an HR extract.

The import is all or nothing. Every row is checked first, against the file and the register;
if any row has a problem the file is refused and nothing is written. Only then are the rows
applied, in one transaction. A dry run applies them too, to count exactly what would change,
and rolls the transaction back.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import IO

from django.db import transaction
from django.utils.text import slugify

from qaf.accounts.models import User
from qaf.common import clock
from qaf.common.errors import ImportProblem, ImportRefused

from .. import hr_extract
from ..models import (
    Area,
    District,
    ImportOutcome,
    ImportRun,
    Service,
    Staff,
    Team,
    TeamMembership,
)
from .staff_import_check import MAX_PROBLEMS, ExtractChecker, key_of


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


def _apply(checker: ExtractChecker, result: StaffImportResult, by: User | None) -> None:
    """Write the checked rows. Runs inside the import's transaction."""
    services = {key_of(s.name): s for s in Service.objects.all()}
    services.update({key_of(s.key): s for s in Service.objects.all()})
    areas = {key_of(a.name): a for a in Area.objects.all()}
    districts = dict(checker.districts)
    teams = dict(checker.teams)
    for key, spec in checker.new_teams.items():
        service = services.get(key_of(spec.service)) or services.get(slugify(spec.service)[:40])
        if service is None:
            service = Service.objects.create(
                key=slugify(spec.service)[:40] or "service", name=spec.service
            )
            services[key_of(spec.service)] = service
            result.services_created += 1
        district = districts.get(key_of(spec.district))
        if district is None:
            area = areas.get(key_of(spec.area))
            if area is None:
                area = Area.objects.create(name=spec.area)
                areas[key_of(spec.area)] = area
                result.areas_created += 1
            district = District.objects.create(area=area, name=spec.district)
            districts[key_of(spec.district)] = district
            result.districts_created += 1
        teams[key] = Team.objects.create(
            code=spec.code, name=spec.name, kind=spec.kind, service=service, district=district
        )
        result.teams_created += 1

    staff_by_key = dict(checker.staff)
    changed: set[str] = set()
    for row in checker.rows:
        key = key_of(row.staff_id)
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
        key = key_of(row.staff_id)
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
        1 for row in checker.rows if key_of(row.staff_id) in checker.staff
    ) - len(changed)
    in_file = {key_of(row.staff_id) for row in checker.rows}
    result.not_in_extract = sorted(
        (s for key, s in checker.staff.items() if key not in in_file and s.is_active),
        key=lambda s: (s.family_name, s.given_name, s.staff_id),
    )


class _DryRun(Exception):
    """Rolls back a dry run's transaction once its counts are known."""


@transaction.atomic
def _import_in_transaction(*, data: bytes, result: StaffImportResult, by: User | None) -> None:
    text = hr_extract.decode(data)
    extract = hr_extract.read(text)
    checker = ExtractChecker(extract)
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
    by: User | None,
    via_command: bool,
    file_size: int,
    outcome: str,
    problems: int = 0,
) -> ImportRun:
    return ImportRun.objects.create(
        started_at=clock.now(),
        by=by,
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
    by: User | None = None,
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
