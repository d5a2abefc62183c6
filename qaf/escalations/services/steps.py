"""Taking an escalation through its workflow (ESCALATION_WORKFLOW, workflows.py): each step
checked by the table (state, who, reason), recorded with who and when, and the emails it sends."""

from collections.abc import Sequence

from django.db import transaction

from qaf.accounts.models import User
from qaf.actions.models import ActionSource
from qaf.actions.services import action_create
from qaf.common import clock
from qaf.common.errors import Invalid, NotAllowed
from qaf.common.permissions import allowed
from qaf.organisation.models import Staff, TeamMembership

from ..models import Escalation, EscalationStatus, EscalationStep, PracticeReview
from ..workflows import ESCALATION_WORKFLOW, INSTEAD, request_kinds_possible
from .notify import notify_actions_agreed, notify_signed_off

MAX_ACTION_TITLE = 200


def escalation_locked(escalation: Escalation) -> Escalation:
    """The escalation, locked for this transaction, with what its emails need."""
    return (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("child", "district__area__assistant_director", "district__service_manager")
        .get(pk=escalation.pk)
    )


def escalation_apply_step(locked: Escalation, step: str, *, by: User, note: str) -> Escalation:
    """Move a locked escalation one step (ESCALATION_WORKFLOW.move: refused steps change
    nothing), stamp sign-off and closing, and record the step. The caller owns the transaction."""
    note = (note or "").strip()
    previous = ESCALATION_WORKFLOW.move(locked, step, by=by, reason=note)
    now = clock.now()
    if locked.status == EscalationStatus.SIGNED_OFF:
        locked.signed_off_at = now
    if locked.status in ESCALATION_WORKFLOW.final:
        locked.closed_at = now
    locked.save(update_fields=["status", "signed_off_at", "closed_at"])
    EscalationStep.objects.create(
        escalation=locked,
        action=step,
        from_status=previous,
        to_status=locked.status,
        by=by,
        at=now,
        note=note,
    )
    return locked


def _agreed_titles(actions: Sequence[str]) -> list[str]:
    titles = [a.strip() for a in actions if a and a.strip()]
    if not titles:
        raise Invalid("Enter at least one agreed action.")
    if any(len(t) > MAX_ACTION_TITLE for t in titles):
        raise Invalid(f"Each agreed action must be {MAX_ACTION_TITLE} characters or fewer.")
    return titles


def _actions_owner(escalation: Escalation, by: User) -> Staff:
    """Who owns the agreed actions: the allocated worker, or the person agreeing them when the
    case is unallocated."""
    owner = escalation.practitioner or by.staff
    if owner is None:
        raise Invalid("The case has no allocated worker and your account has no staff record.")
    return owner


def _create_agreed_actions(
    escalation: Escalation, titles: list[str], owner: Staff, by: User
) -> None:
    """Each agreed action becomes a tracked Action for `owner`, due on the deadline day."""
    membership = TeamMembership.objects.filter(staff=owner, end_date__isnull=True).first()
    # A practice alert (from a CP chair's or IRO's review) gives practice-alert actions.
    source = (
        ActionSource.PRACTICE_ALERT
        if PracticeReview.objects.filter(alert=escalation).exists()
        else ActionSource.ESCALATION
    )
    for title in titles:
        action_create(
            title=title,
            owner=owner,
            due_date=escalation.deadline_on,
            source=source,
            created_by=by,
            reference=escalation,
            child=escalation.child,
            team=escalation.team or (membership.team if membership else None),
        )


def _refuse_with_the_second_person_route(escalation: Escalation, step: str, by: User) -> None:
    """When a second person's agreement is the way to take this step, say so."""
    instead = INSTEAD.get(step)
    if instead in request_kinds_possible(escalation) and allowed(
        by, "escalations.ask_second_person", escalation
    ):
        label = ESCALATION_WORKFLOW.steps[step].label
        raise NotAllowed(
            f"“{label}” needs a second authorised person: ask for it on the escalation's page."
        )


@transaction.atomic
def escalation_take_step(
    *,
    escalation: Escalation,
    step: str,
    by: User,
    note: str = "",
    actions: Sequence[str] = (),
) -> Escalation:
    """Take one step of the workflow, recording `note` (the step's reason: comments, the
    discussion, where on the file, the oversight, why cancelled). Agreeing actions needs
    `actions`, one title each. Refusals change nothing: IllegalTransition (not from this state),
    NotAllowed (not this person), Invalid (a missing reason or action).

    Emails: agreeing actions tells the team's managers to put them on the file; signing off
    tells the district's assistant director."""
    locked = escalation_locked(escalation)
    try:
        ESCALATION_WORKFLOW.check(locked, step, by=by, reason=note)
    except NotAllowed:
        _refuse_with_the_second_person_route(locked, step, by)
        raise
    if step == "agree_actions":
        titles = _agreed_titles(actions)
        owner = _actions_owner(locked, by)
        note = (note or "").strip() + "\n\nAgreed actions:\n" + "\n".join(f"- {t}" for t in titles)
        updated = escalation_apply_step(locked, step, by=by, note=note)
        _create_agreed_actions(updated, titles, owner, by)
        notify_actions_agreed(updated)
        return updated
    updated = escalation_apply_step(locked, step, by=by, note=note)
    if step == "sign_off":
        notify_signed_off(updated)
    return updated
