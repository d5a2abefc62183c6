"""Writes for escalations, practice reviews and closure days.

Every state change goes through ``escalation_transition`` and the one table in
``transitions.py``; illegal moves raise ``IllegalTransition`` and change nothing.
Emails go out through ``notification_send`` (after commit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from qaf.accounts.models import Role
from qaf.actions.models import ActionSource
from qaf.actions.services import action_create
from qaf.calendar import add_working_days
from qaf.cases.models import Child, Involvement, InvolvementKind
from qaf.common import clock
from qaf.common.errors import DomainError, IllegalTransition
from qaf.common.links import absolute_url
from qaf.common.notifications import notification_send
from qaf.organisation.models import JobRole, Staff, TeamMembership

from .models import (
    ClosureDay,
    Escalation,
    EscalationKind,
    EscalationReminder,
    EscalationSource,
    EscalationStatus,
    EscalationStep,
    PracticeAppreciation,
    PracticeGrade,
    PracticeReview,
    ReminderKind,
    ReviewKind,
    SecondPersonDecision,
    SecondPersonRequest,
    SecondPersonRequestKind,
)
from .selectors import closure_days, qa_copy_list
from .transitions import AUTHORISERS, BEFORE_SIGN_OFF, TRANSITIONS, transition_for

WORKING_DAYS_TO_SIGN_OFF: dict[str, int] = {
    EscalationKind.SAFEGUARDING: 1,
    EscalationKind.PRACTICE: 5,
}
LONDON = ZoneInfo("Europe/London")
MAX_REASON = 5000


# Deadlines


def escalation_deadline(
    *, kind: str, raised_at: dt.datetime, closures: frozenset[dt.date] | None = None
) -> tuple[dt.date, dt.datetime]:
    """The deadline day and its end (23:59:59 in Europe/London) for a concern raised then.

    The day raised never counts, whatever the time: safeguarding is due by the end of
    the 1st working day after it, practice by the end of the 5th. Weekends, bank
    holidays in England and the council's closure days are not working days.
    """
    if kind not in WORKING_DAYS_TO_SIGN_OFF:
        raise DomainError(f"Unknown kind of concern: {kind!r}")
    if timezone.is_naive(raised_at):
        raise ValueError("raised_at must be timezone-aware")
    closures = closure_days() if closures is None else closures
    raised_on = raised_at.astimezone(LONDON).date()
    day = add_working_days(raised_on, WORKING_DAYS_TO_SIGN_OFF[kind], closures=closures)
    end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=LONDON)
    return day, end


# Recipients and emails


def _emails(people: Sequence[Staff | None]) -> list[str]:
    return [p.email for p in people if p is not None and p.email]


def _link(escalation: Escalation) -> str:
    return absolute_url("escalations:detail", escalation.pk)


def _deadline_text(escalation: Escalation) -> str:
    return f"the end of {escalation.deadline_on:%A %-d %B %Y}"


def _team_managers(team_id: int | None) -> list[Staff]:
    if team_id is None:
        return []
    today = clock.today()
    return list(
        Staff.objects.filter(
            job_role=JobRole.TEAM_MANAGER,
            is_active=True,
            memberships__team_id=team_id,
            memberships__start_date__lte=today,
        )
        .filter(Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=today))
        .distinct()
    )


def _notify_raised(escalation: Escalation) -> None:
    service_manager = escalation.district.service_manager if escalation.district else None
    copy = qa_copy_list()
    to = _emails([service_manager]) or _emails(list(copy))
    notification_send(
        to=to,
        cc=_emails(list(copy)),
        subject=f"{escalation.get_kind_display()} {escalation.reference_code} raised",
        body=(
            f"A {escalation.get_kind_display().lower()} has been raised on child "
            f"{escalation.child.council_child_id} ({escalation.get_source_display()}).\n\n"
            f"Please agree actions and sign them off by {_deadline_text(escalation)}.\n\n"
            f"{_link(escalation)}\n"
        ),
    )


def _notify_actions_agreed(escalation: Escalation) -> None:
    notification_send(
        to=_emails(list(_team_managers(escalation.team_id))),
        subject=f"Add the agreed actions for {escalation.reference_code} to the child's file",
        body=(
            f"Actions have been agreed for child {escalation.child.council_child_id}. "
            f"Please add them to the child's file and confirm in QAF.\n\n{_link(escalation)}\n"
        ),
    )


def _notify_signed_off(escalation: Escalation) -> None:
    director = escalation.district.area.assistant_director if escalation.district else None
    service_manager = escalation.district.service_manager if escalation.district else None
    notification_send(
        to=_emails([director]),
        cc=_emails([service_manager]),
        subject=f"Actions complete for {escalation.reference_code}",
        body=(
            f"The service manager has signed off the completed actions for the "
            f"{escalation.get_kind_display().lower()} on child "
            f"{escalation.child.council_child_id}.\n\n{_link(escalation)}\n"
        ),
    )


# Raising


def _reference_fields(reference: models.Model | None) -> dict[str, Any]:
    if reference is None:
        return {"reference_type": None, "reference_id": ""}
    if reference.pk is None:
        raise DomainError("The reference must be saved before an escalation can point to it.")
    return {
        "reference_type": ContentType.objects.get_for_model(reference),
        "reference_id": str(reference.pk),
    }


def _open_involvement(child: Child) -> Involvement | None:
    today = clock.today()
    return (
        child.involvements.filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("team__district")
        .order_by("-start_date", "-pk")
        .first()
    )


def _validate_raise(kind: str, source: str, reason: str) -> str:
    if kind not in EscalationKind.values:
        raise DomainError("Choose whether this is a safeguarding concern or a practice concern.")
    if source not in EscalationSource.values:
        raise DomainError(f"Unknown source of concern: {source!r}")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Describe the concern.")
    if len(reason) > MAX_REASON:
        raise DomainError(
            f"The description of the concern must be {MAX_REASON} characters or fewer."
        )
    return reason


@transaction.atomic
def escalation_raise(
    *,
    child: Child,
    kind: str,
    raised_by: Any,
    source: str,
    reason: str,
    reference: models.Model | None = None,
) -> Escalation:
    """Raise a concern on a child's case and notify the district service manager at once,
    copying the QA service manager and the principal social worker."""
    reason = _validate_raise(kind, source, reason)
    if not raised_by.sees_children or raised_by.role == Role.PARTNER_AUDITOR:
        raise PermissionDenied("This account cannot raise concerns about a child.")
    now = clock.now()
    deadline_on, deadline_at = escalation_deadline(kind=kind, raised_at=now)
    involvement = _open_involvement(child)
    escalation = Escalation.objects.create(
        child=child,
        kind=kind,
        source=source,
        reason=reason,
        district=involvement.team.district if involvement else None,
        team=involvement.team if involvement else None,
        practitioner=involvement.allocated_worker if involvement else None,
        raised_by=raised_by,
        raised_at=now,
        deadline_on=deadline_on,
        deadline_at=deadline_at,
        **_reference_fields(reference),
    )
    EscalationStep.objects.create(
        escalation=escalation,
        action="raise",
        from_status="",
        to_status=EscalationStatus.RAISED,
        by=raised_by,
        at=now,
        note=reason,
    )
    _notify_raised(escalation)
    return escalation


@dataclass(frozen=True)
class EscalationProposal:
    """An escalation an Inadequate grade proposes: not saved until the auditor confirms."""

    child: Child
    kind: str
    source: str
    reason: str
    raised_by: Any
    reference: models.Model | None
    deadline_on: dt.date

    def confirm(self) -> Escalation:
        return escalation_raise(
            child=self.child,
            kind=self.kind,
            raised_by=self.raised_by,
            source=self.source,
            reason=self.reason,
            reference=self.reference,
        )


def escalation_propose_for_grade(
    *,
    child: Child,
    grade: str,
    raised_by: Any,
    source: str,
    reason: str,
    kind: str = EscalationKind.PRACTICE,
    reference: models.Model | None = None,
) -> EscalationProposal | None:
    """An Inadequate grade proposes an escalation (unsaved); any other grade proposes none."""
    if grade not in PracticeGrade.values:
        raise DomainError(f"Unknown grade: {grade!r}")
    if grade != PracticeGrade.INADEQUATE:
        return None
    reason = _validate_raise(kind, source, reason)
    deadline_on, _ = escalation_deadline(kind=kind, raised_at=clock.now())
    return EscalationProposal(
        child=child,
        kind=kind,
        source=source,
        reason=reason,
        raised_by=raised_by,
        reference=reference,
        deadline_on=deadline_on,
    )


# Steps


def _check_allowed(escalation: Escalation, action: str, by: Any) -> None:
    from .selectors import escalation_list_visible

    transition = TRANSITIONS.get(action)
    if transition is None:
        raise IllegalTransition(f"There is no step called {action!r}.")
    if by.role not in transition.roles:
        raise PermissionDenied(f"Your role cannot {transition.label.lower()}.")
    if not escalation_list_visible(user=by).filter(pk=escalation.pk).exists():
        raise PermissionDenied("This escalation is not in your area.")


def _lock(escalation: Escalation) -> Escalation:
    return (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("child", "district__area__assistant_director", "district__service_manager")
        .get(pk=escalation.pk)
    )


def _apply(locked: Escalation, action: str, by: Any, note: str) -> Escalation:
    transition = transition_for(action=action, status=locked.status)
    if transition is None:
        current = EscalationStatus(locked.status).label.lower()
        raise IllegalTransition(
            f"This escalation is {current}: it cannot move to "
            f"{EscalationStatus(TRANSITIONS[action].target).label.lower()} now."
            if action in TRANSITIONS
            else f"There is no step called {action!r}."
        )
    note = (note or "").strip()
    if transition.note_required and not note:
        raise DomainError(f"Enter the {transition.note_label.lower()}.")
    if len(note) > MAX_REASON:
        raise DomainError(f"{transition.note_label} must be {MAX_REASON} characters or fewer.")
    now = clock.now()
    previous = locked.status
    locked.status = transition.target
    if transition.target == EscalationStatus.SIGNED_OFF:
        locked.signed_off_at = now
    if transition.target in {EscalationStatus.CLOSED, EscalationStatus.CANCELLED}:
        locked.closed_at = now
    locked.save(update_fields=["status", "signed_off_at", "closed_at"])
    EscalationStep.objects.create(
        escalation=locked,
        action=action,
        from_status=previous,
        to_status=transition.target,
        by=by,
        at=now,
        note=note,
    )
    return locked


@transaction.atomic
def escalation_transition(
    *, escalation: Escalation, action: str, by: Any, note: str = ""
) -> Escalation:
    """Take one step of the workflow. Raises IllegalTransition (nothing changes) when the
    step is not allowed from the current state, PermissionDenied when the person may not."""
    if action == "close_without_sign_off":
        raise IllegalTransition("Closing without sign-off needs a second authorised person.")
    if action == "agree_actions":
        raise DomainError("Record agreed actions with escalation_agree_actions.")
    return _transition(escalation, action, by, note)


def _transition(escalation: Escalation, action: str, by: Any, note: str) -> Escalation:
    _check_allowed(escalation, action, by)
    updated = _apply(_lock(escalation), action, by, note)
    if updated.status == EscalationStatus.SIGNED_OFF:
        _notify_signed_off(updated)
    return updated


@transaction.atomic
def escalation_acknowledge(*, escalation: Escalation, by: Any, note: str = "") -> Escalation:
    return escalation_transition(escalation=escalation, action="acknowledge", by=by, note=note)


@transaction.atomic
def escalation_agree_actions(
    *, escalation: Escalation, by: Any, discussion: str, actions: list[str]
) -> Escalation:
    """Record the discussion and the agreed actions. Each action becomes a tracked Action
    owned by the practitioner (or the service manager when the case is unallocated), due on
    the escalation's deadline day."""
    titles = [a.strip() for a in actions if a and a.strip()]
    if not titles:
        raise DomainError("Enter at least one agreed action.")
    if any(len(t) > 200 for t in titles):
        raise DomainError("Each agreed action must be 200 characters or fewer.")
    note = (discussion or "").strip()
    if note:
        note = note + "\n\nAgreed actions:\n" + "\n".join(f"- {t}" for t in titles)
    updated = _transition(escalation, "agree_actions", by, note)
    owner = updated.practitioner or by.staff
    if owner is None:
        raise DomainError("The case has no allocated worker and your account has no staff record.")
    membership = TeamMembership.objects.filter(staff=owner, end_date__isnull=True).first()
    # A practice alert (from a CP chair's or IRO's review) gives practice-alert actions.
    source = (
        ActionSource.PRACTICE_ALERT
        if PracticeReview.objects.filter(alert=updated).exists()
        else ActionSource.ESCALATION
    )
    for title in titles:
        action_create(
            title=title,
            owner=owner,
            due_date=updated.deadline_on,
            source=source,
            created_by=by,
            reference=updated,
            child=updated.child,
            team=updated.team or (membership.team if membership else None),
        )
    _notify_actions_agreed(updated)
    return updated


