"""The HR extract import: every bad input refuses the whole file and changes nothing."""

import datetime as dt
import io

import pytest
import time_machine

from qaf.common.errors import ImportRefused
from qaf.organisation import hr_extract
from qaf.organisation.models import (
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
from qaf.organisation.services import staff_import
from qaf.organisation.tests.factories import StaffFactory, TeamFactory, TeamMembershipFactory
from qaf.organisation.tests.importing import HEADER, csv_bytes, row, run_import

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2024, 6, 3, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


def register_counts() -> tuple[int, int, int, int, int]:
    return (
        Staff.objects.count(),
        TeamMembership.objects.count(),
        Team.objects.count(),
        District.objects.count(),
        Area.objects.count(),
    )


# How a file with problems in its rows is refused; a file that cannot be read at all is refused
# with its one problem's message (the tests of those pass it as `match`).
ROW_PROBLEMS = r"^The file has \d+ problems?\. Nothing was imported\.$"


def refused(data: bytes, match: str = ROW_PROBLEMS) -> list:
    """Run the import, assert it is refused and nothing changed; return the problems."""
    before = register_counts()
    runs = ImportRun.objects.count()
    with pytest.raises(ImportRefused, match=match) as caught:
        run_import(data)
    assert register_counts() == before
    assert ImportRun.objects.count() == runs + 1
    assert ImportRun.objects.first().outcome == ImportOutcome.REFUSED
    assert caught.value.problems, "a refusal must say what is wrong"
    return caught.value.problems


def only(problems: list):
    assert len(problems) == 1, [hr_extract.describe(p) for p in problems]
    return problems[0]


# --- a good file -------------------------------------------------------------------------


def test_first_import_creates_structure_staff_and_memberships():
    data = csv_bytes(
        [
            row(staff_id="E1", job_role="team manager", line_manager_staff_id=""),
            row(staff_id="E2", line_manager_staff_id="E1"),
            row(
                staff_id="E3",
                job_role="EARLY_HELP_WORKER",
                team_code="eh-south",
                team_name="South early help unit",
                team_kind="early help unit",
                service="Early help",
                district="Redmoor",
                area="South",
                team_start_date="2023-09-01",
                line_manager_staff_id="E1",
            ),
        ]
    )
    result = run_import(data)
    assert (result.rows_read, result.staff_created, result.staff_updated) == (3, 3, 0)
    assert (result.memberships_opened, result.memberships_closed) == (3, 0)
    assert (result.teams_created, result.districts_created, result.areas_created) == (2, 2, 2)
    assert result.services_created == 2
    team = Team.objects.get(code="eh-south")
    assert team.kind == TeamKind.EARLY_HELP
    assert (team.district.name, team.district.area.name, team.service.name) == (
        "Redmoor",
        "South",
        "Early help",
    )
    e1, e2, e3 = (Staff.objects.get(staff_id=s) for s in ("E1", "E2", "E3"))
    assert e1.job_role == JobRole.TEAM_MANAGER
    assert e3.job_role == JobRole.EARLY_HELP_WORKER
    assert e2.line_manager == e1 and e3.line_manager == e1
    membership = e3.memberships.get()
    assert (membership.team, membership.start_date, membership.end_date) == (
        team,
        dt.date(2023, 9, 1),
        None,
    )
    run = ImportRun.objects.get()
    assert (run.outcome, run.rows_read, run.staff_created, run.teams_created) == (
        ImportOutcome.IMPORTED,
        3,
        3,
        2,
    )


def test_line_manager_may_come_later_in_the_file():
    run_import(csv_bytes([row(staff_id="E2", line_manager_staff_id="E9"), row(staff_id="E9")]))
    assert Staff.objects.get(staff_id="E2").line_manager.staff_id == "E9"


def test_line_manager_may_be_already_in_the_register():
    manager = StaffFactory(staff_id="M100", job_role=JobRole.TEAM_MANAGER)
    run_import(csv_bytes([row(staff_id="E2", line_manager_staff_id="m100")]))
    assert Staff.objects.get(staff_id="E2").line_manager == manager


def test_existing_team_needs_only_its_code():
    team = TeamFactory(code="sw-7")
    only_required = HEADER[:7]
    run_import(csv_bytes([row(team_code="SW-7")], header=only_required))
    assert Staff.objects.get().memberships.get().team == team


def test_rows_after_the_first_may_leave_the_new_team_columns_blank():
    rows = [
        row(staff_id="E1"),
        row(staff_id="E2", team_name="", team_kind="", service="", district="", area=""),
    ]
    result = run_import(csv_bytes(rows))
    assert result.teams_created == 1
    assert TeamMembership.objects.filter(team__code="sw-north-1").count() == 2


def test_header_names_are_matched_loosely_and_unknown_columns_warn():
    header = [
        "Staff ID",
        "Given name",
        "FAMILY_NAME",
        "Email",
        "Job role",
        "Team code",
        "Team-start-date",
        "Payroll number",
    ]
    data = "\r\n".join(
        [",".join(header), "E1,Ann,Lee,ann@example.invalid,Social worker,sw-1,01/04/2024,P99"]
    ).encode()
    TeamFactory(code="sw-1")
    result = run_import(data)
    assert result.staff_created == 1
    assert [w.column for w in result.warnings] == ["payroll_number"]


def test_bom_is_accepted():
    result = run_import(csv_bytes([row()], bom=True))
    assert result.staff_created == 1


def test_quoted_newlines_and_commas_inside_fields_are_accepted():
    data = csv_bytes([row(team_name="North team,\nsecond floor", family_name="O'Brien, Jr")])
    run_import(data)
    assert Team.objects.get().name == "North team,\nsecond floor"
    assert Staff.objects.get().family_name == "O'Brien, Jr"


def test_row_numbers_count_records_not_lines():
    data = csv_bytes(
        [row(staff_id="E1", team_name="Two\nlines"), row(staff_id="E2", team_name="", email="x")]
    )
    problem = only(refused(data))
    assert problem.row == 3


def test_cells_that_look_like_formulas_are_stored_as_text():
    run_import(csv_bytes([row(given_name='=HYPERLINK("x")', family_name="+44", email="")]))
    staff = Staff.objects.get()
    assert (staff.given_name, staff.family_name) == ('=HYPERLINK("x")', "+44")


def test_blank_email_is_a_warning_not_a_problem():
    result = run_import(csv_bytes([row(email="")]))
    assert result.staff_created == 1
    assert [(w.row, w.column) for w in result.warnings] == [(2, "email")]


def test_blank_rows_are_skipped():
    data = csv_bytes([row(staff_id="E1")]) + b",,,,,,,,,,,,\r\n\r\n"
    assert run_import(data).rows_read == 1


def test_dry_run_counts_but_writes_nothing():
    before = register_counts()
    result = run_import(csv_bytes([row(staff_id="E1"), row(staff_id="E2")]), dry_run=True)
    assert (result.staff_created, result.teams_created, result.memberships_opened) == (2, 1, 2)
    assert register_counts() == before
    assert ImportRun.objects.get().outcome == ImportOutcome.CHECKED


# --- re-importing ------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing():
    data = csv_bytes([row(staff_id="E1"), row(staff_id="E2", line_manager_staff_id="E1")])
    run_import(data)
    before = list(
        TeamMembership.objects.values_list(
            "staff__staff_id", "team__code", "start_date", "end_date"
        )
    )
    history = Staff.history.count()
    result = run_import(data)
    assert (result.staff_created, result.staff_updated, result.staff_unchanged) == (0, 0, 2)
    assert (result.memberships_opened, result.memberships_closed, result.teams_created) == (0, 0, 0)
    after = list(
        TeamMembership.objects.values_list(
            "staff__staff_id", "team__code", "start_date", "end_date"
        )
    )
    assert after == before
    assert Staff.history.count() == history


def test_changed_team_closes_the_old_membership_the_day_before_and_opens_a_new_one():
    run_import(csv_bytes([row(staff_id="E1", team_start_date="01/04/2023")]))
    moved = row(
        staff_id="E1",
        team_code="eh-1",
        team_name="Early help unit 1",
        team_kind="early_help",
        team_start_date="15/01/2024",
    )
    result = run_import(csv_bytes([moved]))
    assert (result.staff_updated, result.memberships_closed, result.memberships_opened) == (1, 1, 1)
    history = list(
        Staff.objects.get(staff_id="E1")
        .memberships.order_by("start_date")
        .values_list("team__code", "start_date", "end_date")
    )
    assert history == [
        ("sw-north-1", dt.date(2023, 4, 1), dt.date(2024, 1, 14)),
        ("eh-1", dt.date(2024, 1, 15), None),
    ]
    # Moving back later keeps the whole history.
    run_import(csv_bytes([row(staff_id="E1", team_start_date="01/05/2024")]))
    history = list(
        Staff.objects.get(staff_id="E1")
        .memberships.order_by("start_date")
        .values_list("team__code", "end_date")
    )
    assert history == [
        ("sw-north-1", dt.date(2024, 1, 14)),
        ("eh-1", dt.date(2024, 4, 30)),
        ("sw-north-1", None),
    ]


def test_changed_details_update_the_person_and_keep_their_membership():
    run_import(csv_bytes([row(staff_id="E1")]))
    result = run_import(
        csv_bytes([row(staff_id="E1", family_name="Prosser-Jones", job_role="Team manager")])
    )
    assert (result.staff_updated, result.memberships_opened) == (1, 0)
    staff = Staff.objects.get()
    assert (staff.family_name, staff.job_role) == ("Prosser-Jones", JobRole.TEAM_MANAGER)
    assert staff.history.count() == 2


def test_staff_missing_from_the_extract_are_reported_not_deleted():
    stayed = StaffFactory(staff_id="OLD1", given_name="Nia", family_name="Hughes")
    TeamMembershipFactory(staff=stayed)
    result = run_import(csv_bytes([row(staff_id="E1")]))
    assert [s.staff_id for s in result.not_in_extract] == ["OLD1"]
    assert Staff.objects.filter(staff_id="OLD1", is_active=True).exists()
    assert stayed.memberships.get().end_date is None
    assert ImportRun.objects.get().not_in_extract == 1


def test_same_team_with_another_start_date_keeps_the_register_and_warns():
    run_import(csv_bytes([row(staff_id="E1", team_start_date="01/04/2023")]))
    result = run_import(csv_bytes([row(staff_id="E1", team_start_date="01/05/2023")]))
    assert result.staff_unchanged == 1
    assert [w.column for w in result.warnings] == ["team_start_date"]
    assert Staff.objects.get().memberships.get().start_date == dt.date(2023, 4, 1)


def test_a_move_must_start_after_the_current_membership():
    run_import(csv_bytes([row(staff_id="E1", team_start_date="01/04/2024")]))
    moved = row(
        staff_id="E1",
        team_code="eh-1",
        team_name="EH 1",
        team_kind="early_help",
        team_start_date="01/04/2024",
    )
    problem = only(refused(csv_bytes([moved])))
    assert (problem.row, problem.column, problem.value) == (2, "team_start_date", "01/04/2024")
    assert "after" in problem.expected and "01/04/2024" in problem.expected


# --- the file as a whole -----------------------------------------------------------------


def test_file_over_5_mb_is_refused_before_reading():
    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the file must not be read")

    with pytest.raises(ImportRefused, match="the largest file we accept is 5 MB"):
        staff_import(file=Unreadable(), size=5 * 1024 * 1024 + 1, file_name="big.csv")
    assert Staff.objects.count() == 0


def test_empty_file_is_refused():
    problem = only(refused(b"", match="^The file is empty"))
    assert problem.message.startswith("The file is empty")
    blank = b"\xef\xbb\xbf\r\n  \r\n"
    assert only(refused(blank, match="^The file is empty")).message.startswith("The file is empty")


def test_header_only_file_is_refused():
    problem = only(refused(csv_bytes([])))
    assert problem.message == "The file has a header row but no staff rows."


def test_missing_required_columns_are_named():
    header = [name for name in HEADER if name not in {"email", "team_start_date"}]
    problem = only(refused(csv_bytes([row()], header=header)))
    assert problem.column == "email, team_start_date"
    assert "missing the required columns email, team_start_date" in problem.message


def test_duplicate_column_is_refused():
    problem = only(refused(csv_bytes([row()], header=[*HEADER, "email"])))
    assert problem.column == "email" and "appears twice" in problem.message


def test_windows_1252_file_is_refused_with_how_to_save_as_utf8():
    data = csv_bytes([row(family_name="Zoë")]).decode().encode("cp1252")
    problem = only(refused(data, match="^The file is not saved as UTF-8"))
    assert "not saved as UTF-8" in problem.message
    assert "line 2" in problem.message and "0xEB" in problem.value
    assert "CSV UTF-8" in problem.message


def test_utf16_file_is_refused():
    data = csv_bytes([row()]).decode().encode("utf-16")
    assert "UTF-16" in only(refused(data, match="^The file is saved as UTF-16")).message


def test_excel_workbook_is_refused():
    problem = only(refused(b"PK\x03\x04rest-of-zip", match="^The file is an Excel workbook"))
    assert "Excel workbook" in problem.message


def test_semicolon_separated_file_is_refused():
    data = ";".join(HEADER).encode() + b"\r\nE1;Ann\r\n"
    problem = only(refused(data, match="^The columns are separated by semicolons"))
    assert "separated by semicolons" in problem.message


def test_unbalanced_quotes_are_refused():
    data = csv_bytes([row(staff_id="E1")]) + b'E2,"Ann,Lee,ann@example.invalid\r\n'
    problem = only(refused(data, match="opens a value but never closes"))
    assert problem.row == 3
    assert "never closes" in problem.message


def test_text_after_a_closing_quote_is_refused():
    data = csv_bytes([]) + b'E2,"Ann"x,Lee\r\n'
    problem = only(refused(data, match="^There is text straight after a closing quotation mark"))
    assert problem.row == 2 and "closing quotation mark" in problem.message


def test_row_with_more_values_than_columns_is_refused():
    data = csv_bytes([row()]).rstrip(b"\r\n") + b",extra\r\n"
    problem = only(refused(data))
    assert problem.row == 2 and problem.value == "extra"


# --- row by row --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("31/04/2024", "April 2024 has 30 days"),
        ("29/02/2023", "February 2023 has 28 days"),
        ("next Monday", "is not a date"),
        ("13/13/2024", "there is no month 13"),
        ("01/04/24", "two-digit year"),
        ("2024/04/01", "ambiguous"),
        ("01-04-2024", "ambiguous"),
        ("45383", "spreadsheet date number"),
        ("", "missing"),
    ],
)
def test_bad_dates_are_refused(value, reason):
    problem = only(refused(csv_bytes([row(team_start_date=value)])))
    assert (problem.row, problem.column, problem.value) == (2, "team_start_date", value)
    assert reason in problem.message
    assert problem.expected == hr_extract.DATE_EXPECTED


