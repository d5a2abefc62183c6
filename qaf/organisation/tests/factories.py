import datetime as dt

import factory

from qaf.organisation.models import (
    Area,
    District,
    JobRole,
    Service,
    Staff,
    Team,
    TeamKind,
    TeamMembership,
)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("key",)

    key = "childrens-social-work"
    name = "Children's social work"


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"Area {n}")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    area = factory.SubFactory(AreaFactory)
    name = factory.Sequence(lambda n: f"District {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    code = factory.Sequence(lambda n: f"team-{n}")
    name = factory.Sequence(lambda n: f"Social work team {n}")
    kind = TeamKind.SOCIAL_WORK
    service = factory.SubFactory(ServiceFactory)
    district = factory.SubFactory(DistrictFactory)


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    staff_id = factory.Sequence(lambda n: f"T{n:05d}")
    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda o: f"{o.staff_id.lower()}@example.invalid")
    job_role = JobRole.SOCIAL_WORKER


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    staff = factory.SubFactory(StaffFactory)
    team = factory.SubFactory(TeamFactory)
    start_date = dt.date(2020, 1, 1)
    end_date = None
