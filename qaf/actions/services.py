"""Writes for actions, action plans and meetings. Status changes follow one table."""

from __future__ import annotations

import datetime as dt
import string
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import Max, Q

from qaf.accounts.models import Role
from qaf.common import clock
from qaf.common.errors import DomainError, IllegalTransition
from qaf.common.links import absolute_url
from qaf.common.notifications import notification_send
from qaf.organisation.models import Area, Service, Staff, Team, TeamMembership

from .models import (
    OPEN_STATUSES,
    Action,
    ActionPlan,
    ActionReminder,
    ActionSource,
    ActionStatus,
    Meeting,
    MeetingKind,
    PlanKind,
)

# status -> statuses it may move to. Done and cancelled are final.
ACTION_TRANSITIONS: dict[str, frozenset[str]] = {
    ActionStatus.OPEN: frozenset(
        {ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.CANCELLED}
    ),
    ActionStatus.IN_PROGRESS: frozenset(
        {ActionStatus.OPEN, ActionStatus.DONE, ActionStatus.CANCELLED}
    ),
    ActionStatus.DONE: frozenset(),
    ActionStatus.CANCELLED: frozenset(),
}
# Who sets actions for others, runs meetings and owns plans.
LEADERS = frozenset({Role.QA_OFFICER, Role.DIRECTOR, Role.ASSISTANT_DIRECTOR, Role.SERVICE_MANAGER})
SETTERS = LEADERS | {Role.TEAM_MANAGER}
MAX_TEXT = 5000


