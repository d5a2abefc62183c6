"""The safety trigger: answers that suggest a child may not be safe raise one alert, to the
child's team (an escalation) or to the QA unit's duty inbox, and the duty inbox acknowledges
it."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from qaf.accounts.models import User
from qaf.common import clock
from qaf.common.errors import DomainError
from qaf.common.links import absolute_url
from qaf.common.notifications import notification_send
from qaf.escalations.models import EscalationKind, EscalationSource
from qaf.escalations.services import escalation_raise

from ..models import (
    CHILD_AUDIENCES,
    SAFETY_CHECKED_AUDIENCES,
    AlertRoute,
    FeedbackResponse,
    SafetyAlert,
)
from ..safety import NOT_SAFE_ANSWERS, SAFETY_QUESTION, trigger_words_found
from ..workflows import ALERT_WORKFLOW
from .checks import text_check

logger = logging.getLogger(__name__)


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
