"""Writes for feedback: requests and open links, responses, the safety trigger, complaints.

Tokens: 32 random bytes from ``secrets`` (256 bits), URL-safe; only their SHA-256 is stored.
Every lookup hashes the token, queries by hash and compares in constant time, whether or not
anything was found, so an invalid, expired or used link costs the same and answers the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q

from qaf.accounts.models import User
from qaf.calendar import add_working_days
from qaf.cases.models import Child
from qaf.cases.selectors import child_list_visible
from qaf.common import clock
from qaf.common.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound, RateLimited
from qaf.common.links import absolute_url
from qaf.common.notifications import notification_send
from qaf.common.permissions import allowed
from qaf.escalations.models import EscalationKind, EscalationSource
from qaf.escalations.selectors import closure_days
from qaf.escalations.services import escalation_raise
from qaf.organisation.models import Team
from qaf.tools.answers import AnswerInvalid, answer_clean, is_blank, missing_message
from qaf.tools.definition import visible_questions
from qaf.tools.models import ToolVersion, VersionStatus
from qaf.tools.services import tool_library_load

from .models import (
    CHILD_AUDIENCES,
    CHILD_LINKED_AUDIENCES,
    MAX_TEXT,
    SAFETY_CHECKED_AUDIENCES,
    SURVEY_TOOLS,
    AlertRoute,
    Anonymity,
    Audience,
    ComplaintEntry,
    Delivery,
    FeedbackKind,
    FeedbackRequest,
    FeedbackResponse,
    Mode,
    OpenLink,
    SafetyAlert,
    SubmissionEvent,
)
from .safety import NOT_SAFE_ANSWERS, SAFETY_QUESTION, trigger_words_found
from .workflows import ALERT_WORKFLOW, OPEN_LINK_WORKFLOW, REQUEST_WORKFLOW

logger = logging.getLogger(__name__)

TOKEN_BYTES = 32
DEFAULT_DAYS_VALID = 28
MAX_DAYS_VALID = 90
# Open-link rate limits (sliding windows over accepted-looking submissions).
CLIENT_LIMIT, CLIENT_WINDOW = 10, dt.timedelta(minutes=10)
LINK_LIMIT, LINK_WINDOW = 200, dt.timedelta(hours=1)
TOO_MANY = "Too many answers have been sent in a short time. Wait a few minutes and try again."
_DUMMY_HASH = "0" * 64


class SubmissionInvalid(Invalid):
    """Answers refused; ``errors`` maps a question key (or field name) to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_new() -> tuple[str, str]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def link_find(*, token: str) -> FeedbackRequest | OpenLink | None:
    """The request or open link this token opens, or None when it is unknown, expired, used or
    closed. The same work is done in every case: one hash, one query per table, one
    constant-time compare, and no early return."""
    wanted = token_hash(token) if len(token) <= 100 else _DUMMY_HASH
    request = FeedbackRequest.objects.filter(token_hash=wanted).first()
    link = OpenLink.objects.filter(token_hash=wanted).first()
    found: FeedbackRequest | OpenLink | None = request or link
    stored = found.token_hash if found is not None else _DUMMY_HASH
    matches = hmac.compare_digest(stored, wanted)
    usable = False
    if isinstance(found, FeedbackRequest):
        usable = REQUEST_WORKFLOW.can(found, "answer", by=None)
    elif isinstance(found, OpenLink):
        usable = found.is_open
    return found if (matches and usable) else None


def public_url(token: str) -> str:
    return absolute_url("feedback_public:survey", token)


# --------------------------------------------------------------------------------------------
# Surveys and audiences
# --------------------------------------------------------------------------------------------


