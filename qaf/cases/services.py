"""Writes to the case register: importing case-data files (docs/case-data-import.md)."""

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import pairwise
from operator import itemgetter
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models.functions import Lower
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from qaf.common import clock
from qaf.common.errors import ImportProblem, ImportRefused
from qaf.organisation.models import Staff, Team

from .history import case_event_previous_refresh
from .importers.records import ChildRecord, EventRecord, ParseResult, gc_paused
from .models import (
    CaseEvent,
    CaseImport,
    Child,
    EventKind,
    ImportFormat,
    ImportStatus,
    Involvement,
    InvolvementKind,
)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
BATCH = 2000

EXTENSIONS: dict[str, tuple[str, ...]] = {
    ImportFormat.ANNEX_A: (".xlsx", ".xlsm"),
    ImportFormat.SSDA903: (".zip", ".xml"),
    ImportFormat.CIN: (".xml",),
    ImportFormat.CSV: (".csv",),
}

# Events that are also a period of involvement with a service (when their team is known).
INVOLVEMENT_FOR = {
    EventKind.CIN_PLAN: InvolvementKind.CIN,
    EventKind.CP_PLAN: InvolvementKind.CP,
    EventKind.CIC_EPISODE: InvolvementKind.CHILD_IN_CARE,
    EventKind.CARE_LEAVER: InvolvementKind.CARE_LEAVER,
    EventKind.ADOPTION: InvolvementKind.ADOPTION,
    EventKind.EARLY_HELP: InvolvementKind.EARLY_HELP,
}


def case_data_guess_format(*, file_name: str) -> str:
    """The format a file name implies, or ImportRefused when it implies none."""
    suffix = PurePath(file_name).suffix.lower()
    for fmt, suffixes in EXTENSIONS.items():
        if suffix in suffixes and fmt != ImportFormat.CIN:
            return fmt
    raise ImportRefused(
        f"{file_name} is not a file QAF can import: use .xlsx (Annex A), .zip or .xml "
        "(SSDA903), .xml with --format cin (CIN census) or .csv (QAF layout)"
    )


def case_data_parse(*, data: bytes, file_name: str, fmt: str) -> ParseResult:
    """Read and check a file without touching the database. Refuses whole on any problem."""
    from .importers import annex_a, cin_census, csv_layout, ssda903

    _check_upload(data=data, file_name=file_name, fmt=fmt)
    parsers: dict[str, Callable[..., ParseResult]] = {
        ImportFormat.ANNEX_A: annex_a.parse_annex_a,
        ImportFormat.SSDA903: ssda903.parse_ssda903,
        ImportFormat.CIN: cin_census.parse_cin_census,
        ImportFormat.CSV: csv_layout.parse_case_csv,
    }
    with gc_paused():
        result = parsers[ImportFormat(fmt)](data, name=file_name)
        _check_records(result)
    if result.problem_count:
        raise ImportRefused(_refusal_message(result), result.problems)
    return result


def _check_upload(*, data: bytes, file_name: str, fmt: str) -> None:
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportRefused(
            f"{file_name} is {len(data) / 1024 / 1024:.0f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB"
        )
    if not data:
        raise ImportRefused(f"{file_name} is empty")
    suffix = PurePath(file_name).suffix.lower()
    if fmt not in EXTENSIONS:
        raise ImportRefused(f"Unknown format {fmt!r}")
    if suffix not in EXTENSIONS[fmt]:
        wanted = " or ".join(EXTENSIONS[fmt])
        raise ImportRefused(
            f"{file_name} has the wrong extension for {ImportFormat(fmt).label}: expected {wanted}"
        )


def _refusal_message(result: ParseResult) -> str:
    count = result.problem_count
    first = str(result.problems[0]) if result.problems else ""
    return (
        f"The file was refused: {count:,} problem{'s' if count != 1 else ''} found, "
        f"nothing was imported. First: {first}"
    )


_CHILD_ATTRS = ("sex", "date_of_birth", "ethnicity", "disability", "uasc")
_CHILD_LABELS = {"sex": "Gender", "date_of_birth": "Date of birth", "ethnicity": "Ethnicity"}


def _merge_children(result: ParseResult) -> dict[str, ChildRecord]:
    """One record per child: what any row states fills a gap; a different gender, date of
    birth or ethnicity is a problem; a yes anywhere wins for the yes/no flags."""
    merged: dict[str, ChildRecord] = {}
    for record in result.children:
        child_id = record[0]
        seen = merged.get(child_id)
        if seen is None:
            merged[child_id] = record
            continue
        if seen[1:6] == record[1:6]:  # the usual case: the same child, stated again
            continue
        fields = list(seen)
        for position, attr in enumerate(_CHILD_ATTRS, start=1):
            new, old = record[position], fields[position]
            if new is None or (attr == "sex" and new == "U"):
                continue
            if old is None or (attr == "sex" and old == "U"):
                fields[position] = new
            elif new != old and attr in _CHILD_LABELS:
                label = _CHILD_LABELS[attr]
                result.problem(
                    sheet=record.where.sheet,
                    row=record.where.row,
                    column=label,
                    message=(
                        f"child {child_id} appears again with a different "
                        f"{label.lower()} ({_show(old)} at {seen.where})"
                    ),
                    value=_show(new),
                    expected=f"the same value as at {seen.where}",
                )
            elif new != old and new:  # yes/no flags: a yes anywhere in the file wins
                fields[position] = True
        merged[child_id] = ChildRecord._make(fields)
    return merged