def _current_team(staff: Staff) -> Team | None:
    today = clock.today()
    membership = (
        TeamMembership.objects.filter(staff=staff, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("team")
        .order_by("-start_date")
        .first()
    )
    return membership.team if membership else None


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise DomainError("Enter what needs to be done.")
    if len(title) > 200:
        raise DomainError("The action must be 200 characters or fewer.")
    return title


def _clean_text(text: str, what: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise DomainError(f"{what} must be {MAX_TEXT} characters or fewer.")
    return text


@transaction.atomic
def action_create(
    *,
    title: str,
    owner: Staff,
    due_date: dt.date,
    source: str,
    created_by: Any,
    description: str = "",
    reference: models.Model | None = None,
    child: Any = None,
    plan: ActionPlan | None = None,
    meeting: Meeting | None = None,
    item_number: int | None = None,
    item_letter: str = "",
    team: Team | None = None,
) -> Action:
    """Create an action. Other apps (audits, moderation, escalations) call this."""
    if source not in ActionSource.values:
        raise DomainError(f"Unknown source of action: {source!r}")
    if not isinstance(due_date, dt.date) or isinstance(due_date, dt.datetime):
        raise DomainError("Enter a due date.")
    if not owner.is_active:
        raise DomainError("The owner has left: choose someone else.")
    if reference is not None and reference.pk is None:
        raise DomainError("The reference must be saved first.")
    return Action.objects.create(
        title=_clean_title(title),
        description=_clean_text(description, "The description"),
        owner=owner,
        team=team or _current_team(owner),
        due_date=due_date,
        source=source,
        reference_type=ContentType.objects.get_for_model(reference) if reference else None,
        reference_id=str(reference.pk) if reference else "",
        child=child,
        plan=plan,
        meeting=meeting,
        item_number=item_number,
        item_letter=item_letter,
        created_by=created_by,
        created_at=clock.now(),
    )


def _may_update(action: Action, by: Any) -> bool:
    from .selectors import action_list_visible

    if by.role == Role.QA_OFFICER:
        return True
    if by.staff is not None and action.owner_id == by.staff.pk:
        return True
    return by.role in SETTERS and action_list_visible(user=by).filter(pk=action.pk).exists()


@transaction.atomic
def action_update(*, action: Action, by: Any, status: str, evidence: str = "") -> Action:
    """Change an action's status (and evidence). Done needs evidence of completion; a
    plan-level action needs an effectiveness check before it is done."""
    if not _may_update(action, by):
        raise PermissionDenied("You cannot update this action.")
    locked = Action.objects.select_for_update(of=("self",)).get(pk=action.pk)
    if status not in ActionStatus.values:
        raise DomainError("Choose a status.")
    evidence = _clean_text(evidence, "The evidence")
    if status != locked.status:
        if status not in ACTION_TRANSITIONS[locked.status]:
            raise IllegalTransition(
                f"This action is {locked.get_status_display().lower()}: it cannot become "
                f"{ActionStatus(status).label.lower()}."
            )
    elif status not in OPEN_STATUSES:
        raise IllegalTransition(f"This action is already {locked.get_status_display().lower()}.")
    if status == ActionStatus.DONE:
        if not evidence:
            raise DomainError("Enter the evidence that the action is complete.")
        if locked.plan_id is not None and locked.effectiveness_checked_at is None:
            raise DomainError(
                "This is a plan action: record an effectiveness check before it is closed."
            )
        locked.completed_at = clock.now()
    locked.status = status
    locked.evidence = evidence
    locked.save(update_fields=["status", "evidence", "completed_at"])
    return locked


@transaction.atomic
def action_record_effectiveness(*, action: Action, by: Any, note: str) -> Action:
    """Record whether a plan-level action made a difference (QA unit or the plan's owner)."""
    locked = Action.objects.select_for_update(of=("self",)).select_related("plan").get(pk=action.pk)
    if locked.plan is None:
        raise DomainError("Only plan actions have an effectiveness check.")
    plan_owner = by.staff is not None and locked.plan.owner_id == by.staff.pk
    if by.role != Role.QA_OFFICER and not plan_owner:
        raise PermissionDenied("Only the QA unit or the plan's owner checks effectiveness.")
    if by.staff is not None and locked.owner_id == by.staff.pk:
        raise PermissionDenied("The action's owner cannot check its own effectiveness.")
    if locked.status not in OPEN_STATUSES:
        raise IllegalTransition("This action is already closed.")
    note = _clean_text(note, "The effectiveness check")
    if not note:
        raise DomainError("Describe how you checked the action made a difference.")
    locked.effectiveness_checked_by = by
    locked.effectiveness_checked_at = clock.now()
    locked.effectiveness_note = note
    locked.save(
        update_fields=["effectiveness_checked_by", "effectiveness_checked_at", "effectiveness_note"]
    )
    return locked


# Plans


@transaction.atomic
def action_plan_create(
    *,
    kind: str,
    title: str,
    owner: Staff,
    by: Any,
    service: Service | None = None,
    area: Area | None = None,
) -> ActionPlan:
    if by.role not in LEADERS:
        raise PermissionDenied("Your role cannot create action plans.")
    if kind not in PlanKind.values:
        raise DomainError("Choose the kind of plan.")
    title = (title or "").strip()
    if not title:
        raise DomainError("Enter the plan's title.")
    if len(title) > 200:
        raise DomainError("The plan's title must be 200 characters or fewer.")
    return ActionPlan.objects.create(
        kind=kind,
        title=title,
        owner=owner,
        service=service,
        area=area,
        created_by=by,
        created_at=clock.now(),
    )


PLAN_SOURCE = {
    PlanKind.SERVICE_IMPROVEMENT: ActionSource.MANUAL,
    PlanKind.MULTI_AGENCY: ActionSource.THEMATIC,
    PlanKind.COA_NEXT_STEPS: ActionSource.COA,
}


@transaction.atomic
def action_plan_add_action(
    *, plan: ActionPlan, title: str, owner: Staff, due_date: dt.date, by: Any, description: str = ""
) -> Action:
    if by.role not in LEADERS:
        raise PermissionDenied("Your role cannot add actions to plans.")
    return action_create(
        title=title,
        owner=owner,
        due_date=due_date,
        source=PLAN_SOURCE[PlanKind(plan.kind)],
        created_by=by,
        description=description,
        plan=plan,
        reference=plan,
    )


# Meetings and action logs


@transaction.atomic
def meeting_create(*, kind: str, date: dt.date, by: Any, minutes: str = "") -> Meeting:
    if by.role not in LEADERS:
        raise PermissionDenied("Your role cannot record meetings.")
    if kind not in MeetingKind.values:
        raise DomainError("Choose the kind of meeting.")
    if Meeting.objects.filter(kind=kind, date=date).exists():
        raise DomainError(f"There is already a {MeetingKind(kind).label} meeting on that day.")
    return Meeting.objects.create(
        kind=kind,
        date=date,
        minutes=_clean_text(minutes, "The minutes"),
        created_by=by,
        created_at=clock.now(),
    )


@transaction.atomic
def meeting_update_minutes(*, meeting: Meeting, by: Any, minutes: str) -> Meeting:
    if by.role not in LEADERS:
        raise PermissionDenied("Your role cannot record meetings.")
    meeting.minutes = _clean_text(minutes, "The minutes")
    meeting.save(update_fields=["minutes"])
    return meeting


@transaction.atomic
def meeting_add_action(
    *,
    meeting: Meeting,
    item_number: int,
    title: str,
    lead: Staff,
    due_date: dt.date,
    by: Any,
    description: str = "",
) -> Action:
    """Add an action to the meeting's log against an agenda item: the first action on item 3
    is 3a, the next 3b, and so on."""
    if by.role not in LEADERS:
        raise PermissionDenied("Your role cannot record meetings.")
    if isinstance(item_number, bool) or not isinstance(item_number, int) or item_number < 1:
        raise DomainError("The agenda item number must be a whole number, 1 or more.")
    if item_number > 999:
        raise DomainError("The agenda item number must be 999 or less.")
    Meeting.objects.select_for_update(of=("self",)).filter(
        pk=meeting.pk
    ).first()  # serialise numbering
    used = set(
        Action.objects.filter(meeting=meeting, item_number=item_number).values_list(
            "item_letter", flat=True
        )
    )
    letter = next((c for c in string.ascii_lowercase if c not in used), None)
    if letter is None:
        raise DomainError(f"Item {item_number} already has 26 actions: use another item number.")
    try:
        with transaction.atomic():
            return action_create(
                title=title,
                owner=lead,
                due_date=due_date,
                source=ActionSource.MEETING,
                created_by=by,
                description=description,
                reference=meeting,
                meeting=meeting,
                item_number=item_number,
                item_letter=letter,
            )
    except IntegrityError as exc:
        raise DomainError(
            "Someone added an action to this item at the same time: try again."
        ) from exc


def meeting_next_item_number(*, meeting: Meeting) -> int:
    top = Action.objects.filter(meeting=meeting).aggregate(n=Max("item_number"))["n"]
    return (top or 0) + 1


# Overdue sweep


def _send_once(action: Action, now: dt.datetime) -> bool:
    try:
        with transaction.atomic():
            _, created = ActionReminder.objects.get_or_create(
                action=action, due_date=action.due_date, defaults={"sent_at": now}
            )
    except IntegrityError:
        return False
    return created


@transaction.atomic
def action_sweep() -> int:
    """Remind owners (copying their line manager) of overdue open actions, once for each due
    date: safe to run as often as you like. Returns the number of reminders sent."""
    now = clock.now()
    today = clock.today()
    sent = 0
    overdue = Action.objects.filter(status__in=OPEN_STATUSES, due_date__lt=today).select_related(
        "owner__line_manager"
    )
    for action in overdue:
        if not _send_once(action, now):
            continue
        sent += 1
        manager = action.owner.line_manager
        notification_send(
            to=[action.owner.email],
            cc=[manager.email] if manager and manager.email else [],
            subject=f"Overdue action: {' '.join(action.title.split())}"[:200],
            body=(
                f"This action was due on {action.due_date:%-d %B %Y} and is still "
                f"{action.get_status_display().lower()}.\n\n"
                f"{absolute_url('actions:detail', action.pk)}\n"
            ),
        )
    return sent
