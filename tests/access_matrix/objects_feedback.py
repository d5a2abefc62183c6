"""Object kinds for feedback: requests, responses, open links, safety alerts, complaints, and the
public survey token (a live open link's token, and a random one)."""

import datetime as dt
import secrets
from typing import Any

from qaf.accounts.models import Role
from qaf.cases.models import Child
from qaf.common import clock
from qaf.feedback import services
from qaf.feedback.forms import new_submission_key
from qaf.feedback.models import Anonymity, Audience, FeedbackKind, Mode
from qaf.feedback.tests.factories import CHILD_7_11_ANSWERS, PARENT_ANSWERS
from tests.access_matrix.objects import ANONYMOUS, child

ObjectPair = tuple[int | str | None, int | str | None]
SEE_ALL = {Role.QA_OFFICER, Role.DIRECTOR}


def _qa(council: Any) -> Any:
    return council.users[Role.QA_OFFICER]


def feedback_request(council: Any, role: str) -> ObjectPair:
    """One the role made (or, for the director, any); one made by someone else."""
    theirs = services.feedback_request_create(by=_qa(council), audience=Audience.PARTNER).request
    if role in {Role.PRACTITIONER, Role.QA_OFFICER}:
        own = services.feedback_request_create(
            by=council.users[role], audience=Audience.PARTNER
        ).request
        return own.pk, None if role == Role.QA_OFFICER else theirs.pk
    if role == Role.DIRECTOR:
        return theirs.pk, None
    return None, theirs.pk


def _response_on(council: Any, child_pk: int | None) -> int:
    return services.feedback_response_enter(
        by=_qa(council),
        audience=Audience.PARENT_CARER,
        mode=Mode.TELEPHONE,
        answers=PARENT_ANSWERS,
        child=Child.objects.get(pk=child_pk) if child_pk else None,
        consent_to_link=child_pk is not None,
        consent_to_quote=False,
        team=None,
        submission_key=new_submission_key(),
    ).response.pk


def feedback_response(council: Any, role: str) -> ObjectPair:
    """A response linked (with consent) to a child in the role's scope; an anonymous one."""
    anonymous = _response_on(council, None)
    if role in SEE_ALL:
        return anonymous, None
    inside, _ = child(council, role) if role != ANONYMOUS else (None, None)
    return (_response_on(council, int(inside)) if inside else None), anonymous


def open_link(council: Any, role: str) -> ObjectPair:
    theirs = services.open_link_create(
        by=_qa(council), title="Youth hub", audience=Audience.CHILD_11_16
    ).link
    if role == Role.QA_OFFICER:
        return theirs.pk, None
    if role in {Role.TEAM_MANAGER, Role.SERVICE_MANAGER}:
        own = services.open_link_create(
            by=council.users[role], title="Centre", audience=Audience.PARENT_CARER
        ).link
        return own.pk, theirs.pk
    return None, theirs.pk


def safety_alert(council: Any, role: str) -> ObjectPair:
    link = services.open_link_create(
        by=_qa(council), title="Poster", audience=Audience.CHILD_7_11
    ).link
    done = services.feedback_response_submit(
        target=link,
        answers={**CHILD_7_11_ANSWERS, "feel_safe": "no"},
        anonymity=Anonymity.ANONYMOUS,
        consent_to_quote=False,
        submission_key=new_submission_key(),
    )
    assert done.alert is not None
    return (done.alert.pk, None) if role == Role.QA_OFFICER else (None, done.alert.pk)


def complaint(council: Any, role: str) -> ObjectPair:
    entry = services.complaint_create(
        by=_qa(council),
        kind=FeedbackKind.COMPLIMENT,
        received_on=dt.date(2026, 1, 5),
        service=None,
        team=None,
        category="service_quality",
        summary="Thank you to the team",
        outcome="",
        learning="",
        responded_on=None,
    )
    return (entry.pk, None) if role == Role.QA_OFFICER else (None, entry.pk)


def feedback_token(council: Any, role: str) -> ObjectPair:
    """The public survey: a live open link's token, and a random token nobody was given."""
    made = services.open_link_create(
        by=_qa(council), title="Leaflet", audience=Audience.PARENT_CARER
    )
    return made.link.token, secrets.token_urlsafe(32)


# Request bodies for the API's create endpoints (the `body` key of `objects`, read by
# tests/test_access_matrix.py): (a valid body, an invalid one). Every role gets both, so the
# matrix shows that a role without the permission is refused whatever it sends.


def feedback_request_body(council: Any, role: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A partner-agency survey link (no child: valid for a practitioner and the QA unit alike);
    and a body with no audience and a child ID that is not a number."""
    return (
        {"audience": Audience.PARTNER, "recipient": "Riverside Primary School"},
        {"child_id": "seven", "recipient": "Riverside Primary School"},
    )


def complaint_body(council: Any, role: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A complaint about delay received last week; and one with a date that is not a date and
    no category or summary."""
    received = clock.today() - dt.timedelta(days=7)
    return (
        {
            "kind": FeedbackKind.COMPLAINT,
            "received_on": received.isoformat(),
            "category": "delay",
            "summary": "The review meeting was moved three times.",
        },
        {"kind": FeedbackKind.COMPLAINT, "received_on": "last Tuesday"},
    )


KINDS = {
    "feedback_request_body": feedback_request_body,
    "complaint_body": complaint_body,
    "feedback_request": feedback_request,
    "feedback_response": feedback_response,
    "open_link": open_link,
    "safety_alert": safety_alert,
    "complaint": complaint,
    "feedback_token": feedback_token,
}