@transaction.atomic
def escalation_confirm_on_file(*, escalation: Escalation, by: Any, note: str) -> Escalation:
    return escalation_transition(escalation=escalation, action="confirm_on_file", by=by, note=note)


@transaction.atomic
def escalation_sign_off(*, escalation: Escalation, by: Any, oversight: str) -> Escalation:
    """Record management oversight and sign off; the district assistant director is told."""
    return escalation_transition(escalation=escalation, action="sign_off", by=by, note=oversight)


@transaction.atomic
def escalation_close(*, escalation: Escalation, by: Any) -> Escalation:
    return escalation_transition(escalation=escalation, action="close", by=by)


@transaction.atomic
def escalation_cancel(*, escalation: Escalation, by: Any, reason: str) -> Escalation:
    return escalation_transition(escalation=escalation, action="cancel", by=by, note=reason)


# Second-person rule


@transaction.atomic
def second_person_request_create(
    *, escalation: Escalation, kind: str, by: Any, reason: str
) -> SecondPersonRequest:
    """Ask for a downgrade (safeguarding -> practice) or a close without sign-off. A second
    authorised person must decide it."""
    from .selectors import escalation_list_visible

    if by.role not in AUTHORISERS:
        raise PermissionDenied("Your role cannot ask for this change.")
    if not escalation_list_visible(user=by).filter(pk=escalation.pk).exists():
        raise PermissionDenied("This escalation is not in your area.")
    locked = _lock(escalation)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for the request.")
    if kind == SecondPersonRequestKind.DOWNGRADE:
        if locked.kind != EscalationKind.SAFEGUARDING:
            raise IllegalTransition("Only a safeguarding concern can be downgraded.")
        if locked.status not in BEFORE_SIGN_OFF:
            raise IllegalTransition("A concern can only be downgraded before it is signed off.")
    elif kind == SecondPersonRequestKind.CLOSE_WITHOUT_SIGN_OFF:
        if transition_for(action="close_without_sign_off", status=locked.status) is None:
            raise IllegalTransition("Only an escalation not yet signed off can be closed this way.")
    else:
        raise DomainError(f"Unknown kind of request: {kind!r}")
    if locked.requests.filter(decision=SecondPersonDecision.PENDING).exists():
        raise DomainError("A request on this escalation is already waiting for a decision.")
    return SecondPersonRequest.objects.create(
        escalation=locked, kind=kind, reason=reason, requested_by=by, requested_at=clock.now()
    )


