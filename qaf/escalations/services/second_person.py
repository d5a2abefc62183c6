"""The second-person rule: a change no one makes alone (downgrading a safeguarding concern,
closing any concern before sign-off, cancelling a safeguarding concern) is asked for by one
authorised person and decided by another (SECOND_PERSON_WORKFLOW). Approving it makes the change in the same
transaction: a downgrade recomputes the deadline; the other kinds take the escalation's step
only the second person takes (workflows.REQUEST_STEP)."""

from django.db import transaction

from qaf.accounts.models import User
from qaf.common import clock
from qaf.common.errors import Conflict, IllegalTransition, Invalid, NotAllowed
from qaf.common.permissions import allowed

from ..models import (
    Escalation,
    EscalationKind,
    EscalationStep,
    SecondPersonDecision,
    SecondPersonRequest,
    SecondPersonRequestKind,
)
from ..workflows import REQUEST_STEP, SECOND_PERSON_WORKFLOW, request_refusal
from .deadlines import escalation_deadline
from .steps import escalation_apply_step, escalation_locked

MAX_REASON = 5000


@transaction.atomic
def second_person_request_create(
    *, escalation: Escalation, kind: str, by: User, reason: str
) -> SecondPersonRequest:
    """Ask for a change a second authorised person must decide: a downgrade (safeguarding to
    practice), a close without sign-off, or cancelling a safeguarding concern."""
    locked = escalation_locked(escalation)
    if kind not in SecondPersonRequestKind.values:
        raise Invalid("Choose what you want to do.")
    if not allowed(by, "escalations.ask_second_person", locked):
        raise NotAllowed(
            "Only a service manager, an assistant director, a director or the QA unit can ask "
            "for this change."
        )
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("Give the reason for the request.")
    if len(reason) > MAX_REASON:
        raise Invalid(f"The reason must be {MAX_REASON} characters or fewer.")
    refusal = request_refusal(locked, kind)
    if refusal:
        raise IllegalTransition(refusal)
    if locked.requests.filter(decision=SecondPersonDecision.PENDING).exists():
        raise Conflict("A request on this escalation is already waiting for a decision.")
    return SecondPersonRequest.objects.create(
        escalation=locked, kind=kind, reason=reason, requested_by=by, requested_at=clock.now()
    )


def _downgrade(escalation: Escalation, request: SecondPersonRequest, by: User) -> None:
    escalation.kind = EscalationKind.PRACTICE
    escalation.deadline_on, escalation.deadline_at = escalation_deadline(
        kind=EscalationKind.PRACTICE, raised_at=escalation.raised_at
    )
    escalation.save(update_fields=["kind", "deadline_on", "deadline_at"])
    asker = request.requested_by.get_full_name() or request.requested_by.username
    EscalationStep.objects.create(
        escalation=escalation,
        action="downgrade",
        from_status=escalation.status,
        to_status=escalation.status,
        by=by,
        at=clock.now(),
        note=f"Downgraded to a practice concern, asked by {asker}: {request.reason}",
    )


@transaction.atomic
def second_person_request_decide(
    *, request: SecondPersonRequest, by: User, approve: bool, note: str = ""
) -> SecondPersonRequest:
    """Approve or refuse a request: an authorised person in scope who did not ask for it.
    Approving applies the change; if the escalation has moved on so that the change is no
    longer possible, nothing is decided (IllegalTransition)."""
    locked = (
        SecondPersonRequest.objects.select_for_update(of=("self",))
        .select_related("requested_by")
        .get(pk=request.pk)
    )
    escalation = escalation_locked(locked.escalation)
    step = "approve" if approve else "refuse"
    try:
        SECOND_PERSON_WORKFLOW.move(locked, step, by=by, reason=note)
    except NotAllowed:
        if locked.requested_by_id == by.pk:
            raise NotAllowed("A second person must decide: you asked for this change.") from None
        raise
    locked.decided_by = by
    locked.decided_at = clock.now()
    locked.decision_note = (note or "").strip()
    locked.save(update_fields=["decision", "decided_by", "decided_at", "decision_note"])
    if approve:
        refusal = request_refusal(escalation, locked.kind)
        if refusal:
            raise IllegalTransition(f"This request can no longer be approved. {refusal}")
        if locked.kind == SecondPersonRequestKind.DOWNGRADE:
            _downgrade(escalation, locked, by)
        else:
            escalation_apply_step(escalation, REQUEST_STEP[locked.kind], by=by, note=locked.reason)
    return locked