def survey_version_for(*, audience: str) -> ToolVersion:
    """The newest published version of the audience's survey (loading the shipped library the
    first time it is needed)."""
    if audience not in SURVEY_TOOLS:
        raise Invalid(f"Unknown audience: {audience!r}")
    key = SURVEY_TOOLS[audience]
    for attempt in range(2):
        version = (
            ToolVersion.objects.filter(tool__key=key, status=VersionStatus.PUBLISHED)
            .order_by("-version")
            .first()
        )
        if version is not None:
            return version
        if attempt == 0:
            tool_library_load()
    raise Conflict(f"The survey {key!r} has no published version")


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def audience_for_child(*, child: Child, on: dt.date | None = None) -> str:
    """The children's survey for the child's age: 7 to 10 -> 7-11, 11 to 15 -> 11-16,
    16 to 21 -> 16-21 (a child of exactly 11 or 16 gets the older band's survey)."""
    if child.date_of_birth is None:
        raise Invalid(
            "The child's date of birth is not recorded, so no age band can be chosen. "
            "Ask a parent or carer instead, or record the date of birth first."
        )
    age = age_on(child.date_of_birth, on or clock.today())
    if age < 7:
        raise Invalid(
            f"The child is {age}: the children's surveys start at age 7. "
            "Ask a parent or carer instead."
        )
    if age <= 10:
        return Audience.CHILD_7_11
    if age <= 15:
        return Audience.CHILD_11_16
    if age <= 21:
        return Audience.YOUNG_PERSON_16_21
    raise Invalid(f"The young person is {age}: the surveys go up to age 21.")


def _open_team(child: Child) -> Team | None:
    """The team holding the child's current involvement (the newest open one)."""
    today = clock.today()
    involvement = (
        child.involvements.filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("team__service")
        .order_by("-start_date", "-pk")
        .first()
    )
    return involvement.team if involvement is not None else None


# --------------------------------------------------------------------------------------------
# Requests and open links
# --------------------------------------------------------------------------------------------


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
        team = _open_team(child) or team
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


# --------------------------------------------------------------------------------------------
# Text and answers
# --------------------------------------------------------------------------------------------


def text_problem(value: str) -> str | None:
    """Why text cannot be stored (NUL bytes, lone surrogates), or None. Everything else,
    including right-to-left overrides, zero-width characters and emoji, is kept as typed."""
    if "\x00" in value:
        return "has a hidden “null” character that cannot be saved. Delete it and try again"
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        return "has a broken character that cannot be saved. Delete it and try again"
    return None


def text_check(value: str, *, label: str) -> None:
    problem = text_problem(value)
    if problem:
        raise Invalid(f"{label} {problem}")


def answers_clean(*, version: ToolVersion, raw: dict[str, Any]) -> dict[str, Any]:
    """Answers in their stored shape, or SubmissionInvalid naming each problem."""
    definition = version.definition
    errors: dict[str, str] = {}
    unknown = set(raw) - {q.key for q in definition.questions()}
    if unknown:
        raise SubmissionInvalid({"answers": "The answers include questions not in this survey"})
    cleaned: dict[str, Any] = {}
    for q in definition.questions():
        value = raw.get(q.key)
        if is_blank(value):
            continue
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                errors[q.key] = f"Your answer to “{q.label}” {problem}"
                continue
            if len(value) > MAX_TEXT:
                errors[q.key] = f"“{q.label}” must be {MAX_TEXT:,} characters or fewer"
                continue
        try:
            cleaned[q.key] = answer_clean(definition, q, value)
        except AnswerInvalid as e:
            errors[q.key] = str(e)
    shown = visible_questions(definition, cleaned)
    for q in definition.questions():
        if q.key in shown and q.required and q.key not in cleaned and q.key not in errors:
            errors[q.key] = missing_message(q)
    cleaned = {k: v for k, v in cleaned.items() if k in shown}
    if errors:
        raise SubmissionInvalid(errors)
    return cleaned


# --------------------------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------------------------


@dataclass
class Submitted:
    response: FeedbackResponse
    alert: SafetyAlert | None
    created: bool
    reasons: list[str] = field(default_factory=list)


def _existing(submission_key: str) -> FeedbackResponse | None:
    return (
        FeedbackResponse.objects.filter(submission_key=submission_key)
        .select_related("safety_alert")
        .first()
    )