def _show(value: Any) -> str:
    return f"{value:%d/%m/%Y}" if hasattr(value, "strftime") else str(value)


def _check_records(result: ParseResult) -> None:
    """File-wide checks: conflicting duplicates and IDs that collide after normalising."""
    from .importers.parsing import id_collision_key

    merged = _merge_children(result)
    by_key: dict[str, str] = {}
    for child_id, record in merged.items():
        key = id_collision_key(child_id)
        other = by_key.setdefault(key, child_id)
        if other != child_id:
            result.problem(
                sheet=record.where.sheet,
                row=record.where.row,
                column="Child ID",
                message=(
                    f"child ID {child_id!r} differs from {other!r} only in case or punctuation"
                ),
                value=child_id,
                expected="child IDs that stay distinct when case and punctuation are ignored",
            )
    events: dict[tuple[Any, ...], EventRecord] = {}
    duplicates = 0
    for event in result.events:
        seen = events.setdefault(event[0:4], event)
        if seen is event:
            continue
        if seen[4:11] == event[4:11]:
            duplicates += 1
            continue
        result.problem(
            sheet=event.where.sheet,
            row=event.where.row,
            column="",
            message=(
                f"conflicting duplicate: child {event.child_id} has a second "
                f"{EventKind(event.kind).label.lower()} starting {event.start_date:%d/%m/%Y} "
                f"with different details (first at {seen.where})"
            ),
            expected="one row per event, or identical repeated rows",
        )
    if duplicates:
        result.warnings.append(f"{duplicates:,} repeated identical rows were read once.")
    result.children = list(merged.values())
    result.events = list(events.values())


