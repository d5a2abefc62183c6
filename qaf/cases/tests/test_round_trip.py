"""Writing the register out as an Annex A workbook and importing it back changes nothing.

The generator, the writer and the importer must agree on every coded value, date and key
(assessment outcomes Y/N, section 47 "ICPC not needed", placement types and keys, the care
leaver's 18th birthday): a disagreement shows here as events "updated" or "created".
"""

import datetime as dt

import pytest

from qaf.cases.importers.writers import synthetic_annex_a
from qaf.cases.models import CaseEvent, Child, Involvement
from qaf.cases.services import case_data_apply, case_data_parse, case_data_seed
from qaf.cases.synthetic import SyntheticData, generate
from qaf.organisation.models import Staff, Team

CHILDREN = 400


def _small(data: SyntheticData, children: int) -> SyntheticData:
    """Every n-th generated child (about `children` of them) with everything that happened to
    them: children in care and referred children alike."""
    step = max(len(data.children) // children, 1)
    keep = {old: new for new, old in enumerate(range(0, len(data.children), step))}
    return SyntheticData(
        today=data.today,
        councils=data.councils,
        children=[data.children[old] for old in keep],
        events=[(keep[r[0]], *r[1:]) for r in data.events if r[0] in keep],  # type: ignore[misc]
        involvements=[(keep[r[0]], *r[1:]) for r in data.involvements if r[0] in keep],  # type: ignore[misc]
    )


@pytest.mark.django_db
def test_annex_a_written_from_the_register_imports_back_unchanged(council) -> None:  # type: ignore[no-untyped-def]
    home, sibling = council.home_team, council.sibling_team
    workers = list(Staff.objects.filter(memberships__team=home).values_list("pk", flat=True))
    assert workers
    full = generate(scale="county", seed=5, today=dt.date(2025, 9, 30),
                    teams=[(home.pk, workers), (sibling.pk, [])])  # fmt: skip
    data = _small(full, CHILDREN)
    kinds = {row[1] for row in data.events}
    # Every Annex A list QAF stores children from is exercised (adoption is rare: not required).
    assert kinds >= {"contact", "early_help", "referral", "assessment", "section_47", "icpc",
                     "cin_plan", "cp_plan", "cp_visit", "cp_review", "cic_episode",
                     "placement", "cic_visit", "cic_review", "care_leaver"}  # fmt: skip
    case_data_seed(data=data)
    events, involvements = CaseEvent.objects.count(), Involvement.objects.count()
    children = Child.objects.count()

    workbook = synthetic_annex_a(
        data,
        team_names=dict(Team.objects.values_list("pk", "name")),
        worker_names={
            pk: f"{given} {family}"
            for pk, given, family in Staff.objects.values_list("pk", "given_name", "family_name")
        },
    )
    parsed = case_data_parse(data=workbook, file_name="annex_a.xlsx", fmt="annex-a")
    assert len(parsed.events) > 2_000
    counts = case_data_apply(result=parsed)

    assert counts.get("events_created", 0) == 0
    assert counts.get("events_updated", 0) == 0
    assert counts["events_unchanged"] == len(parsed.events)
    assert counts.get("children_created", 0) == 0
    assert counts.get("children_updated", 0) == 0
    assert counts.get("involvements_created", 0) == 0
    assert counts.get("involvements_updated", 0) == 0
    assert (CaseEvent.objects.count(), Involvement.objects.count(), Child.objects.count()) == (
        events, involvements, children
    )  # fmt: skip


@pytest.mark.django_db
def test_a_changed_value_in_the_workbook_is_an_update_of_that_event_only(council) -> None:  # type: ignore[no-untyped-def]
    full = generate(scale="county", seed=5, today=dt.date(2025, 9, 30), teams=[])
    data = _small(full, 60)
    case_data_seed(data=data)
    index = next(i for i, row in enumerate(data.events) if row[1] == "referral")
    row = list(data.events[index])
    row[5] = "9Z"  # a different referral source
    data.events[index] = tuple(row)  # type: ignore[call-overload]
    parsed = case_data_parse(data=synthetic_annex_a(data), file_name="a.xlsx", fmt="annex-a")
    counts = case_data_apply(result=parsed)
    assert counts.get("events_updated") == 1 and counts.get("events_created", 0) == 0
    child = Child.objects.get(council_child_id=data.children[row[0]][0])
    assert CaseEvent.objects.get(child=child, kind="referral", start_date=row[2]).code == "9Z"
