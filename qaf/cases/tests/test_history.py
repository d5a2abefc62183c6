"""The derived previous event (CaseEvent.previous_start): set by every write path, right after
a newer extract changes a child's history, and never counting an event on the same day."""

import datetime as dt

import pytest

from qaf.cases.history import case_event_previous_refresh
from qaf.cases.models import CaseEvent, EventKind
from qaf.cases.services import case_data_apply, case_data_parse
from qaf.cases.tests.factories import ChildFactory

D = dt.date
HEADER = "child_id,sex,date_of_birth,event,start_date,end_date,flag\r\n"


def imported(*lines: str) -> None:
    data = (HEADER + "".join(line + "\r\n" for line in lines)).encode()
    case_data_apply(result=case_data_parse(data=data, file_name="events.csv", fmt="csv"))


def previous(child_id: str, kind: str) -> dict[dt.date, dt.date | None]:
    return dict(
        CaseEvent.objects.filter(child__council_child_id=child_id, kind=kind).values_list(
            "start_date", "previous_start"
        )
    )


@pytest.mark.django_db
def test_an_import_sets_the_previous_referral_and_a_newer_extract_corrects_it() -> None:
    imported(
        "K1,F,01/02/2015,referral,03/03/2024,,N",
        "K1,F,01/02/2015,referral,03/03/2025,,N",
        "K2,M,01/02/2016,referral,03/03/2025,,N",
    )
    assert previous("K1", EventKind.REFERRAL) == {D(2024, 3, 3): None, D(2025, 3, 3): D(2024, 3, 3)}
    assert previous("K2", EventKind.REFERRAL) == {D(2025, 3, 3): None}
    # The newer extract holds a referral between the two: it becomes the latest's previous one.
    imported("K1,F,01/02/2015,referral,01/12/2024,,N")
    assert previous("K1", EventKind.REFERRAL) == {
        D(2024, 3, 3): None,
        D(2024, 12, 1): D(2024, 3, 3),
        D(2025, 3, 3): D(2024, 12, 1),
    }


@pytest.mark.django_db
def test_same_day_events_other_kinds_and_other_children_are_not_previous() -> None:
    a, b = ChildFactory(), ChildFactory()
    CaseEvent.objects.create(child=a, kind=EventKind.CP_PLAN, start_date=D(2024, 1, 1))
    CaseEvent.objects.create(
        child=a, kind=EventKind.CP_PLAN, start_date=D(2024, 1, 1), source_key="second"
    )
    CaseEvent.objects.create(child=a, kind=EventKind.REFERRAL, start_date=D(2023, 1, 1))
    CaseEvent.objects.create(child=b, kind=EventKind.CP_PLAN, start_date=D(2022, 1, 1))
    later = CaseEvent.objects.create(child=a, kind=EventKind.CP_PLAN, start_date=D(2025, 1, 1))
    assert case_event_previous_refresh(child_ids=[a.pk]) == 1  # only `later` has an earlier one
    plans = CaseEvent.objects.filter(child=a, kind=EventKind.CP_PLAN)
    assert sorted(plans.values_list("start_date", "previous_start")) == [
        (D(2024, 1, 1), None),
        (D(2024, 1, 1), None),
        (D(2025, 1, 1), D(2024, 1, 1)),
    ]
    # A refresh for every child changes nothing more, and an event removed is forgotten.
    case_event_previous_refresh()
    assert CaseEvent.objects.get(pk=later.pk).previous_start == D(2024, 1, 1)
    CaseEvent.objects.filter(child=a, kind=EventKind.CP_PLAN, start_date=D(2024, 1, 1)).delete()
    case_event_previous_refresh(child_ids=[a.pk])
    assert CaseEvent.objects.get(pk=later.pk).previous_start is None


@pytest.mark.django_db
def test_refresh_in_chunks_covers_every_child(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from qaf.cases import history

    monkeypatch.setattr(history, "_CHUNK", 2)
    children = ChildFactory.create_batch(5)
    for child in children:
        for year in (2023, 2024):
            CaseEvent.objects.create(child=child, kind=EventKind.REFERRAL, start_date=D(year, 5, 1))
    assert case_event_previous_refresh(child_ids=[c.pk for c in children]) == 5
    assert set(
        CaseEvent.objects.filter(start_date=D(2024, 5, 1)).values_list("previous_start", flat=True)
    ) == {D(2023, 5, 1)}
