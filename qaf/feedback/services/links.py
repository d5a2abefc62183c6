"""Links: single-use survey requests (the token shown once), and open links for posters and
leaflets with their rate limits."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from qaf.accounts.models import User
from qaf.cases.models import Child
from qaf.cases.selectors import child_list_visible
from qaf.common import clock
from qaf.common.errors import Invalid, NotAllowed, NotFound, RateLimited
from qaf.common.notifications import notification_send
from qaf.common.permissions import allowed
from qaf.organisation.models import Team

from ..models import (
    CHILD_LINKED_AUDIENCES,
    Audience,
    Delivery,
    FeedbackRequest,
    OpenLink,
    SubmissionEvent,
)
from ..workflows import OPEN_LINK_WORKFLOW
from .checks import text_check
from .surveys import audience_for_child, child_open_team, survey_version_for
from .tokens import public_url, token_new

DEFAULT_DAYS_VALID = 28
MAX_DAYS_VALID = 90
# Open-link rate limits (sliding windows over accepted-looking submissions).
CLIENT_LIMIT, CLIENT_WINDOW = 10, dt.timedelta(minutes=10)
LINK_LIMIT, LINK_WINDOW = 200, dt.timedelta(hours=1)
TOO_MANY = "Too many answers have been sent in a short time. Wait a few minutes and try again."


@dataclass
class RequestMade:
    request: FeedbackRequest
    token: str
    url: str


@transaction.atomic
def feedback_request_create(
    *,
    by: User,
    audience: str,
    child: Child | None = None,
    team: Team | None = None,
    recipient: str = "",
    email: str = "",
    days_valid: int = DEFAULT_DAYS_VALID,
) -> RequestMade:
    """A single-use link. For a child, `audience` may be "child" to choose the age band from
    the date of birth. The token is returned once and never stored."""
    if not allowed(by, "feedback.request_feedback"):
        raise NotAllowed("Only practitioners and the QA unit create feedback requests.")
    if audience == "child":
        if child is None:
            raise Invalid("Choose the child the survey is for")
        audience = audience_for_child(child=child)
    if audience not in Audience.values:
        raise Invalid(f"Unknown audience: {audience!r}")
    if audience == Audience.STAFF and not allowed(by, "feedback.send_staff_survey"):
        raise NotAllowed("Only the QA unit sends staff surveys.")
    if audience in CHILD_LINKED_AUDIENCES:
        if child is None:
            raise Invalid("Choose the child the survey is about")
        if not child_list_visible(user=by).filter(pk=child.pk).exists():
            raise NotFound("You can only ask for feedback on children in your caseload.")
        team = child_open_team(child) or team
    elif child is not None:
        raise Invalid("Partner and staff surveys are not about one child: remove the child")
    if not 1 <= days_valid <= MAX_DAYS_VALID:
        raise Invalid(f"A link can be valid for 1 to {MAX_DAYS_VALID} days")
    recipient = recipient.strip()
    if len(recipient) > 200:
        raise Invalid("Who it is for must be 200 characters or fewer")
    text_check(recipient, label="Who it is for")
    now = clock.now()
    token, hashed = token_new()
    request = FeedbackRequest.objects.create(
        audience=audience,
        tool_version=survey_version_for(audience=audience),
        child=child,
        team=team,
        service=team.service if team is not None else None,
        recipient=recipient,
        delivery=Delivery.EMAIL if email else Delivery.LINK,
        token_hash=hashed,
        created_by=by,
        created_at=now,
        expires_at=now + dt.timedelta(days=days_valid),
    )
    url = public_url(token)
    if email:
        try:
            notification_send(
                to=[email],
                subject=f"{settings.QAF_COUNCIL_NAME}: please tell us what you think",
                body=(
                    "We would like to hear what you think about the support you have had.\n\n"
                    f"The survey takes about 5 minutes. The link works once, until "
                    f"{request.expires_at:%-d %B %Y}:\n\n{url}\n\n"
                    "You do not need an account. If you did not expect this email you can "
                    "ignore it.\n"
                ),
            )
        except ValueError:
            raise Invalid("Enter an email address in the correct format") from None
    return RequestMade(request=request, token=token, url=url)


@dataclass
class OpenLinkMade:
    link: OpenLink
    url: str


@transaction.atomic
def open_link_create(
    *, by: User, title: str, audience: str, team: Team | None = None
) -> OpenLinkMade:
    if not allowed(by, "feedback.publish_open_links"):
        raise NotAllowed("Only the QA unit and managers publish open links.")
    title = title.strip()
    if not title:
        raise Invalid("Enter where the link will be published")
    if len(title) > 160:
        raise Invalid("Where it is published must be 160 characters or fewer")
    text_check(title, label="Where it is published")
    if audience not in Audience.values or audience == Audience.STAFF:
        raise Invalid("Choose who the open link is for")
    token, hashed = token_new()
    link = OpenLink.objects.create(
        title=title,
        audience=audience,
        tool_version=survey_version_for(audience=audience),
        team=team,
        service=team.service if team is not None else None,
        token=token,
        token_hash=hashed,
        created_by=by,
        created_at=clock.now(),
    )
    return OpenLinkMade(link=link, url=public_url(token))


@transaction.atomic
def open_link_close(*, link: OpenLink, by: User) -> OpenLink:
    locked = OpenLink.objects.select_for_update().get(pk=link.pk)
    OPEN_LINK_WORKFLOW.check(locked, "close", by=by)
    locked.is_open, locked.closed_at = False, clock.now()
    locked.save(update_fields=["is_open", "closed_at"])
    return locked


def client_key(address: str) -> str:
    """A keyed hash of the client's address: the address itself is never stored."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def open_link_admit(*, link: OpenLink, client: str) -> None:
    """Record one submission attempt if the sliding windows allow it; RateLimited when refused
    (at most CLIENT_LIMIT per client per CLIENT_WINDOW on any open link, and LINK_LIMIT per link
    per LINK_WINDOW). Refused attempts are not recorded, so they do not use up the link's
    allowance for everyone else."""
    now = clock.now()
    SubmissionEvent.objects.filter(at__lt=now - dt.timedelta(days=1)).delete()
    OpenLink.objects.select_for_update().filter(pk=link.pk).first()  # one writer per link
    if (
        SubmissionEvent.objects.filter(client_hash=client, at__gt=now - CLIENT_WINDOW).count()
        >= CLIENT_LIMIT
    ):
        raise RateLimited(TOO_MANY)
    if (
        SubmissionEvent.objects.filter(open_link=link, at__gt=now - LINK_WINDOW).count()
        >= LINK_LIMIT
    ):
        raise RateLimited(TOO_MANY)
    SubmissionEvent.objects.create(open_link=link, client_hash=client, at=now)