def test_leap_day_in_a_leap_year_is_a_date():
    run_import(csv_bytes([row(team_start_date="29/02/2024")]))
    assert TeamMembership.objects.get().start_date == dt.date(2024, 2, 29)


def test_unknown_team_without_the_columns_to_create_it_is_refused():
    data = csv_bytes([row(team_code="sw-99")], header=HEADER[:8])
    problem = only(refused(data))
    assert (problem.column, problem.value) == ("team_code", "sw-99")
    assert "not in the register" in problem.message


def test_new_team_with_some_creation_columns_missing_names_them():
    problem = only(refused(csv_bytes([row(team_kind="", area="")])))
    assert problem.column == "team_kind, area"


def test_unknown_team_kind_lists_the_kinds():
    problem = only(refused(csv_bytes([row(team_kind="Bakery")])))
    assert problem.column == "team_kind"
    assert "Early help unit" in problem.expected and "Social work team" in problem.expected


def test_new_team_described_two_ways_is_refused():
    rows = [row(staff_id="E1"), row(staff_id="E2", team_name="Another name")]
    problem = only(refused(csv_bytes(rows)))
    assert (problem.row, problem.column, problem.expected) == (
        3,
        "team_name",
        "North social work team 1",
    )


def test_district_in_another_area_is_refused():
    TeamFactory(code="existing", district__name="Ashby", district__area__name="Central")
    problem = only(refused(csv_bytes([row()])))
    assert (problem.column, problem.value, problem.expected) == ("area", "North", "Central")