def _as_submitted(response: FeedbackResponse) -> Submitted:
    alert = getattr(response, "safety_alert", None)
    return Submitted(response, alert, False, list(alert.reasons) if alert else [])


def response_for_retry(*, token: str, submission_key: str) -> Submitted | None:
    """A retried submission of a single-use link already answered with this same form."""
    if not submission_key or len(submission_key) > 64:
        return None
    response = _existing(submission_key)
    if response is None or response.request is None:
        return None
    if not hmac.compare_digest(response.request.token_hash, token_hash(token)):
        return None
    return _as_submitted(response)


def _check_submission_key(key: str) -> None:
    if not (16 <= len(key) <= 64) or not all(c.isalnum() or c in "-_" for c in key):
        raise SubmissionInvalid({"submission_key": "The form is out of date: reload the page"})


@transaction.atomic
def feedback_response_submit(
    *,
    target: FeedbackRequest | OpenLink,
    answers: dict[str, Any],
    anonymity: str,
    consent_to_quote: bool,
    submission_key: str,
) -> Submitted:
    """Store an online answer to a request or open link. A submission key seen before returns
    the response already stored (a retry), so nothing is stored or raised twice."""
    _check_submission_key(submission_key)
    existing = _existing(submission_key)
    if existing is not None:
        same = (
            existing.request_id == target.pk
            if isinstance(target, FeedbackRequest)
            else existing.open_link_id == target.pk
        )
        if not same:
            raise SubmissionInvalid({"submission_key": "The form is out of date: reload the page"})
        return _as_submitted(existing)
    if isinstance(target, FeedbackRequest):
        locked = FeedbackRequest.objects.select_for_update().get(pk=target.pk)
        REQUEST_WORKFLOW.check(locked, "answer", by=None)  # used or expired: IllegalTransition
        target = locked
    if anonymity not in Anonymity.values:
        raise SubmissionInvalid({"anonymity": "Choose whether to add your answers to your record"})
    cleaned = answers_clean(version=target.tool_version, raw=answers)
    linked = (
        isinstance(target, FeedbackRequest)
        and target.child is not None
        and anonymity == Anonymity.NAMED
    )
    if isinstance(target, OpenLink):
        anonymity = Anonymity.ANONYMOUS  # open links are always anonymous
    now = clock.now()
    try:
        with transaction.atomic():
            response = FeedbackResponse.objects.create(
                audience=target.audience,
                tool_version=target.tool_version,
                request=target if isinstance(target, FeedbackRequest) else None,
                open_link=target if isinstance(target, OpenLink) else None,
                child=target.child if linked and isinstance(target, FeedbackRequest) else None,
                team=target.team,
                service=target.service,
                answers=cleaned,
                anonymity=anonymity,
                consent_to_link=linked,
                consent_to_quote=consent_to_quote,
                mode=Mode.ONLINE,
                submission_key=submission_key,
                submitted_at=now,
            )
    except IntegrityError:
        # The same submission arrived twice at once: the other one was stored first.
        existing = _existing(submission_key)
        if existing is None:
            raise
        return _as_submitted(existing)
    if isinstance(target, FeedbackRequest):
        target.used_at = now
        target.save(update_fields=["used_at"])
    alert, reasons = safety_check(response=response, raised_by=target.created_by)
    return Submitted(response, alert, True, reasons)


