"""Staff entry: a telephone survey or a transcribed paper form, entered on the person's behalf."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from qaf.accounts.models import User
from qaf.cases.models import Child
from qaf.cases.selectors import child_list_visible
from qaf.common import clock
from qaf.common.errors import NotAllowed, NotFound
from qaf.common.permissions import allowed
from qaf.organisation.models import Team

from ..models import Anonymity, Audience, FeedbackResponse, Mode
from .checks import SubmissionInvalid
from .safety_alerts import safety_check
from .surveys import (
    Submitted,
    already_submitted,
    answers_clean,
    child_open_team,
    response_by_submission_key,
    submission_key_check,
    survey_version_for,
)


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
    submission_key_check(submission_key)
    existing = response_by_submission_key(submission_key)
    if existing is not None:
        return already_submitted(existing)
    if child is not None and not child_list_visible(user=by).filter(pk=child.pk).exists():
        raise NotFound("You can only enter feedback for children you can see.")
    if consent_to_link and child is None:
        raise SubmissionInvalid({"child": "Enter the child's ID to link the answers"})
    version = survey_version_for(audience=audience)
    cleaned = answers_clean(version=version, raw=answers)
    linked_child = child if consent_to_link else None
    if team is None and child is not None:
        team = child_open_team(child)
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
