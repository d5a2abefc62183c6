import datetime as dt

import factory

from qaf.cases.models import Child, Involvement, InvolvementKind
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
