"""The Annex A import that writes while it reads (PostgreSQL) leaves the register exactly as
reading the whole file first and then writing does: the same children, events (with their
stored previous events), involvements, history rows and counts. On SQLite both runs take the
ORM path, so the test holds there trivially and checks the ORM path against itself.
"""

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction

from qaf.cases import services
from qaf.cases.importers.writers import synthetic_annex_a
from qaf.cases.models import CaseEvent, Child, ImportStatus, Involvement
from qaf.cases.services import (
    case_data_apply,
    case_data_parse,
    case_import_create,
    case_import_run,
)
from qaf.cases.synthetic import SyntheticData, generate
from qaf.organisation.models import Staff, Team


def _some(data: SyntheticData, children: int) -> SyntheticData:
    step = max(len(data.children) // children, 1)
    keep = {old: new for new, old in enumerate(range(0, len(data.children), step))}
    return SyntheticData(
        today=data.today,
        councils=data.councils,
        children=[data.children[old] for old in keep],
        events=[(keep[r[0]], *r[1:]) for r in data.events if r[0] in keep],  # type: ignore[misc]
        involvements=[],
    )


def _sorted(rows: Any) -> list[Any]:
    return sorted(rows, key=repr)  # values may be None


def _register() -> dict[str, Any]:
    """Everything the import writes, without primary keys or import records."""
    return {
        "children": _sorted(
            Child.objects.values_list(
                "council_child_id", "sex", "date_of_birth", "ethnicity", "disability", "uasc"
            )
        ),
        "events": _sorted(
            CaseEvent.objects.values_list(
                "child__council_child_id", "kind", "start_date", "source_key", "end_date",
                "linked_date", "code", "flag", "number", "team_id", "worker_id",
                "previous_start",
            )
        ),
        "involvements": _sorted(
            Involvement.objects.values_list(
                "child__council_child_id", "kind", "start_date", "end_date", "team_id",
                "allocated_worker_id",
            )
        ),
        "child_history": _sorted(
            Child.history.values_list("council_child_id", "history_type", "date_of_birth", "sex")
        ),
        "involvement_history": _sorted(
            Involvement.history.values_list(
                "child__council_child_id", "kind", "start_date", "history_type", "end_date"
            )
        ),
    }  # fmt: skip


class _Undo(Exception):
    """Raised to roll the first import back (a savepoint inside the test's transaction)."""


@pytest.mark.django_db
def test_writing_while_reading_gives_the_same_register_as_reading_then_writing(  # type: ignore[no-untyped-def]
    council, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheets: list[int] = []
    sheet = services._NewChildEvents.sheet

    def counted(self: Any, *args: Any) -> None:
        sheets.append(1)
        sheet(self, *args)

    monkeypatch.setattr(services._NewChildEvents, "sheet", counted)
    home = council.home_team
    workers = list(Staff.objects.filter(memberships__team=home).values_list("pk", flat=True))
    full = generate(scale="county", seed=11, today=dt.date(2025, 9, 30),
                    teams=[(home.pk, workers), (council.sibling_team.pk, [])])  # fmt: skip
    data = _some(full, 300)
    workbook = synthetic_annex_a(
        data,
        team_names=dict(Team.objects.values_list("pk", "name")),
        worker_names={
            pk: f"{given} {family}"
            for pk, given, family in Staff.objects.values_list("pk", "given_name", "family_name")
        },
        adopters=3,
    )
    # A register that already holds some of the children (their events go the other way).
    first = data.children[:40]
    for code, dob, sex, ethnicity in first:
        Child.objects.create(council_child_id=code, date_of_birth=dob, sex=sex,
                             ethnicity=ethnicity)  # fmt: skip
    before = _register()

    with pytest.raises(_Undo), transaction.atomic():
        record = case_import_create(file_name="a.xlsx", data=workbook, fmt="annex-a")
        streamed = case_import_run(case_import=record)
        assert streamed.status == ImportStatus.SUCCEEDED, streamed.message
        assert streamed.counts["children_created"] == len(data.children) - len(first)
        assert streamed.counts["events_created"] > 1_000
        after_streaming = _register()
        # PostgreSQL wrote while reading, a sheet at a time (SQLite read, then wrote).
        assert (len(sheets) > 1) == (connection.vendor == "postgresql")
        raise _Undo
    assert _register() == before
    parsed = case_data_parse(data=workbook, file_name="a.xlsx", fmt="annex-a")
    record = case_import_create(file_name="a.xlsx", data=workbook, fmt="annex-a")
    counts = case_data_apply(result=parsed, case_import=record)
    assert counts == streamed.counts
    assert _register() == after_streaming

    # And again through the record: nothing changes.
    again = case_import_run(
        case_import=case_import_create(file_name="a.xlsx", data=workbook, fmt="annex-a")
    )
    assert again.counts["events_unchanged"] == counts["events_created"]
    assert again.counts.get("events_created", 0) == again.counts.get("children_created", 0) == 0
    assert _register() == after_streaming