@transaction.atomic
def second_person_request_decide(
    *, request: SecondPersonRequest, by: Any, approve: bool, note: str = ""
) -> SecondPersonRequest:
    """Approve or refuse a request. The decider must be authorised and not the requester.
    Approving applies the change (a downgrade re-computes the deadline as a practice concern)."""
    from .selectors import escalation_list_visible

    if by.role not in AUTHORISERS:
        raise PermissionDenied("Your role cannot decide this request.")
    locked_request = SecondPersonRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if locked_request.decision != SecondPersonDecision.PENDING:
        raise IllegalTransition("This request has already been decided.")
    if locked_request.requested_by_id == by.pk:
        raise PermissionDenied("A second person must decide: you asked for this change.")
    if not escalation_list_visible(user=by).filter(pk=locked_request.escalation_id).exists():
        raise PermissionDenied("This escalation is not in your area.")
    escalation = _lock(locked_request.escalation)
    now = clock.now()
    if approve:
        if locked_request.kind == SecondPersonRequestKind.DOWNGRADE:
            if (
                escalation.kind != EscalationKind.SAFEGUARDING
                or escalation.status not in BEFORE_SIGN_OFF
            ):
                raise IllegalTransition("This escalation can no longer be downgraded.")
            escalation.kind = EscalationKind.PRACTICE
            escalation.deadline_on, escalation.deadline_at = escalation_deadline(
                kind=EscalationKind.PRACTICE, raised_at=escalation.raised_at
            )
            escalation.save(update_fields=["kind", "deadline_on", "deadline_at"])
            EscalationStep.objects.create(
                escalation=escalation,
                action="downgrade",
                from_status=escalation.status,
                to_status=escalation.status,
                by=by,
                at=now,
                note=f"Downgraded to a practice concern, asked by "
                f"{locked_request.requested_by.get_full_name() or locked_request.requested_by.username}: "
                f"{locked_request.reason}",
            )
        else:
            _apply(escalation, "close_without_sign_off", by, locked_request.reason)
    locked_request.decision = (
        SecondPersonDecision.APPROVED if approve else SecondPersonDecision.REFUSED
    )
    locked_request.decided_by = by
    locked_request.decided_at = now
    locked_request.decision_note = (note or "").strip()
    locked_request.save(update_fields=["decision", "decided_by", "decided_at", "decision_note"])
    return locked_request