def _chunks(items: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _resolver(model: Any, fields: Iterable[str]) -> dict[str, int]:
    """Lower-cased, space-normalised code/name -> primary key."""
    lookup: dict[str, int] = {}
    for field in fields:
        for key, pk in model.objects.annotate(_k=Lower(field)).values_list("_k", "pk"):
            lookup.setdefault(" ".join(str(key).split()), pk)
    return lookup


def _people_tables() -> tuple[dict[str, int], dict[str, int]]:
    """Normalised team codes and names, and staff IDs and names -> primary key."""
    teams = _resolver(Team, ["code", "name"])
    staff = _resolver(Staff, ["staff_id"])
    for pk, given, family in Staff.objects.values_list("pk", "given_name", "family_name"):
        staff.setdefault(" ".join(f"{given} {family}".lower().split()), pk)
    return teams, staff


def _resolve_people(result: ParseResult) -> tuple[dict[str, int | None], dict[str, int | None]]:
    """Each team and worker name in the file (as written) -> its primary key, or None."""
    teams, staff = _people_tables()
    team_names = set(map(itemgetter(EventRecord._fields.index("team")), result.events))
    worker_names = set(map(itemgetter(EventRecord._fields.index("worker")), result.events))
    team_pk = {name: _lookup(teams, name) for name in team_names}
    worker_pk = {name: _lookup(staff, name) for name in worker_names}
    missing_teams = sorted(name for name, pk in team_pk.items() if name and pk is None)
    missing_staff = [name for name, pk in worker_pk.items() if name and pk is None]
    if missing_teams:
        names = ", ".join(missing_teams[:10])
        result.warnings.append(
            f"{len(missing_teams)} team name(s) are not in QAF's organisation, so their rows "
            f"have no team: {names}"
        )
    if missing_staff:
        result.warnings.append(
            f"{len(missing_staff)} worker name(s) are not QAF staff, so their rows have no "
            "allocated worker."
        )
    return team_pk, worker_pk


def _lookup(table: dict[str, int], name: str) -> int | None:
    return table.get(" ".join(name.lower().split())) if name else None


@transaction.atomic
def case_data_apply(
    *, result: ParseResult, case_import: CaseImport | None = None, dry_run: bool = False
) -> dict[str, int]:
    """Write parsed records to the register in one transaction (rolled back on a dry run)."""
    with gc_paused():
        return _apply(result, case_import, dry_run)


def _apply(
    result: ParseResult,
    case_import: CaseImport | None,
    dry_run: bool,
    streamed: "_NewChildEvents | None" = None,
) -> dict[str, int]:
    from django.db import connection

    if streamed is None:
        _check_register(
            result, Child.objects.values_list("council_child_id", flat=True).iterator(5000)
        )
    counts: Counter[str] = Counter(rows_read=result.rows_read)
    file_ids = {record.child_id for record in result.children}
    teams, staff = _resolve_people(result)
    new_children: set[int] = set()
    if connection.vendor == "postgresql":
        child_pk, new_children = _upsert_children_postgresql(
            result.children, counts, streamed.reserved if streamed else None
        )
    else:
        children = _upsert_children(result.children, counts)
        child_pk = {child.council_child_id: child.pk for child in children}
    assert set(child_pk) >= file_ids
    if streamed is not None:
        stale: set[int] | None = _upsert_events_postgresql(
            result.events, child_pk, teams, staff, case_import, counts, new_children, streamed
        )
    else:
        stale = _upsert_events(
            result.events, child_pk, teams, staff, case_import, counts, new_children
        )
    if stale is None or stale:
        case_event_previous_refresh(child_ids=child_pk.values() if stale is None else stale)
    _upsert_involvements(result.events, child_pk, teams, staff, counts)
    if dry_run:
        transaction.set_rollback(True)
    return dict(counts)


def _check_register(result: ParseResult, register: Iterable[str]) -> None:
    """Refuse IDs that collide with a different ID already in the register."""
    from .importers.parsing import id_collision_key

    existing_keys: dict[str, str] = {}
    for council_id in register:
        existing_keys.setdefault(id_collision_key(council_id), council_id)
    for record in result.children:
        other = existing_keys.get(id_collision_key(record.child_id))
        if other is not None and other != record.child_id:
            result.problem(
                sheet=record.where.sheet,
                row=record.where.row,
                column="Child ID",
                message=(
                    f"child ID {record.child_id!r} collides with {other!r}, already in the "
                    "register, when case and punctuation are ignored"
                ),
                value=record.child_id,
                expected=f"exactly {other!r}, or a distinct ID",
            )
    if result.problem_count:
        raise ImportRefused(_refusal_message(result), result.problems)


def _child_values(record: ChildRecord) -> tuple[Any, ...]:
    """What a record would set on a child (None: leave as it is). 'Not known' never
    overwrites a recorded sex."""
    sex = record.sex if record.sex in {"M", "F"} else None
    return (sex, record.date_of_birth, record.ethnicity, record.disability, record.uasc)


def _upsert_children(records: list[ChildRecord], counts: Counter[str]) -> list[Child]:
    existing: dict[str, Child] = {}
    ids = [record.child_id for record in records]
    for chunk in _chunks(ids):
        existing.update(
            (child.council_child_id, child)
            for child in Child.objects.filter(council_child_id__in=chunk)
        )
    to_create: list[Child] = []
    to_update: list[Child] = []
    for record in records:
        child = existing.get(record.child_id)
        values = dict(zip(_CHILD_ATTRS, _child_values(record), strict=True))
        if child is None:
            child = Child(council_child_id=record.child_id)
            for attr, value in values.items():
                if value is not None:
                    setattr(child, attr, value)
            to_create.append(child)
            continue
        changed = False
        for attr, value in values.items():
            if value is not None and getattr(child, attr) != value:
                setattr(child, attr, value)
                changed = True
        if changed:
            to_update.append(child)
        else:
            counts["children_unchanged"] += 1
    if to_create:
        bulk_create_with_history(to_create, Child, batch_size=BATCH)
    if to_update:
        bulk_update_with_history(to_update, Child, fields=list(_CHILD_ATTRS), batch_size=BATCH)
    counts["children_created"] += len(to_create)
    counts["children_updated"] += len(to_update)
    result = list(existing.values())
    if to_create:
        created = [child.council_child_id for child in to_create]
        for chunk in _chunks(created):
            result.extend(Child.objects.filter(council_child_id__in=chunk))
    return result


# PostgreSQL: set-based writes. Each table's rows are COPYed into a temporary table, then
# one statement inserts or updates only the rows that are new or changed, and writes their
# django-simple-history rows from its RETURNING (no model instances, no per-row queries).
# Table and column names come from the models' metadata; values travel only by COPY and
# query parameters.


def _q(name: str) -> str:
    from django.db import connection

    return str(connection.ops.quote_name(name))


def _column(model: Any, name: str) -> str:
    """A concrete field's quoted column name."""
    return _q(model._meta.get_field(name).column)


def _history_insert(model: Any, source: str, history_type: str) -> str:
    """INSERT INTO <model's history table> ... SELECT ... FROM <source> (a CTE returning the
    model's rows as written), as simple-history's bulk_history_create writes them: history
    date the parameter %(history_date)s, no user, no change reason."""
    history = model.history.model
    tracked = {field.attname for field in history.tracked_fields}
    columns, values = [], []
    for field in history._meta.concrete_fields:
        if field.name == "history_id":
            continue
        columns.append(_q(field.column))
        if field.attname in tracked:
            values.append(_column(model, field.name))
        elif field.name == "history_date":
            values.append("%(history_date)s")
        elif field.name == "history_type":
            values.append(f"'{history_type}'")
        elif field.name in {"history_change_reason", "history_user"}:
            values.append("NULL")
        else:  # a history field this import does not know how to fill: never guess
            raise ImproperlyConfigured(f"{history.__name__}.{field.name} has no import value")
    return (
        f"INSERT INTO {_q(history._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM {source}"
    )


def _history_on() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "SIMPLE_HISTORY_ENABLED", True))


def _with_history(write: str, model: Any, history_type: str, answer: str = "count(*)") -> str:
    """One statement: `write` (INSERT or UPDATE ... RETURNING *) as a CTE, its history rows,
    and `answer` about the rows it wrote (by default how many)."""
    history = f", history AS ({_history_insert(model, 'written', history_type)})"
    return (
        f"WITH written AS ({write}){history if _history_on() else ''} "  # noqa: S608
        f"SELECT {answer} FROM written"
    )


def _copy_temporary(cursor: Any, name: str, source: str, columns: list[str], rows: Any) -> None:
    """A temporary table `name` shaped like `source`'s `columns`, filled by COPY."""
    listed = ", ".join(columns)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS "  # noqa: S608
        f"SELECT {listed} FROM {source} WITH NO DATA"
    )
    with cursor.cursor.copy(f"COPY {name} ({listed}) FROM STDIN") as copy:
        write = copy.write_row
        for row in rows:
            write(row)
    cursor.execute(f"ANALYZE {name}")


