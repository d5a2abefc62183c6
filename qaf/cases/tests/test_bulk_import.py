"""The import's set-based writes (PostgreSQL) and ORM writes (SQLite) keep the same history.

Children and involvements keep django-simple-history rows: one "+" for each row created, one
"~" for each row an import changes, none for rows an import leaves as they were. These tests
run on whichever database the suite runs on (CI runs both).
"""

import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from qaf.cases.history import case_event_previous_refresh
from qaf.cases.importers.writers import annex_a_workbook
from qaf.cases.models import CaseEvent, CaseImport, Child, ImportStatus, Involvement
from qaf.cases.services import (
    case_data_apply,
    case_data_parse,
    case_import_create,
    case_import_run,
)
from qaf.organisation.tests.factories import StaffFactory, TeamFactory

CHILD = {"Gender": "b) Female", "Ethnicity": "WBRI", "Date of Birth": "03/05/2012"}


def _plan(child: str, end: str | None, team: str, **more: object) -> dict[str, object]:
    return {
        **CHILD,
        "Child Unique ID": child,
        "Child Protection Plan Start Date": "27/01/2025",
        "Child Protection Plan End Date": end,
        "Initial Category of Abuse": "b) Neglect",
        "Allocated Team": team,
        "Allocated Worker": "Priya Holt",
        **more,
    }


def _apply(lists: dict[int, list[dict[str, object]]]) -> dict[str, int]:
    result = case_data_parse(data=annex_a_workbook(lists), file_name="a.xlsx", fmt="annex-a")
    return case_data_apply(result=result)


@pytest.mark.django_db
def test_history_rows_for_created_changed_and_unchanged_children_and_involvements() -> None:
    team = TeamFactory(name="Ashby Safeguarding")
    worker = StaffFactory(given_name="Priya", family_name="Holt")
    first = {7: [_plan("C1", None, "Ashby Safeguarding"), _plan("C2", None, "Ashby Safeguarding")]}
    counts = _apply(first)
    assert (counts["children_created"], counts["involvements_created"]) == (2, 2)
    assert counts["events_created"] == 2
    child = Child.objects.get(council_child_id="C1")
    created = child.history.get()
    assert (created.history_type, created.council_child_id, created.sex) == ("+", "C1", "F")
    assert (created.date_of_birth, created.ethnicity, created.history_user) == (
        dt.date(2012, 5, 3), "WBRI", None
    )  # fmt: skip
    plan = Involvement.objects.get(child=child)
    (made,) = plan.history.all()
    assert (made.history_type, made.kind, made.start_date, made.end_date) == (
        "+", "cp", dt.date(2025, 1, 27), None
    )  # fmt: skip
    assert (made.team_id, made.allocated_worker_id, made.child_id) == (team.pk, worker.pk, child.pk)

    # Nothing changed: no new history rows, everything counted unchanged.
    again = _apply(first)
    assert again["children_unchanged"] == 2 and again["events_unchanged"] == 2
    assert again.get("involvements_updated", 0) == again.get("involvements_created", 0) == 0
    assert Child.history.count() == 2 and Involvement.history.count() == 2

    # C1's plan ends and C1's date of birth is corrected; C2 is as it was.
    newer = {
        7: [
            _plan("C1", "01/06/2025", "Ashby Safeguarding", **{"Date of Birth": "04/05/2012"}),
            _plan("C2", None, "Ashby Safeguarding"),
        ]
    }
    counts = _apply(newer)
    assert (counts["children_updated"], counts["children_unchanged"]) == (1, 1)
    assert (counts["events_updated"], counts["events_unchanged"]) == (1, 1)
    assert counts["involvements_updated"] == 1
    changed = child.history.filter(history_type="~").get()
    assert changed.date_of_birth == dt.date(2012, 5, 4)
    assert changed.history_date >= created.history_date
    ended = plan.history.filter(history_type="~").get()
    assert ended.end_date == dt.date(2025, 6, 1)
    assert Child.history.count() == 3 and Involvement.history.count() == 3
    assert Child.objects.get(council_child_id="C2").history.count() == 1
    plan.refresh_from_db()
    assert plan.end_date == dt.date(2025, 6, 1)
    assert CaseEvent.objects.get(child=child).end_date == dt.date(2025, 6, 1)


@pytest.mark.django_db
def test_a_blank_or_not_known_value_never_overwrites_a_recorded_one() -> None:
    _apply({3: [{**CHILD, "Child Unique ID": "K1", "Date of referral": "10/01/2025"}]})
    blank = {"Child Unique ID": "K1", "Gender": "c) Not stated/recorded",
             "Date of referral": "11/01/2025"}  # fmt: skip
    counts = _apply({3: [blank]})
    assert counts["children_unchanged"] == 1 and counts["events_created"] == 1
    child = Child.objects.get()
    assert (child.sex, child.date_of_birth, child.ethnicity) == ("F", dt.date(2012, 5, 3), "WBRI")
    assert child.history.count() == 1


@pytest.mark.django_db
def test_a_new_child_takes_the_model_defaults_for_what_the_file_does_not_say() -> None:
    _apply({1: [{"Child Unique ID": "N1", "Date of Contact": "02/01/2025"}]})
    child = Child.objects.get()
    assert (child.sex, child.date_of_birth, child.ethnicity) == ("U", None, "")
    assert (child.disability, child.uasc, child.given_name) == (False, False, "")
    assert child.history.get().history_type == "+"


