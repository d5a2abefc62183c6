"""Property: any valid extract imports, and importing it a second time changes nothing."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qaf.organisation.models import JobRole, Staff, TeamKind, TeamMembership
from qaf.organisation.tests.importing import csv_bytes, run_import

pytestmark = pytest.mark.django_db

# Printable text, including quotes, commas, formula prefixes and non-ASCII letters.
name_text = (
    st.text(
        alphabet=st.characters(
            whitelist_categories=("Lu", "Ll", "Nd", "Zs", "Pd", "Po", "Sm"),
            whitelist_characters="\"',=+-@éøßŵ",
        ),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)
date_value = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2024, 1, 1))


@st.composite
def extracts(draw):
    team_count = draw(st.integers(min_value=1, max_value=4))
    teams = [
        {
            "team_code": f"team-{n}",
            "team_name": draw(name_text),
            "team_kind": draw(st.sampled_from([label for _, label in TeamKind.choices])),
            "service": draw(st.sampled_from(["Children's social work", "Early help"])),
            "district": f"District {n % 2}",
            "area": "Area 0",
        }
        for n in range(team_count)
    ]
    size = draw(st.integers(min_value=1, max_value=12))
    rows = []
    for n in range(size):
        team = draw(st.sampled_from(teams))
        start = draw(date_value)
        manager = (
            draw(st.one_of(st.none(), st.integers(min_value=0, max_value=n - 1))) if n else None
        )
        rows.append(
            {
                "staff_id": f"S{n:04d}",
                "given_name": draw(name_text),
                "family_name": draw(name_text),
                "email": draw(st.sampled_from(["", f"s{n}@example.invalid"])),
                "job_role": draw(
                    st.sampled_from(
                        [v for v, _ in JobRole.choices]
                        + [label.upper() for _, label in JobRole.choices]
                    )
                ),
                "team_start_date": draw(
                    st.sampled_from([start.strftime("%d/%m/%Y"), start.isoformat()])
                ),
                # Managers always come earlier in the list, so there is never a cycle.
                "line_manager_staff_id": f"S{manager:04d}" if manager is not None else "",
                **team,
            }
        )
    draw(st.randoms()).shuffle(rows)
    return rows


def snapshot():
    staff = list(
        Staff.objects.order_by("staff_id").values_list(
            "staff_id", "given_name", "family_name", "email", "job_role", "line_manager__staff_id"
        )
    )
    memberships = list(
        TeamMembership.objects.order_by("staff__staff_id", "start_date").values_list(
            "staff__staff_id", "team__code", "start_date", "end_date"
        )
    )
    return staff, memberships


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=extracts())
def test_valid_rows_import_and_a_second_import_changes_nothing(rows):
    TeamMembership.objects.all().delete()
    Staff.objects.all().delete()
    data = csv_bytes(rows)
    first = run_import(data)
    assert first.staff_created == len(rows)
    assert first.memberships_opened == len(rows)
    staff, _ = snapshot()
    by_id = {r["staff_id"]: r for r in rows}
    for staff_id, given_name, family_name, email, _job_role, manager in staff:
        source = by_id[staff_id]
        assert (given_name, family_name, email) == (
            source["given_name"],
            source["family_name"],
            source["email"],
        )
        assert (manager or "") == source["line_manager_staff_id"]
    before = snapshot()
    second = run_import(data)
    assert (second.staff_created, second.staff_updated, second.staff_unchanged) == (0, 0, len(rows))
    assert (second.memberships_opened, second.memberships_closed, second.teams_created) == (0, 0, 0)
    assert snapshot() == before