def _upsert_children_postgresql(
    records: list[ChildRecord], counts: Counter[str], reserved: dict[str, int] | None = None
) -> tuple[dict[str, int], set[int]]:
    """Children written set-based; their primary keys by council ID, and the new ones'.
    reserved: primary keys already drawn from the table's sequence for children new to the
    register (their events were written while the file was read: _NewChildEvents)."""
    from django.db import connection
    from django.utils import timezone

    meta = Child._meta
    table = _q(meta.db_table)
    key = _column(Child, "council_child_id")
    attrs = [_column(Child, name) for name in _CHILD_ATTRS]
    params = {"history_date": timezone.now()}
    given = ", ".join(f"{c} = COALESCE(t.{c}, c.{c})" for c in attrs)
    merged = ", ".join(f"COALESCE(t.{c}, c.{c})" for c in attrs)
    current = ", ".join(f"c.{c}" for c in attrs)
    pk = _q(meta.pk.column)
    insert_columns, insert_values = [], []
    if reserved:
        insert_columns.append(pk)
        insert_values.append(f"t.{pk}")
    for field in meta.concrete_fields:
        if field.primary_key:
            continue
        column = _q(field.column)
        insert_columns.append(column)
        if field.name == "council_child_id" or (column in attrs and field.null):
            insert_values.append(f"t.{column}")
        else:
            default = f"%(default_{field.column})s"
            params[f"default_{field.column}"] = field.get_default()
            insert_values.append(f"COALESCE(t.{column}, {default})" if column in attrs
                                 else default)  # fmt: skip
    with connection.cursor() as cursor:
        if reserved:
            _copy_temporary(
                cursor, "qaf_import_children", table, [pk, key, *attrs],
                ((reserved.get(r.child_id), r.child_id, *_child_values(r)) for r in records),
            )  # fmt: skip
        else:
            _copy_temporary(
                cursor, "qaf_import_children", table, [key, *attrs],
                ((record.child_id, *_child_values(record)) for record in records),
            )  # fmt: skip
        cursor.execute(
            _with_history(
                f"UPDATE {table} AS c SET {given} FROM qaf_import_children AS t "  # noqa: S608
                f"WHERE c.{key} = t.{key} AND ({merged}) IS DISTINCT FROM ({current}) "
                "RETURNING c.*",
                Child, "~",
            ),
            params,
        )  # fmt: skip
        updated = cursor.fetchone()[0]
        cursor.execute(
            _with_history(
                f"INSERT INTO {table} ({', '.join(insert_columns)}) "  # noqa: S608
                f"SELECT {', '.join(insert_values)} FROM qaf_import_children AS t "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS c WHERE c.{key} = t.{key}) "
                "RETURNING *",
                Child, "+", answer=f"{key}, {pk}",
            ),
            params,
        )  # fmt: skip
        child_pk = dict(cursor.fetchall())
        new_children = set(child_pk.values())
        created = len(new_children)
        if created < len(records):
            cursor.execute(
                f"SELECT t.{key}, c.{pk} FROM qaf_import_children AS t "  # noqa: S608
                f"JOIN {table} AS c ON c.{key} = t.{key}"
            )
            child_pk.update(cursor.fetchall())
        cursor.execute("DROP TABLE qaf_import_children")
    counts["children_created"] += created
    counts["children_updated"] += updated
    if len(records) - created - updated:
        counts["children_unchanged"] += len(records) - created - updated
    return child_pk, new_children


_EVENT_FIELDS = ("end_date", "linked_date", "code", "flag", "number", "team_id", "worker_id")