# Overdue sweep


def _send_reminder_once(escalation: Escalation, kind: str, now: dt.datetime) -> bool:
    """Record the reminder; True only for the run that recorded it (so it is sent once)."""
    try:
        with transaction.atomic():
            _, created = EscalationReminder.objects.get_or_create(
                escalation=escalation, kind=kind, defaults={"sent_at": now}
            )
    except IntegrityError:
        return False
    return created


@transaction.atomic
def escalation_sweep() -> dict[str, int]:
    """Daily: remind the service manager of each overdue escalation, then after a further
    working day notify the assistant director. Each reminder is sent once, however often
    this runs."""
    now = clock.now()
    closures = closure_days()
    counts = {"service_manager_reminders": 0, "assistant_director_notices": 0}
    overdue = Escalation.objects.filter(
        status__in=BEFORE_SIGN_OFF, deadline_at__lt=now
    ).select_related("child", "district__service_manager", "district__area__assistant_director")
    for escalation in overdue:
        service_manager = escalation.district.service_manager if escalation.district else None
        director = escalation.district.area.assistant_director if escalation.district else None
        if _send_reminder_once(escalation, ReminderKind.OVERDUE_SERVICE_MANAGER, now):
            counts["service_manager_reminders"] += 1
            notification_send(
                to=_emails([service_manager]) or _emails(qa_copy_list()),
                subject=f"Overdue: {escalation.reference_code} was due by {_deadline_text(escalation)}",
                body=(
                    f"The {escalation.get_kind_display().lower()} on child "
                    f"{escalation.child.council_child_id} has not been signed off. It was due by "
                    f"{_deadline_text(escalation)}.\n\n{_link(escalation)}\n"
                ),
            )
        further = add_working_days(escalation.deadline_on, 1, closures=closures)
        further_end = dt.datetime.combine(further, dt.time(23, 59, 59), tzinfo=LONDON)
        if now > further_end and _send_reminder_once(
            escalation, ReminderKind.OVERDUE_ASSISTANT_DIRECTOR, now
        ):
            counts["assistant_director_notices"] += 1
            notification_send(
                to=_emails([director]) or _emails(qa_copy_list()),
                cc=_emails([service_manager]),
                subject=f"Overdue escalation {escalation.reference_code} in your area",
                body=(
                    f"The {escalation.get_kind_display().lower()} on child "
                    f"{escalation.child.council_child_id} is more than a working day past its "
                    f"deadline ({_deadline_text(escalation)}) and has not been signed off.\n\n"
                    f"{_link(escalation)}\n"
                ),
            )
    return counts


