import datetime as dt

import factory

from qaf.accounts.tests.factories import UserFactory
from qaf.actions.models import Action, ActionPlan, ActionSource, Meeting, MeetingKind, PlanKind
from qaf.organisation.tests.factories import StaffFactory

CREATED = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    title = factory.Sequence(lambda n: f"Update the child's plan {n}")
    owner = factory.SubFactory(StaffFactory)
    due_date = dt.date(2026, 3, 31)
    source = ActionSource.AUDIT
    created_by = factory.SubFactory(UserFactory)
    created_at = CREATED


class ActionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionPlan

    kind = PlanKind.SERVICE_IMPROVEMENT
    title = factory.Sequence(lambda n: f"Service improvement plan {n}")
    owner = factory.SubFactory(StaffFactory)
    created_by = factory.SubFactory(UserFactory)
    created_at = CREATED


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    kind = MeetingKind.QA_BOARD
    date = factory.Sequence(lambda n: dt.date(2026, 1, 5) + dt.timedelta(days=7 * n))
    created_by = factory.SubFactory(UserFactory)
    created_at = CREATED