def _upsert_events(
    records: list[EventRecord],
    child_pk: dict[str, int],
    teams: dict[str, int | None],
    staff: dict[str, int | None],
    case_import: CaseImport | None,
    counts: Counter[str],
    new_children: set[int] = frozenset(),  # type: ignore[assignment]  # read only
) -> set[int] | None:
    """Returns the children whose stored previous events (previous_start) still need a
    refresh, or None for every child written."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return _upsert_events_postgresql(
            records, child_pk, teams, staff, case_import, counts, new_children
        )
    pks = sorted({child_pk[record.child_id] for record in records})
    existing: dict[tuple[Any, ...], CaseEvent] = {}
    for chunk in _chunks(pks):
        for found in CaseEvent.objects.filter(child_id__in=chunk):
            existing[(found.child_id, found.kind, found.start_date, found.source_key)] = found
    to_create: list[CaseEvent] = []
    to_update: list[CaseEvent] = []
    for record in records:
        values = {
            "end_date": record.end_date,
            "linked_date": record.linked_date,
            "code": record.code,
            "flag": record.flag,
            "number": record.number,
            "team_id": teams[record.team],
            "worker_id": staff[record.worker],
        }
        key = (child_pk[record.child_id], record.kind, record.start_date, record.source_key)
        event = existing.get(key)
        if event is None:
            to_create.append(
                CaseEvent(
                    child_id=key[0],
                    kind=record.kind,
                    start_date=record.start_date,
                    source_key=record.source_key,
                    imported_by=case_import,
                    **values,
                )
            )
            continue
        if all(getattr(event, attr) == value for attr, value in values.items()):
            counts["events_unchanged"] += 1
            continue
        for attr, value in values.items():
            setattr(event, attr, value)
        event.imported_by = case_import
        to_update.append(event)
    CaseEvent.objects.bulk_create(to_create, batch_size=BATCH)
    CaseEvent.objects.bulk_update(to_update, [*_EVENT_FIELDS, "imported_by"], batch_size=BATCH)
    counts["events_created"] += len(to_create)
    counts["events_updated"] += len(to_update)
    return None


def _upsert_events_postgresql(
    records: list[EventRecord],
    child_pk: dict[str, int],
    teams: dict[str, int | None],
    staff: dict[str, int | None],
    case_import: CaseImport | None,
    counts: Counter[str],
    new_children: set[int],
    streamed: "_NewChildEvents | None" = None,
) -> set[int]:
    """The same upsert, set-based. Events of children this import has just created cannot
    be in the register yet (and the file's duplicates are already merged): they are COPYed
    straight into the table, the server inserting while Python still sends, with their
    previous_start worked out here (the file holds the child's whole history). The others
    are COPYed into a temporary table, then one INSERT of the rows that are new or differ
    from the register's (an anti-join first, so unchanged rows are neither written nor
    locked) ... ON CONFLICT DO UPDATE; counts from RETURNING (xmax = 0 for a new row).
    Returns the existing children given a new event of a kind with a previous_start (only
    a new event changes which event came before which: the key holds the start date)."""
    from django.db import connection

    from .history import KINDS_WITH_PREVIOUS

    with_previous = [str(kind) for kind in KINDS_WITH_PREVIOUS]
    previous = {} if streamed else _previous_starts(records, with_previous)

    meta = CaseEvent._meta
    table = _q(meta.db_table)
    key = ["child", "kind", "start_date", "source_key"]
    names = [*key, *(name.removesuffix("_id") for name in _EVENT_FIELDS)]
    columns = [_column(CaseEvent, n) for n in names]
    key_columns, value_columns = columns[: len(key)], columns[len(key) :]
    imported = _column(CaseEvent, "imported_by")
    imported_pk = case_import.pk if case_import else None
    listed = ", ".join(columns)
    changed = ", ".join(f"{table}.{c}" for c in value_columns)
    incoming = ", ".join(f"EXCLUDED.{c}" for c in value_columns)
    setting = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*value_columns, imported])
    same_key = " AND ".join(f"e.{c} = t.{c}" for c in key_columns)
    differs = (
        f"({', '.join(f'e.{c}' for c in value_columns)}) IS DISTINCT FROM "
        f"({', '.join(f't.{c}' for c in value_columns)})"
    )
    derived = _column(CaseEvent, "previous_start")
    existing_children: list[tuple[Any, ...]] = []
    created = updated = 0
    touched: set[int] = set()
    with connection.cursor() as cursor:
        direct = f"COPY {table} ({listed}, {imported}, {derived}) FROM STDIN"
        with cursor.cursor.copy(direct) as copy:
            write = copy.write_row
            for r in records:
                # EventRecord: child_id, kind, start_date, source_key, then the seven details
                # in _EVENT_FIELDS order (team and worker as written in the file).
                row = (child_pk[r[0]], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
                       teams[r[9]], staff[r[10]])  # fmt: skip
                if row[0] not in new_children:
                    existing_children.append(row)
                elif streamed is None:
                    write((*row, imported_pk, previous.get(r[0:3])))
                    created += 1
                else:  # written while the file was read
                    created += 1
        if existing_children:
            _copy_temporary(cursor, "qaf_import_events", table, columns, existing_children)
            cursor.execute(
                f"WITH upserted AS (INSERT INTO {table} ({listed}, {imported}) "  # noqa: S608
                f"SELECT {', '.join(f't.{c}' for c in columns)}, %s FROM qaf_import_events AS t "
                f"LEFT JOIN {table} AS e ON {same_key} "
                f"WHERE e.{_q(meta.pk.column)} IS NULL OR {differs} "
                f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET {setting} "
                f"WHERE ({changed}) IS DISTINCT FROM ({incoming}) "
                f"RETURNING (xmax = 0) AS inserted, {key_columns[0]} AS child, "
                f"{key_columns[1]} AS kind) "
                "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), "
                "array_agg(DISTINCT child) FILTER (WHERE inserted AND kind = ANY(%s)) "
                "FROM upserted",
                [imported_pk, with_previous],
            )
            inserted, updated, children = cursor.fetchone()
            created += inserted
            touched.update(children or ())
            cursor.execute("DROP TABLE qaf_import_events")
    counts["events_created"] += created
    counts["events_updated"] += updated
    if len(records) - created - updated:
        counts["events_unchanged"] += len(records) - created - updated
    if streamed is not None:
        touched.update(streamed.stale)
    return touched


def _previous_starts(
    records: list[EventRecord], kinds: list[str]
) -> dict[tuple[Any, ...], dt.date]:
    """(child ID, kind, start) -> the start of the child's latest strictly earlier event of
    that kind in the file (qaf.cases.history's previous_start), for events of `kinds`."""
    starts: dict[tuple[str, str], set[dt.date]] = {}
    for r in records:
        if r[1] in kinds:
            starts.setdefault((r[0], r[1]), set()).add(r[2])
    previous: dict[tuple[Any, ...], dt.date] = {}
    for (child_id, kind), days in starts.items():
        for before, day in pairwise(sorted(days)):
            previous[(child_id, kind, day)] = before
    return previous


def _wanted_involvements(
    records: list[EventRecord],
    child_pk: dict[str, int],
    teams: dict[str, int | None],
    staff: dict[str, int | None],
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """(child pk, involvement kind, start) -> (end, team pk, worker pk), for the events that
    are a period of involvement with a known team (a later row wins)."""
    kinds = {event.value: involvement.value for event, involvement in INVOLVEMENT_FOR.items()}
    wanted: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for record in records:
        kind = kinds.get(record[1])
        if kind is None:
            continue
        team_id = teams[record.team]
        if team_id is None:
            continue
        wanted[(child_pk[record[0]], kind, record[2])] = (
            record.end_date, team_id, staff[record.worker],
        )  # fmt: skip
    return wanted


_INVOLVEMENT_VALUES = ("end_date", "team_id", "allocated_worker_id")


def _upsert_involvements(
    records: list[EventRecord],
    child_pk: dict[str, int],
    teams: dict[str, int | None],
    staff: dict[str, int | None],
    counts: Counter[str],
) -> None:
    from django.db import connection

    wanted = _wanted_involvements(records, child_pk, teams, staff)
    if not wanted:
        return
    if connection.vendor == "postgresql":
        _upsert_involvements_postgresql(wanted, counts)
        return
    existing: dict[tuple[Any, ...], Involvement] = {}
    for chunk in _chunks(sorted({key[0] for key in wanted})):
        for found_involvement in Involvement.objects.filter(child_id__in=chunk):
            found_key = (
                found_involvement.child_id,
                found_involvement.kind,
                found_involvement.start_date,
            )
            existing[found_key] = found_involvement
    to_create: list[Involvement] = []
    to_update: list[Involvement] = []
    for key, row in wanted.items():
        values = dict(zip(_INVOLVEMENT_VALUES, row, strict=True))
        involvement = existing.get(key)
        if involvement is None:
            to_create.append(Involvement(child_id=key[0], kind=key[1], start_date=key[2], **values))
        elif any(getattr(involvement, attr) != value for attr, value in values.items()):
            for attr, value in values.items():
                setattr(involvement, attr, value)
            to_update.append(involvement)
    if to_create:
        bulk_create_with_history(to_create, Involvement, batch_size=BATCH)
    if to_update:
        bulk_update_with_history(
            to_update,
            Involvement,
            fields=["end_date", "team_id", "allocated_worker_id"],
            batch_size=BATCH,
        )
    counts["involvements_created"] += len(to_create)
    counts["involvements_updated"] += len(to_update)


def _upsert_involvements_postgresql(
    wanted: dict[tuple[Any, ...], tuple[Any, ...]], counts: Counter[str]
) -> None:
    from django.db import connection
    from django.utils import timezone

    meta = Involvement._meta
    table = _q(meta.db_table)
    key = [_column(Involvement, n) for n in ("child", "kind", "start_date")]
    values = [_column(Involvement, n.removesuffix("_id")) for n in _INVOLVEMENT_VALUES]
    same_key = " AND ".join(f"i.{c} = t.{c}" for c in key)
    setting = ", ".join(f"{c} = t.{c}" for c in values)
    current = ", ".join(f"i.{c}" for c in values)
    incoming = ", ".join(f"t.{c}" for c in values)
    columns = [*key, *values]
    params = {"history_date": timezone.now()}
    with connection.cursor() as cursor:
        _copy_temporary(cursor, "qaf_import_involvements", table, columns,
                        (key_ + row for key_, row in wanted.items()))  # fmt: skip
        cursor.execute(
            _with_history(
                f"UPDATE {table} AS i SET {setting} FROM qaf_import_involvements AS t "  # noqa: S608
                f"WHERE {same_key} AND ({current}) IS DISTINCT FROM ({incoming}) RETURNING i.*",
                Involvement, "~",
            ),
            params,
        )  # fmt: skip
        updated = cursor.fetchone()[0]
        cursor.execute(
            _with_history(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                f"SELECT {', '.join(f't.{c}' for c in columns)} FROM qaf_import_involvements AS t "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS i WHERE {same_key}) RETURNING *",
                Involvement, "+",
            ),
            params,
        )  # fmt: skip
        created = cursor.fetchone()[0]
        cursor.execute("DROP TABLE qaf_import_involvements")
    counts["involvements_created"] += created
    counts["involvements_updated"] += updated


def case_import_create(
    *,
    file_name: str,
    data: bytes,
    fmt: str,
    by: Any = None,
    via: str = "page",
    dry_run: bool = False,
    keep_payload: bool = True,
) -> CaseImport:
    """Record an import and keep its file until the background task has read it (not when
    the caller runs it at once: keep_payload=False, then case_import_run(data=...))."""
    name = PurePath(file_name).name[:255] or "upload"
    return CaseImport.objects.create(
        file_name=name,
        format=fmt,
        dry_run=dry_run,
        by=by if getattr(by, "is_authenticated", False) else None,
        via=via,
        created_at=clock.now(),
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        payload=data if keep_payload and len(data) <= MAX_UPLOAD_BYTES else b"",
    )


def case_import_run(*, case_import: CaseImport, data: bytes | None = None) -> CaseImport:
    """Parse and apply a recorded import; the outcome (and any refusal) is saved on it.
    `data`: the file itself, when it was not kept on the record (keep_payload=False)."""
    CaseImport.objects.filter(pk=case_import.pk).update(
        status=ImportStatus.RUNNING, started_at=clock.now()
    )
    if data is None:
        data = bytes(case_import.payload or b"")
    result: ParseResult | None = None
    parsed: list[ParseResult] = []  # the streaming import's file, once read and checked
    try:
        if case_import.size_bytes > MAX_UPLOAD_BYTES:
            raise ImportRefused(
                f"{case_import.file_name} is {case_import.size_bytes / 1024 / 1024:.0f} MB; "
                f"the limit is {MAX_UPLOAD_BYTES // 1024 // 1024} MB"
            )
        if _streams(case_import.format):
            counts = _case_data_import_streaming(data=data, case_import=case_import, parsed=parsed)
            result = parsed[0]
        else:
            result = case_data_parse(
                data=data, file_name=case_import.file_name, fmt=case_import.format
            )
            counts = case_data_apply(
                result=result, case_import=case_import, dry_run=case_import.dry_run
            )
    except ImportRefused as refusal:
        result = result or (parsed[0] if parsed else None)
        case_import.status = ImportStatus.REFUSED
        case_import.message = str(refusal)[:500]
        case_import.problems = [problem.as_dict() for problem in refusal.problems] or [
            ImportProblem(row=None, column="", message=str(refusal)).as_dict()
        ]
        case_import.counts = {"rows_read": result.rows_read if result else 0}
        case_import.warnings = result.warnings if result else []
    else:
        case_import.status = ImportStatus.CHECKED if case_import.dry_run else ImportStatus.SUCCEEDED
        case_import.counts = counts
        case_import.warnings = result.warnings
        case_import.message = ""
    case_import.finished_at = clock.now()
    case_import.payload = None
    case_import.save()
    return case_import


# Annex A on PostgreSQL: writing while reading. ------------------------------------------------


def _streams(fmt: str) -> bool:
    from django.db import connection

    return connection.vendor == "postgresql" and fmt == ImportFormat.ANNEX_A


@transaction.atomic
def _case_data_import_streaming(
    *, data: bytes, case_import: CaseImport, parsed: list[ParseResult]
) -> dict[str, int]:
    """case_data_parse then case_data_apply, but the events of children new to the register
    are written sheet by sheet while the rest of the workbook is read, so the database
    inserts (and checks) them while Python reads the next sheet. Still one transaction: any
    problem anywhere refuses the file and rolls back everything written so far. `parsed`
    gets the file's records once they are read and checked (for the import's report)."""
    from .importers import annex_a

    file_name = case_import.file_name
    _check_upload(data=data, file_name=file_name, fmt=ImportFormat.ANNEX_A)
    with gc_paused():
        with _NewChildEvents(case_import) as stream:
            result = annex_a.parse_annex_a(data, name=file_name, sink=stream.sheet)
            # The file-wide checks while the database is still writing the last sheet.
            _check_records(result)
            if result.problem_count:
                raise ImportRefused(_refusal_message(result), result.problems)
            parsed.append(result)
            _check_register(result, stream.register)
        return _apply(result, case_import, case_import.dry_run, streamed=stream)


class _NewChildEvents:
    """Writes each parsed sheet's events of children new to the register straight into the
    events table (COPY, left open while the next sheet is read), with primary keys for those
    children drawn from the children table's sequence (the children themselves are inserted
    once the whole file is checked, with these keys; that foreign key is checked at commit).
    The team, worker and import foreign keys are checked as each sheet's COPY ends, so that
    work too overlaps the reading. It stops writing at the first problem: the file will be
    refused and the transaction rolled back."""

    def __init__(self, case_import: CaseImport) -> None:
        from django.db import connection

        self.case_import = case_import
        self.register = dict(Child.objects.values_list("council_child_id", "pk").iterator(5000))
        self.reserved: dict[str, int] = {}
        self.written: set[tuple[Any, ...]] = set()  # event keys written
        self.kinds_seen: set[tuple[str, str]] = set()  # (child, kind) with previous_start
        self.stale: set[int] = set()  # children whose previous_start needs the refresh
        self.cursor = connection.cursor()
        self.copy_block: Any = None
        self.stopped = False
        self.teams, self.staff = _people_tables()
        self.team_pk: dict[str, int | None] = {}
        self.worker_pk: dict[str, int | None] = {}
        self.immediate = self._immediate_foreign_keys()

    def __enter__(self) -> "_NewChildEvents":
        if self.immediate:
            self.cursor.execute(f"SET CONSTRAINTS {self.immediate} IMMEDIATE")
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        self._end_copy(kind, error, trace)
        if self.immediate and error is None:
            self.cursor.execute(f"SET CONSTRAINTS {self.immediate} DEFERRED")
        self.cursor.close()

    def _immediate_foreign_keys(self) -> str:
        """The events table's foreign keys to teams, staff and imports (quoted, joined)."""
        from django.db import connection

        columns = {CaseEvent._meta.get_field(n).column for n in ("team", "worker", "imported_by")}  # type: ignore[union-attr]
        found = connection.introspection.get_constraints(self.cursor, CaseEvent._meta.db_table)
        return ", ".join(
            _q(name)
            for name, info in sorted(found.items())
            if info["foreign_key"] and len(info["columns"]) == 1 and info["columns"][0] in columns
        )

    def _end_copy(self, kind: Any = None, error: Any = None, trace: Any = None) -> None:
        if self.copy_block is not None:
            block, self.copy_block = self.copy_block, None
            block.__exit__(kind, error, trace)

    def sheet(self, result: ParseResult, children_from: int, events_from: int) -> None:
        from psycopg.copy import LibpqWriter

        from .history import KINDS_WITH_PREVIOUS

        if self.stopped or result.problem_count:
            self.stopped = True
            return
        self._end_copy()  # waits for the previous sheet's rows (written while this was read)
        register, reserved = self.register, self.reserved
        new = [
            child_id
            for child_id in dict.fromkeys(c[0] for c in result.children[children_from:])
            if child_id not in register and child_id not in reserved
        ]
        if new:
            meta = Child._meta
            self.cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(new)],
            )
            reserved.update(zip(new, (pk for (pk,) in self.cursor.fetchall()), strict=True))
        events = [e for e in result.events[events_from:] if e[0] in reserved]
        if not events:
            return
        with_previous = [str(kind) for kind in KINDS_WITH_PREVIOUS]
        previous = _previous_starts(events, with_previous)
        for event in events:
            if event[1] in with_previous and (event[0], event[1]) in self.kinds_seen:
                self.stale.add(reserved[event[0]])  # that kind in an earlier sheet too
        self.kinds_seen.update((e[0], e[1]) for e in events if e[1] in with_previous)
        names = ["child", "kind", "start_date", "source_key",
                 *(n.removesuffix("_id") for n in _EVENT_FIELDS), "imported_by",
                 "previous_start"]  # fmt: skip
        listed = ", ".join(_column(CaseEvent, n) for n in names)
        self.copy_block = self.cursor.cursor.copy(
            f"COPY {_q(CaseEvent._meta.db_table)} ({listed}) FROM STDIN",
            writer=LibpqWriter(self.cursor.cursor, flush_threshold=0),
        )
        copy = self.copy_block.__enter__()
        write, written = copy.write_row, self.written
        team_pk, worker_pk = self.team_pk, self.worker_pk
        imported = self.case_import.pk
        for r in events:
            key = r[0:4]
            if key in written:  # a repeat (identical or conflicting: _check_records reports)
                continue
            written.add(key)
            team = team_pk.get(r[9], _UNSET)
            if team is _UNSET:
                team = team_pk[r[9]] = _lookup(self.teams, r[9])
            worker = worker_pk.get(r[10], _UNSET)
            if worker is _UNSET:
                worker = worker_pk[r[10]] = _lookup(self.staff, r[10])
            write((reserved[r[0]], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], team,
                   worker, imported, previous.get(r[0:3])))  # fmt: skip