def test_duplicate_staff_id_in_the_file_is_refused():
    rows = [row(staff_id="E1"), row(staff_id="E2"), row(staff_id="e1")]
    problem = only(refused(csv_bytes(rows)))
    assert (problem.row, problem.column, problem.value) == (4, "staff_id", "e1")
    assert "also on row 2" in problem.message


def test_unknown_job_role_lists_the_accepted_ones():
    problem = only(refused(csv_bytes([row(job_role="Wizard")])))
    assert (problem.column, problem.value) == ("job_role", "Wizard")
    for _, label in JobRole.choices:
        assert label in problem.expected


def test_line_manager_not_found_is_refused():
    problem = only(refused(csv_bytes([row(line_manager_staff_id="NOBODY")])))
    assert (problem.column, problem.value) == ("line_manager_staff_id", "NOBODY")
    assert "not in this file or in the register" in problem.message


def test_line_management_cycle_is_refused():
    rows = [
        row(staff_id="A1", line_manager_staff_id="B2"),
        row(staff_id="B2", line_manager_staff_id="C3"),
        row(staff_id="C3", line_manager_staff_id="A1"),
    ]
    problem = only(refused(csv_bytes(rows)))
    assert "A1 → B2 → C3 → A1" in problem.message


def test_cycle_through_someone_already_in_the_register_is_refused():
    boss = StaffFactory(staff_id="BOSS")
    run_import(
        csv_bytes(
            [
                row(staff_id="E1", line_manager_staff_id=""),
                row(staff_id="BOSS", line_manager_staff_id="E1"),
            ]
        )
    )
    boss.refresh_from_db()
    assert boss.line_manager.staff_id == "E1"
    # E1 now reports to BOSS, who (in the register, not in this file) reports to E1.
    problem = only(refused(csv_bytes([row(staff_id="E1", line_manager_staff_id="BOSS")])))
    assert "E1 → BOSS → E1" in problem.message


