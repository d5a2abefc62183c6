"""Object kinds for qaf.escalations routes: escalations, practice reviews, second-person
requests and closure days, each in and out of a role's scope (chosen by hand, not by selectors)."""

import datetime as dt
from typing import Any

from qaf.accounts.models import Role
from qaf.escalations.models import (
    ClosureDay,
    Escalation,
    PracticeReview,
    SecondPersonRequest,
)
from qaf.organisation.tests.factories import StaffFactory
from tests.access_matrix.objects import child

WHEN = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
REVIEWERS = {Role.CP_CHAIR, Role.IRO, Role.QA_OFFICER}
AUTHORISERS = {Role.SERVICE_MANAGER, Role.ASSISTANT_DIRECTOR, Role.DIRECTOR, Role.QA_OFFICER}


def _escalation(council: Any, child_id: int | None) -> Escalation | None:
    if child_id is None:
        return None
    involvement = council.own_child.involvements.model.objects.filter(child_id=child_id).first()
    return Escalation.objects.create(
        child_id=child_id,
        kind="practice",
        source="audit",
        reason="Plan not updated",
        district=involvement.team.district,
        team=involvement.team,
        practitioner=involvement.allocated_worker,
        raised_by=council.users[Role.QA_OFFICER],
        raised_at=WHEN,
        deadline_on=dt.date(2026, 3, 9),
        deadline_at=dt.datetime(2026, 3, 9, 23, 59, 59, tzinfo=dt.UTC),
    )


def _pk(obj: Any) -> int | None:
    return None if obj is None else obj.pk


def escalation(council: Any, role: str) -> tuple[int | None, int | None]:
    """An escalation on a child the role can see, and one on a child it cannot."""
    inside, outside = child(council, role)
    return _pk(_escalation(council, inside)), _pk(_escalation(council, outside))


def practice_review(council: Any, role: str) -> tuple[int | None, int | None]:
    reviewer = StaffFactory(job_role="iro")

    def make(child_id: int | None) -> PracticeReview | None:
        if child_id is None:
            return None
        return PracticeReview.objects.create(
            child_id=child_id,
            reviewer=reviewer,
            meeting_date=dt.date(2026, 3, 2),
            kind="cic_review",
            grade="good",
            notes="Good practice",
            recorded_by=council.users[Role.QA_OFFICER],
            recorded_at=WHEN,
        )

    inside, outside = child(council, role)
    return _pk(make(inside)), _pk(make(outside))


def second_person_request(council: Any, role: str) -> tuple[int | None, int | None]:
    """A pending request asked by someone else, on an escalation in and out of scope."""
    asker = council.users[Role.DIRECTOR if role != Role.DIRECTOR else Role.QA_OFFICER]

    def make(escalation_pk: int | None) -> SecondPersonRequest | None:
        if escalation_pk is None:
            return None
        return SecondPersonRequest.objects.create(
            escalation_id=escalation_pk,
            kind="close_without_sign_off",
            reason="Duplicate",
            requested_by=asker,
            requested_at=WHEN,
        )

    inside, outside = escalation(council, role)
    if role not in AUTHORISERS:  # the page is not there for them at all
        inside = None
    return _pk(make(inside)), _pk(make(outside))


def closure_day(council: Any, role: str) -> tuple[int | None, int | None]:
    day = ClosureDay.objects.create(date=dt.date(2026, 12, 29), reason="Closed", created_at=WHEN)
    if role == Role.QA_OFFICER:
        return day.pk, None
    return None, day.pk


def escalation_step(council: Any, role: str) -> tuple[str | None, str | None]:
    """The name of a step: acknowledging is the first one a service manager takes."""
    return "acknowledge", "acknowledge"


def practice_review_draft(council: Any, role: str) -> tuple[int | None, int | None]:
    """A practice review whose IRO QA form the role's account is filling in (only the roles
    that record reviews have one), and one on the same child another reviewer is filling in:
    only its reviewer reaches a draft form."""
    from qaf.tools.services import form_response_start
    from qaf.tools.tests.factories import library_version

    version = library_version("iro-post-review-qa")
    inside, _ = child(council, role)
    child_id = inside if inside is not None else council.own_child.pk
    the_child = type(council.own_child).objects.get(pk=child_id)

    def make(author: Any) -> int:
        return PracticeReview.objects.create(
            child_id=child_id,
            reviewer=author.staff,
            meeting_date=dt.date(2026, 3, 2),
            kind="cic_review",
            form=form_response_start(tool_version=version, author=author, child=the_child),
            recorded_by=author,
            recorded_at=WHEN,
        ).pk

    other = council.users[Role.CP_CHAIR if role == Role.IRO else Role.IRO]
    if role not in REVIEWERS:
        return None, make(other)
    return make(council.users[role]), make(other)


def practice_review_section_key(council: Any, role: str) -> tuple[str, str]:
    """The first section of the IRO QA form (the same for both reviews)."""
    return "iro_review", "iro_review"


KINDS = {
    "practice_review_draft": practice_review_draft,
    "practice_review_section_key": practice_review_section_key,
    "escalation": escalation,
    "practice_review": practice_review,
    "second_person_request": second_person_request,
    "closure_day": closure_day,
    "escalation_step": escalation_step,
}