@pytest.mark.django_db
def test_the_command_imports_without_storing_the_file_and_keeps_the_import_history(
    tmp_path: Path,
) -> None:
    TeamFactory(name="Ashby Safeguarding")
    path = tmp_path / "annex-a.xlsx"
    path.write_bytes(annex_a_workbook({7: [_plan("C1", None, "Ashby Safeguarding")]}))
    out = io.StringIO()
    call_command("import_case_data", str(path), stdout=out)
    assert "Children added: 1" in out.getvalue()
    call_command("import_case_data", str(path), stdout=out)
    first, second = CaseImport.objects.order_by("pk")
    assert first.status == second.status == ImportStatus.SUCCEEDED
    assert (first.via, first.size_bytes, first.payload) == ("command", path.stat().st_size, None)
    assert first.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert first.counts["events_created"] == 1 and second.counts["events_unchanged"] == 1
    assert CaseEvent.objects.get().imported_by == first


def _previous() -> dict[tuple[str, str, dt.date], dt.date | None]:
    return {
        (e.child.council_child_id, e.kind, e.start_date): e.previous_start
        for e in CaseEvent.objects.select_related("child")
    }


def _referral(child: str, day: str) -> dict[str, object]:
    return {**CHILD, "Child Unique ID": child, "Date of referral": day}


@pytest.mark.django_db
def test_previous_events_are_stored_as_the_history_refresh_would_store_them() -> None:
    plans = [_plan("P1", "01/03/2025", "", **{"Child Protection Plan Start Date": day})
             for day in ("27/01/2025", "05/06/2023", "10/10/2024")]  # fmt: skip
    first = {3: [_referral("R1", "10/01/2025"), _referral("R1", "02/02/2024"),
                 _referral("R1", "10/01/2023"), _referral("R2", "03/03/2025")],
             7: [{**p, "Child Protection Plan End Date": None} for p in plans]}  # fmt: skip
    _apply(first)
    stored = _previous()
    assert stored[("R1", "referral", dt.date(2025, 1, 10))] == dt.date(2024, 2, 2)
    assert stored[("R1", "referral", dt.date(2024, 2, 2))] == dt.date(2023, 1, 10)
    assert stored[("R1", "referral", dt.date(2023, 1, 10))] is None
    assert stored[("R2", "referral", dt.date(2025, 3, 3))] is None
    assert stored[("P1", "cp_plan", dt.date(2025, 1, 27))] == dt.date(2024, 10, 10)
    case_event_previous_refresh()
    assert _previous() == stored

    # A newer extract: R1 (already in the register) has an earlier referral and a new one.
    _apply({3: [_referral("R1", "01/06/2022"), _referral("R1", "01/07/2025")]})
    stored = _previous()
    assert stored[("R1", "referral", dt.date(2023, 1, 10))] == dt.date(2022, 6, 1)
    assert stored[("R1", "referral", dt.date(2025, 7, 1))] == dt.date(2025, 1, 10)
    case_event_previous_refresh()
    assert _previous() == stored


def _run(lists: dict[int, list[dict[str, object]]], *, dry_run: bool = False) -> CaseImport:
    """Through the import record, as the page and the command run it (on PostgreSQL the
    events of new children are written sheet by sheet while the workbook is read)."""
    record = case_import_create(
        file_name="a.xlsx", data=annex_a_workbook(lists), fmt="annex-a", dry_run=dry_run
    )
    return case_import_run(case_import=record)


def _register() -> tuple[int, int, int, int]:
    return (Child.objects.count(), CaseEvent.objects.count(), Involvement.objects.count(),
            Child.history.count())  # fmt: skip


CONTACTS = [
    {**CHILD, "Child Unique ID": f"S{n}", "Date of Contact": "02/01/2025"} for n in range(5)
]


@pytest.mark.django_db
def test_a_problem_in_a_later_sheet_refuses_what_earlier_sheets_wrote() -> None:
    bad = {1: CONTACTS, 3: [_referral("S1", "10/01/2025"), _referral("S2", "31/04/2025")]}
    result = _run(bad)
    assert result.status == ImportStatus.REFUSED
    assert (result.problems[0]["row"], result.problems[0]["value"]) == (3, "31/04/2025")
    assert _register() == (0, 0, 0, 0)
    conflict = {1: CONTACTS, 3: [_referral("S1", "10/01/2025"),
                                 {**_referral("S1", "10/01/2025"), "Referral NFA?": "Yes"}]}  # fmt: skip
    assert "conflicting duplicate" in _run(conflict).message
    assert _register() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_a_collision_with_the_register_refuses_after_the_file_was_read() -> None:
    Child.objects.create(council_child_id="S-3")
    result = _run({1: CONTACTS, 3: [_referral("S4", "10/01/2025")]})
    assert result.status == ImportStatus.REFUSED
    assert "collides with 'S-3', already in the register" in result.message
    assert result.counts == {"rows_read": 6}
    assert _register() == (1, 0, 0, 1)  # the child made above, with its history row


@pytest.mark.django_db
def test_a_dry_run_counts_everything_and_writes_nothing() -> None:
    result = _run({1: CONTACTS, 3: [_referral("S1", "10/01/2025")]}, dry_run=True)
    assert result.status == ImportStatus.CHECKED
    assert (result.counts["children_created"], result.counts["events_created"]) == (5, 6)
    assert _register() == (0, 0, 0, 0)
    real = _run({1: CONTACTS, 3: [_referral("S1", "10/01/2025")]})
    assert real.counts == result.counts
    assert _register()[:2] == (5, 6)
    again = _run({1: CONTACTS, 3: [_referral("S1", "10/01/2025"), _referral("S1", "11/02/2025")]})
    assert (again.counts["events_created"], again.counts["events_unchanged"]) == (1, 6)
    second = CaseEvent.objects.get(child__council_child_id="S1", start_date=dt.date(2025, 2, 11))
    assert second.previous_start == dt.date(2025, 1, 10)