def test_own_line_manager_is_refused():
    problem = only(refused(csv_bytes([row(staff_id="E1", line_manager_staff_id="E1")])))
    assert "their own line manager" in problem.message


@pytest.mark.parametrize(
    "email", ["ann.example.invalid", "ann@", "ann@@example.invalid", "@example.invalid"]
)
def test_bad_email_is_refused(email):
    problem = only(refused(csv_bytes([row(email=email)])))
    assert (problem.row, problem.column, problem.value) == (2, "email", email)


def test_missing_names_and_staff_id_are_each_reported():
    problems = refused(csv_bytes([row(staff_id="", given_name="", family_name="")]))
    assert [p.column for p in problems] == ["staff_id", "given_name", "family_name"]


def test_team_code_with_spaces_is_refused():
    problem = only(refused(csv_bytes([row(team_code="sw north")])))
    assert problem.column == "team_code"


def test_every_bad_row_is_reported_together():
    rows = [
        row(staff_id="E1", email="bad"),
        row(staff_id="E2"),
        row(staff_id="E3", job_role="Wizard"),
    ]
    problems = refused(csv_bytes(rows))
    assert [(p.row, p.column) for p in problems] == [(2, "email"), (4, "job_role")]


def test_one_bad_row_means_nothing_is_written_even_for_good_rows():
    Service.objects.all().delete()
    rows = [row(staff_id=f"E{n}") for n in range(20)] + [
        row(staff_id="E99", team_start_date="31/04/2024")
    ]
    refused(csv_bytes(rows))
    assert Service.objects.count() == 0


def test_describe_names_row_and_column():
    problem = only(refused(csv_bytes([row(email="bad")])))
    assert hr_extract.describe(problem) == "Row 2, column email: bad is not a valid email address."


def test_the_admin_guide_example_imports():
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[3] / "docs" / "admin-guide.md").read_text()
    example = guide.split("```csv\n", 1)[1].split("```", 1)[0]
    result = run_import(example.encode())
    assert (result.rows_read, result.staff_created, result.teams_created) == (5, 5, 3)
    assert result.warnings == []
    assert Staff.objects.get(staff_id="E1003").line_manager.staff_id == "E1004"
