import datetime as dt

import factory

from qaf.escalations.models import ClosureDay


class ClosureDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClosureDay

    date = dt.date(2025, 12, 29)
    reason = "Council closed between Christmas and New Year"
    created_at = dt.datetime(2025, 11, 1, 9, 0, tzinfo=dt.UTC)