# Closure days


@transaction.atomic
def closure_day_add(*, date: dt.date, reason: str, by: Any) -> ClosureDay:
    """Add a council closure day (QA unit). Existing deadlines are not moved."""
    if by.role != Role.QA_OFFICER:
        raise PermissionDenied("Only the QA unit manages closure days.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter why the council is closed that day.")
    if date.weekday() >= 5:
        raise DomainError("That day is a weekend: it is never a working day.")
    from qaf.calendar import bank_holidays

    if date in bank_holidays():
        raise DomainError("That day is already a bank holiday.")
    if ClosureDay.objects.filter(date=date).exists():
        raise DomainError("That day is already a closure day.")
    return ClosureDay.objects.create(
        date=date, reason=reason, created_by=by, created_at=clock.now()
    )


@transaction.atomic
def closure_day_remove(*, closure: ClosureDay, by: Any) -> None:
    if by.role != Role.QA_OFFICER:
        raise PermissionDenied("Only the QA unit manages closure days.")
    closure.delete()


# Practice reviews (CP chair and IRO quality assurance)

REVIEW_KINDS_FOR_ROLE: dict[str, set[str]] = {
    Role.CP_CHAIR: {ReviewKind.CP_CONFERENCE, ReviewKind.MIDWAY_REVIEW},
    Role.IRO: {ReviewKind.CIC_REVIEW, ReviewKind.MIDWAY_REVIEW},
    Role.QA_OFFICER: set(ReviewKind.values),
}
PLAN_KINDS = {
    ReviewKind.CP_CONFERENCE: [InvolvementKind.CP],
    ReviewKind.CIC_REVIEW: [InvolvementKind.CHILD_IN_CARE],
    ReviewKind.MIDWAY_REVIEW: [InvolvementKind.CP, InvolvementKind.CHILD_IN_CARE],
}