@transaction.atomic
def feedback_response_enter(
    *,
    by: User,
    audience: str,
    mode: str,
    answers: dict[str, Any],
    child: Child | None,
    consent_to_link: bool,
    consent_to_quote: bool,
    team: Team | None,
    submission_key: str,
) -> Submitted:
    """A telephone survey or a transcribed paper form, entered by staff on the person's behalf."""
    if not allowed(by, "feedback.enter_feedback"):
        raise NotAllowed("This account cannot enter feedback.")
    if mode not in {Mode.TELEPHONE, Mode.PAPER}:
        raise SubmissionInvalid({"mode": "Choose how the feedback was given"})
    if audience not in Audience.values:
        raise SubmissionInvalid({"audience": "Choose who gave the feedback"})
    _check_submission_key(submission_key)
    existing = _existing(submission_key)
    if existing is not None:
        return _as_submitted(existing)
    if child is not None and not child_list_visible(user=by).filter(pk=child.pk).exists():
        raise NotFound("You can only enter feedback for children you can see.")
    if consent_to_link and child is None:
        raise SubmissionInvalid({"child": "Enter the child's ID to link the answers"})
    version = survey_version_for(audience=audience)
    cleaned = answers_clean(version=version, raw=answers)
    linked_child = child if consent_to_link else None
    if team is None and child is not None:
        team = _open_team(child)
    response = FeedbackResponse.objects.create(
        audience=audience,
        tool_version=version,
        child=linked_child,
        team=team,
        service=team.service if team is not None else None,
        answers=cleaned,
        anonymity=Anonymity.NAMED if linked_child else Anonymity.ANONYMOUS,
        consent_to_link=linked_child is not None,
        consent_to_quote=consent_to_quote,
        mode=mode,
        entered_by=by,
        submission_key=submission_key,
        submitted_at=clock.now(),
    )
    alert, reasons = safety_check(response=response, raised_by=by)
    return Submitted(response, alert, True, reasons)


# --------------------------------------------------------------------------------------------
# The safety trigger
# --------------------------------------------------------------------------------------------


def safety_reasons(*, audience: str, answers: dict[str, Any]) -> list[str]:
    """Why these answers raise a safeguarding concern (empty: they do not)."""
    if audience not in SAFETY_CHECKED_AUDIENCES:
        return []
    reasons = []
    if audience in CHILD_AUDIENCES and answers.get(SAFETY_QUESTION) in NOT_SAFE_ANSWERS:
        answer = answers[SAFETY_QUESTION]
        reasons.append(f"Answered “{'No' if answer == 'no' else 'Sometimes'}” to feeling safe")
    for value in answers.values():
        if isinstance(value, str):
            for word in trigger_words_found(value):
                reason = f"Wrote a word or phrase on the safety list: “{word}”"
                if reason not in reasons:
                    reasons.append(reason)
    return reasons


def _duty_link(alert: SafetyAlert) -> str:
    return absolute_url("feedback:alert_detail", alert.pk)


def safety_check(
    *, response: FeedbackResponse, raised_by: User | None
) -> tuple[SafetyAlert | None, list[str]]:
    """Raise the safety alert for a response, at most once (one alert per response).

    Linked to a child (with consent): a safeguarding escalation on the child's case, routed to
    the allocated team's district. Otherwise (anonymous): the QA unit's duty inbox. Either way
    the duty inbox email is sent at once (after commit), so it never waits unread."""
    reasons = safety_reasons(audience=response.audience, answers=response.answers)
    if not reasons:
        return None, []
    existing = SafetyAlert.objects.filter(response=response).first()
    if existing is not None:
        return existing, reasons
    now = clock.now()
    escalation = None
    if response.child is not None:
        try:
            with transaction.atomic():
                escalation = escalation_raise(
                    child=response.child,
                    kind=EscalationKind.SAFEGUARDING,
                    raised_by=raised_by,
                    source=EscalationSource.FEEDBACK,
                    reason=(
                        f"Feedback response {response.reference_code} raised the safety "
                        "trigger: " + "; ".join(reasons) + ". Read the child's words in QAF."
                    ),
                    reference=response,
                )
        except (PermissionDenied, DomainError):  # any refusal: the duty inbox takes it instead
            logger.exception("Escalation for %s refused; routed to the duty inbox", response)
            escalation = None
    alert = SafetyAlert.objects.create(
        response=response,
        reasons=reasons,
        route=AlertRoute.TEAM if escalation is not None else AlertRoute.DUTY_INBOX,
        escalation=escalation,
        raised_at=now,
    )
    where = (
        f"escalation {escalation.reference_code} raised to the child's team"
        if escalation is not None
        else "no child is linked: the duty inbox must act"
    )
    notification_send(
        to=[settings.QAF_DUTY_INBOX_EMAIL],
        subject=f"Safety alert {alert.reference_code}: feedback needs a safeguarding response now",
        body=(
            f"A {response.get_audience_display().lower()} answered a survey in a way that "
            f"suggests they may not be safe ({where}).\n\n"
            "Reasons: " + "; ".join(reasons) + "\n\n"
            f"Open the alert: {_duty_link(alert)}\n"
        ),
    )
    return alert, reasons


