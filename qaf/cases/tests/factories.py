import datetime as dt

import factory

from qaf.cases.history import case_event_previous_refresh
from qaf.cases.models import CaseEvent, Child, Involvement, InvolvementKind
from qaf.organisation.tests.factories import TeamFactory


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    council_child_id = factory.Sequence(lambda n: f"C{n:06d}")
    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = dt.date(2015, 6, 1)


class InvolvementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Involvement

    child = factory.SubFactory(ChildFactory)
    kind = InvolvementKind.CIN
    start_date = dt.date(2024, 1, 1)
    end_date = None
    team = factory.SubFactory(TeamFactory)
    allocated_worker = None


def case_event(child: Child, kind: str, start: dt.date, **fields: object) -> CaseEvent:
    """A case event written as the importers write them: with the child's derived history
    (previous_start) refreshed, so the KPIs read it as they would after an import."""
    event = CaseEvent.objects.create(child=child, kind=kind, start_date=start, **fields)
    case_event_previous_refresh(child_ids=[child.pk])
    event.refresh_from_db()
    return event
