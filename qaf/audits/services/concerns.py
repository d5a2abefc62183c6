"""The concern an Inadequate grade proposes: after submitting, the audit's auditor raises it (an
escalation pointing back to the audit) or says why not. Once per audit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db import transaction

from qaf.accounts.models import User
from qaf.common import clock
from qaf.common.errors import Conflict, IllegalTransition, Invalid, NotAllowed
from qaf.common.permissions import allowed

from .. import selectors
from ..models import Audit, ConcernDecision

if TYPE_CHECKING:
    from qaf.escalations.models import Escalation
    from qaf.escalations.services import EscalationProposal

MAX_CONCERN_REASON = 5000


def audit_concern_reason(*, audit: Audit, section_titles: Mapping[str, str]) -> str:
    """The concern's description as proposed to the auditor (they may edit it)."""
    named = [
        "the overall grade" if p == "overall" else f"the {section_titles.get(p, p)} section"
        for p in audit.inadequate_parts()
    ]
    return (
        f"Case audit {audit.reference} graded {', '.join(named)} Inadequate. "
        "The practice needs to be looked at now."
    )


def _require_auditor(audit: Audit, by: User) -> None:
    if not allowed(by, "audits.submit_audit", audit):
        raise NotAllowed("Only the audit's auditor can decide whether to raise a concern.")
    if audit.submitted_at is None:
        raise IllegalTransition("Submit the audit before deciding whether to raise a concern.")


def audit_concern_propose(
    *, audit: Audit, by: User, reason: str, kind: str = "practice"
) -> EscalationProposal | None:
    """The concern an Inadequate section or overall grade proposes (not saved), or None when no
    submitted grade is Inadequate or the auditor has already decided."""
    from qaf.escalations.models import EscalationSource, PracticeGrade
    from qaf.escalations.services import escalation_propose_for_grade

    _require_auditor(audit, by)
    if audit.concern_decision:
        return None
    grade = (
        PracticeGrade.INADEQUATE
        if audit.inadequate_parts()
        else (audit.submitted_overall_grade or PracticeGrade.GOOD)
    )
    return escalation_propose_for_grade(
        child=audit.child,
        grade=grade,
        raised_by=by,
        source=EscalationSource.AUDIT,
        reason=reason,
        kind=kind,
        reference=audit,
    )


@transaction.atomic
def audit_concern_raise(*, audit: Audit, by: User, kind: str, reason: str) -> Escalation:
    """The auditor confirms the proposed concern: the escalation is raised (pointing back to the
    audit) and the decision recorded. Asking again returns the same escalation."""
    locked = Audit.objects.select_for_update().select_related("child").get(pk=audit.pk)
    _require_auditor(locked, by)
    if locked.concern_decision == ConcernDecision.RAISED:
        existing = selectors.audit_concern_escalation(audit=locked)
        if existing is None:
            raise Conflict("The concern raised from this audit cannot be found.")
        return existing
    if locked.concern_decision == ConcernDecision.DECLINED:
        raise Conflict("You have already decided not to raise a concern from this audit.")
    proposal = audit_concern_propose(audit=locked, by=by, reason=reason, kind=kind)
    if proposal is None:
        raise Conflict("No grade in this audit is Inadequate: there is no concern to raise.")
    escalation = proposal.confirm()
    locked.concern_decision = ConcernDecision.RAISED
    locked.concern_decided_at = clock.now()
    locked.save(update_fields=["concern_decision", "concern_decided_at"])
    return escalation


@transaction.atomic
def audit_concern_decline(*, audit: Audit, by: User, reason: str) -> Audit:
    """The auditor decides an Inadequate grade needs no concern raised, and says why."""
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    _require_auditor(locked, by)
    reason = (reason or "").strip()
    if locked.concern_decision == ConcernDecision.DECLINED:
        return locked  # the same request again
    if locked.concern_decision == ConcernDecision.RAISED:
        raise Conflict("A concern has already been raised from this audit.")
    if not locked.inadequate_parts():
        raise Conflict("No grade in this audit is Inadequate: there is no concern to decline.")
    if not reason:
        raise Invalid("Enter why you are not raising a concern.")
    if len(reason) > MAX_CONCERN_REASON:
        raise Invalid(
            f"The reason for not raising a concern must be {MAX_CONCERN_REASON} characters or "
            "fewer."
        )
    locked.concern_decision = ConcernDecision.DECLINED
    locked.concern_decline_reason = reason
    locked.concern_decided_at = clock.now()
    locked.save(update_fields=["concern_decision", "concern_decline_reason", "concern_decided_at"])
    return locked