_UNSET: Any = object()


# Synthetic data (qaf seed_case_data): bulk inserts, COPY on PostgreSQL. ----------------------

SYNTHETIC_PREFIX = "SYN"
_INSERT_BATCH = 5_000


def _bulk_insert(model: Any, fields: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert plain tuples without building model instances (no history rows)."""
    from django.db import connection

    table = model._meta.db_table
    columns = [model._meta.get_field(name).column for name in fields]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        # Table and column names come from the models' own metadata, never from input.
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= _INSERT_BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def synthetic_children() -> Any:
    return Child.objects.filter(council_child_id__startswith=SYNTHETIC_PREFIX)


@transaction.atomic
def case_data_seed_clear() -> int:
    """Delete synthetic children (IDs starting SYN) with their events and involvements."""
    children = synthetic_children()
    CaseEvent.objects.filter(child__in=children)._raw_delete(CaseEvent.objects.db)
    Involvement.objects.filter(child__in=children)._raw_delete(Involvement.objects.db)
    return int(children._raw_delete(Child.objects.db))


@transaction.atomic
def case_data_seed(*, data: Any) -> dict[str, int]:
    """Write generated data (qaf.cases.synthetic.SyntheticData) into the register, whole."""
    from qaf.common.errors import DomainError

    if synthetic_children().exists():
        raise DomainError(
            "The register already holds synthetic children (IDs starting SYN): "
            "use --replace to remove them first"
        )
    _bulk_insert(
        Child,
        ["council_child_id", "given_name", "family_name", "date_of_birth", "sex", "ethnicity",
         "disability", "uasc", "on_vulnerability_register", "vulnerability_reason"],
        ((code, "", "", dob, sex, eth, False, False, False, "")
         for code, dob, sex, eth in data.children),
    )  # fmt: skip
    ids = dict(synthetic_children().values_list("council_child_id", "pk"))
    pks = [ids[row[0]] for row in data.children]
    events = _bulk_insert(
        CaseEvent,
        ["child", "kind", "start_date", "end_date", "linked_date", "code", "flag", "number",
         "team", "worker", "source_key"],
        ((pks[r[0]], *r[1:]) for r in data.events),
    )  # fmt: skip
    case_event_previous_refresh()
    involvements = _bulk_insert(
        Involvement,
        ["child", "kind", "start_date", "end_date", "team", "allocated_worker"],
        ((pks[r[0]], *r[1:]) for r in data.involvements),
    )
    _analyse(Child, CaseEvent, Involvement)
    return {"children": len(pks), "events": events, "involvements": involvements}


def _analyse(*models: Any) -> None:
    """Refresh the planner's statistics after a bulk load: without them PostgreSQL planned the
    scorecard's re-referral look-up as a scan per referral (6 s instead of 0.4 s at county
    scale, benchmarks/README.md)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