@transaction.atomic
def safety_alert_acknowledge(*, alert: SafetyAlert, by: User, action_taken: str) -> SafetyAlert:
    locked = SafetyAlert.objects.select_for_update().get(pk=alert.pk)
    ALERT_WORKFLOW.check(locked, "acknowledge", by=by, reason=action_taken)
    text_check(action_taken, label="Action taken")
    locked.acknowledged_by, locked.acknowledged_at = by, clock.now()
    locked.action_taken = action_taken
    locked.save(update_fields=["acknowledged_by", "acknowledged_at", "action_taken"])
    return locked


# --------------------------------------------------------------------------------------------
# Open-link rate limits
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Complaints and compliments
# --------------------------------------------------------------------------------------------

COMPLAINT_TEXT_FIELDS = ("summary", "learning")


def complaint_due_on(*, received_on: dt.date) -> dt.date:
    """Stage 1: a response within the council's timescale (QAF_COMPLAINT_STAGE1_WORKING_DAYS,
    10 working days by default) after the day received."""
    return add_working_days(
        received_on, settings.QAF_COMPLAINT_STAGE1_WORKING_DAYS, closures=closure_days()
    )


def _complaint_check(values: dict[str, Any]) -> dict[str, Any]:
    errors = {}
    for name in COMPLAINT_TEXT_FIELDS:
        value = values.get(name) or ""
        problem = text_problem(value)
        if problem:
            errors[name] = f"The {name} {problem}"
        elif len(value) > MAX_TEXT:
            errors[name] = f"The {name} must be {MAX_TEXT:,} characters or fewer"
    if not (values.get("summary") or "").strip():
        errors["summary"] = "Enter a summary"
    received = values.get("received_on")
    if received is not None and received > clock.today():
        errors["received_on"] = "The date received must be today or in the past"
    responded = values.get("responded_on")
    if responded is not None and received is not None and responded < received:
        errors["responded_on"] = "The date responded must be on or after the date received"
    if responded is not None and responded > clock.today():
        errors["responded_on"] = "The date responded must be today or in the past"
    if errors:
        raise SubmissionInvalid(errors)
    return values


@transaction.atomic
def complaint_create(*, by: User, **values: Any) -> ComplaintEntry:
    if not allowed(by, "feedback.keep_complaints_log"):
        raise NotAllowed("Only the QA unit keeps the complaints log.")
    _complaint_check(values)
    entry = ComplaintEntry(recorded_by=by, recorded_at=clock.now(), **values)
    if entry.team is not None and entry.service is None:
        entry.service = entry.team.service
    if entry.kind == FeedbackKind.COMPLAINT and entry.response_due_on is None:
        entry.response_due_on = complaint_due_on(received_on=entry.received_on)
    entry.save()
    return entry


@transaction.atomic
def complaint_update(*, entry: ComplaintEntry, by: User, **values: Any) -> ComplaintEntry:
    if not allowed(by, "feedback.keep_complaints_log"):
        raise NotAllowed("Only the QA unit keeps the complaints log.")
    merged = {"received_on": entry.received_on, "summary": entry.summary, **values}
    _complaint_check(merged)
    locked = ComplaintEntry.objects.select_for_update().get(pk=entry.pk)
    for name, value in values.items():
        setattr(locked, name, value)
    if locked.team is not None and locked.service is None:
        locked.service = locked.team.service
    if locked.kind == FeedbackKind.COMPLAINT and locked.response_due_on is None:
        locked.response_due_on = complaint_due_on(received_on=locked.received_on)
    locked.save()
    return locked