def _line_manager(practitioner: Staff | None, team_id: int | None) -> Staff | None:
    if practitioner is None:
        return None
    if practitioner.line_manager is not None:
        return practitioner.line_manager
    managers = [m for m in _team_managers(team_id) if m.pk != practitioner.pk]
    return managers[0] if managers else None


def _review_check(*, by: Any, kind: str, meeting_date: dt.date) -> None:
    allowed = REVIEW_KINDS_FOR_ROLE.get(by.role)
    if allowed is None or by.staff is None:
        raise PermissionDenied("Only CP chairs, IROs and the QA unit record practice reviews.")
    if kind not in ReviewKind.values:
        raise DomainError("Choose the kind of meeting.")
    if kind not in allowed:
        raise DomainError(f"Your role does not record {ReviewKind(kind).label.lower()}s.")
    if meeting_date > clock.today():
        raise DomainError("The meeting date must be today or in the past.")


def _review_involvements(child: Child, kind: str) -> tuple[Involvement | None, Involvement | None]:
    """(the plan the review is about, the involvement whose worker the practice is theirs)."""
    today = clock.today()
    open_ = child.involvements.filter(start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    plan = open_.filter(kind__in=PLAN_KINDS[ReviewKind(kind)]).order_by("-start_date").first()
    involvement = plan or open_.order_by("-start_date").first()
    if kind == ReviewKind.MIDWAY_REVIEW and plan is None:
        raise DomainError("A mid-way review needs an open child protection or child in care plan.")
    return plan, involvement


def _review_outcome(review: PracticeReview, *, by: Any) -> PracticeReview:
    """Outstanding: a practice appreciation; Inadequate: a practice alert (an escalation)."""
    child, kind, meeting_date, notes = review.child, review.kind, review.meeting_date, review.notes
    involvement = review.involvement or (
        child.involvements.filter(allocated_worker=review.practitioner)
        .order_by("-start_date")
        .first()
        if review.practitioner
        else None
    )
    if review.grade == PracticeGrade.OUTSTANDING:
        manager = _line_manager(review.practitioner, involvement.team_id if involvement else None)
        message = (
            f"{review.reviewer.full_name} found outstanding practice at the "
            f"{review.get_kind_display().lower()} on {meeting_date:%-d %B %Y} for child "
            f"{child.council_child_id}:\n\n{notes}"
        )
        PracticeAppreciation.objects.create(
            review=review,
            practitioner=review.practitioner,
            line_manager=manager,
            message=message,
            sent_at=clock.now(),
        )
        notification_send(
            to=_emails([review.practitioner]),
            cc=_emails([manager]),
            subject="Practice appreciation",
            body=message + "\n",
        )
    elif review.grade == PracticeGrade.INADEQUATE:
        source = (
            EscalationSource.IRO
            if by.role == Role.IRO or kind == ReviewKind.CIC_REVIEW
            else EscalationSource.CP_CHAIR
        )
        review.alert = escalation_raise(
            child=child,
            kind=EscalationKind.PRACTICE,
            raised_by=by,
            source=source,
            reason=f"Practice alert after the {review.get_kind_display().lower()} on "
            f"{meeting_date:%-d %B %Y}: {notes}",
            reference=review,
        )
        review.save(update_fields=["alert"])
    return review


@transaction.atomic
def practice_review_record(
    *,
    child: Child,
    by: Any,
    meeting_date: dt.date,
    kind: str,
    grade: str,
    notes: str,
) -> PracticeReview:
    """Record a CP chair's or IRO's quality assurance with the simple form (grade and notes).

    Outstanding: a practice appreciation goes to the practitioner and their line manager.
    Inadequate: a practice alert is raised (a practice-concern escalation).
    """
    _review_check(by=by, kind=kind, meeting_date=meeting_date)
    if grade not in PracticeGrade.values:
        raise DomainError("Choose the overall grade.")
    notes = (notes or "").strip()
    if not notes:
        raise DomainError("Enter notes on the practice seen.")
    if len(notes) > MAX_REASON:
        raise DomainError(f"Notes must be {MAX_REASON} characters or fewer.")
    plan, involvement = _review_involvements(child, kind)
    review = PracticeReview.objects.create(
        child=child,
        involvement=plan,
        reviewer=by.staff,
        practitioner=involvement.allocated_worker if involvement else None,
        meeting_date=meeting_date,
        kind=kind,
        grade=grade,
        notes=notes,
        recorded_by=by,
        recorded_at=clock.now(),
    )
    return _review_outcome(review, by=by)


CP_CHAIR_TOOL = "cp-chair-post-conference-qa"
IRO_TOOL = "iro-post-review-qa"


def practice_review_tool_key(*, kind: str, by: Any, plan: Involvement | None) -> str:
    """The library tool for the meeting: CP conferences the CP chair's form, child in care
    reviews the IRO's; a mid-way review the reviewer's own (the plan's kind for the QA unit)."""
    if kind == ReviewKind.CP_CONFERENCE:
        return CP_CHAIR_TOOL
    if kind == ReviewKind.CIC_REVIEW:
        return IRO_TOOL
    if by.role == Role.CP_CHAIR:
        return CP_CHAIR_TOOL
    if by.role == Role.IRO:
        return IRO_TOOL
    return CP_CHAIR_TOOL if plan is not None and plan.kind == InvolvementKind.CP else IRO_TOOL


def _published_tool(key: str) -> Any:
    from qaf.tools.selectors import tool_get, tool_version_current
    from qaf.tools.services import tool_library_load

    for attempt in range(2):
        tool = tool_get(key=key)
        version = tool_version_current(tool=tool) if tool is not None else None
        if version is not None:
            return version
        if attempt == 0 and tool is None:
            tool_library_load(by=None)
    raise DomainError(f"The QA form “{key}” has no published version: ask the QA unit.")


@transaction.atomic
def practice_review_start(
    *, child: Child, by: Any, meeting_date: dt.date, kind: str
) -> PracticeReview:
    """Start a CP chair's or IRO's QA form (from the tool library) for a meeting: a draft
    review linked to a new form response, authored by `by`, on the tool's current published
    version. The grade comes when the form is submitted (`practice_review_submit`)."""
    from qaf.tools.services import form_response_start

    _review_check(by=by, kind=kind, meeting_date=meeting_date)
    plan, involvement = _review_involvements(child, kind)
    version = _published_tool(practice_review_tool_key(kind=kind, by=by, plan=plan))
    response = form_response_start(
        tool_version=version, author=by, child=child, purpose="practice_review"
    )
    return PracticeReview.objects.create(
        child=child,
        involvement=plan,
        reviewer=by.staff,
        practitioner=involvement.allocated_worker if involvement else None,
        meeting_date=meeting_date,
        kind=kind,
        form=response,
        recorded_by=by,
        recorded_at=clock.now(),
    )


def _form_notes(response: Any) -> str:
    """The reviewer's notes for the appreciation or alert: the overall grade's reason and the
    sections' grade reasons, else a pointer to the form."""
    parts = [str(v) for k, v in response.answers.items() if k.endswith("_outcome_reason") and v] + [
        response.overall_grade_reason or ""
    ]
    parts += [(g or {}).get("reason", "") for g in response.section_grades.values()]
    text = "\n".join(p.strip() for p in parts if p and p.strip())
    return text or f"Graded on the {response.tool_version.tool.title} form."


@transaction.atomic
def practice_review_submit(
    *, review: PracticeReview, by: Any, expected_version: int | None = None
) -> PracticeReview:
    """Submit the review's QA form (`qaf.tools.services.form_response_submit`: raises
    FormIncomplete listing what is missing) and act on its overall grade: Outstanding sends a
    practice appreciation, Inadequate raises a practice alert."""
    from qaf.tools.services import form_response_submit

    locked = PracticeReview.objects.select_for_update().get(pk=review.pk)
    form = locked.form
    if form is None or not locked.is_draft:
        raise DomainError("This practice review has already been recorded.")
    if by.pk != locked.recorded_by_id:
        raise PermissionDenied("Only the reviewer submits their QA form.")
    if form.is_submitted:  # submitted on the tool engine's own pages: act on it now
        response = form
    else:
        response = form_response_submit(response=form, by=by, expected_version=expected_version)
    grade = response.overall_grade
    if grade not in PracticeGrade.values:
        raise DomainError("Choose the overall grade.")
    locked.grade = grade
    locked.notes = _form_notes(response)[:4000]
    locked.recorded_at = clock.now()
    locked.save(update_fields=["grade", "notes", "recorded_at"])
    return _review_outcome(locked, by=by)
