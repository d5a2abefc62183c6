"""Surveys and responses: the survey for each audience and age, answers checked against the
survey's pinned version, and an online answer to a request or an open link stored once."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from qaf.cases.models import Child
from qaf.common import clock
from qaf.common.errors import Conflict, Invalid
from qaf.organisation.models import Team
from qaf.tools.answers import AnswerInvalid, answer_clean, is_blank, missing_message
from qaf.tools.definition import visible_questions
from qaf.tools.models import ToolVersion, VersionStatus
from qaf.tools.services import tool_library_load

from ..models import (
    MAX_TEXT,
    SURVEY_TOOLS,
    Anonymity,
    Audience,
    FeedbackRequest,
    FeedbackResponse,
    Mode,
    OpenLink,
    SafetyAlert,
)
from ..workflows import REQUEST_WORKFLOW
from .checks import SubmissionInvalid, text_problem
from .safety_alerts import safety_check
from .tokens import token_hash


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


def child_open_team(child: Child) -> Team | None:
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


@dataclass
class Submitted:
    response: FeedbackResponse
    alert: SafetyAlert | None
    created: bool
    reasons: list[str] = field(default_factory=list)


def response_by_submission_key(submission_key: str) -> FeedbackResponse | None:
    """The response a form with this key already stored, if any (a retry, not a new answer)."""
    return (
        FeedbackResponse.objects.filter(submission_key=submission_key)
        .select_related("safety_alert")
        .first()
    )


def already_submitted(response: FeedbackResponse) -> Submitted:
    """A stored response answered again to its retry: nothing new was stored or raised."""
    alert = getattr(response, "safety_alert", None)
    return Submitted(response, alert, False, list(alert.reasons) if alert else [])


def response_for_retry(*, token: str, submission_key: str) -> Submitted | None:
    """A retried submission of a single-use link already answered with this same form."""
    if not submission_key or len(submission_key) > 64:
        return None
    response = response_by_submission_key(submission_key)
    if response is None or response.request is None:
        return None
    if not hmac.compare_digest(response.request.token_hash, token_hash(token)):
        return None
    return already_submitted(response)


def submission_key_check(key: str) -> None:
    """SubmissionInvalid unless the key is one a form of ours could have carried."""
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
    submission_key_check(submission_key)
    existing = response_by_submission_key(submission_key)
    if existing is not None:
        same = (
            existing.request_id == target.pk
            if isinstance(target, FeedbackRequest)
            else existing.open_link_id == target.pk
        )
        if not same:
            raise SubmissionInvalid({"submission_key": "The form is out of date: reload the page"})
        return already_submitted(existing)
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
        existing = response_by_submission_key(submission_key)
        if existing is None:
            raise
        return already_submitted(existing)
    if isinstance(target, FeedbackRequest):
        target.used_at = now
        target.save(update_fields=["used_at"])
    alert, reasons = safety_check(response=response, raised_by=target.created_by)
    return Submitted(response, alert, True, reasons)
