"""Writes for actions, action plans and meetings. Status changes follow ACTION_WORKFLOW
(workflows.py); who may do what is in permissions.py."""

from __future__ import annotations

import datetime as dt
import string
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Max, Q

from qaf.accounts.models import User
from qaf.common import clock
from qaf.common.errors import Conflict, IllegalTransition, Invalid, NotAllowed
from qaf.common.links import absolute_url
from qaf.common.notifications import notification_send
from qaf.common.permissions import allowed, require
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
from .workflows import ACTION_WORKFLOW, STEP_TO

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
        raise Invalid("Enter what needs to be done.")
    if len(title) > 200:
        raise Invalid("The action must be 200 characters or fewer.")
    return title


def _clean_text(text: str, what: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise Invalid(f"{what} must be {MAX_TEXT} characters or fewer.")
    return text


@transaction.atomic
def action_create(
    *,
    title: str,
    owner: Staff,
    due_date: dt.date,
    source: str,
    created_by: User,
    description: str = "",
    reference: models.Model | None = None,
    child: Any = None,
    plan: ActionPlan | None = None,
    meeting: Meeting | None = None,
    item_number: int | None = None,
    item_letter: str = "",
    team: Team | None = None,
) -> Action:
    """Create an action. Other apps (audits, moderation, escalations) call this; the caller
    has already decided that `created_by` may set it."""
    if source not in ActionSource.values:
        raise Invalid(f"Unknown source of action: {source!r}")
    if not isinstance(due_date, dt.date) or isinstance(due_date, dt.datetime):
        raise Invalid("Enter a due date.")
    if not owner.is_active:
        raise Invalid("The owner has left: choose someone else.")
    if reference is not None and reference.pk is None:
        raise Invalid("The reference must be saved first.")
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


@transaction.atomic
def action_set(
    *, title: str, owner: Staff, due_date: dt.date, by: User, description: str = ""
) -> Action:
    """A manager (or the QA unit) sets an action for someone directly."""
    require(by, "actions.set_actions")
    return action_create(
        title=title,
        owner=owner,
        due_date=due_date,
        source=ActionSource.MANUAL,
        created_by=by,
        description=description,
    )


@transaction.atomic
def action_update(*, action: Action, by: User, status: str, evidence: str = "") -> Action:
    """Move an action to `status` (the step that reaches it), recording the evidence; the same
    status records progress only. Done needs evidence of completion, and a plan action its
    effectiveness check first."""
    locked = Action.objects.select_for_update(of=("self",)).get(pk=action.pk)
    if status not in ActionStatus.values:
        raise Invalid("Choose a status.")
    evidence = _clean_text(evidence, "The evidence")
    if status == locked.status:
        if locked.status not in OPEN_STATUSES:
            raise IllegalTransition(
                f"This action is already {locked.get_status_display().lower()}."
            )
        require(by, "actions.update_action", locked)
    else:
        step = STEP_TO[status]
        ACTION_WORKFLOW.check(locked, step, by=by, reason=evidence)
        if status == ActionStatus.DONE:
            if locked.plan_id is not None and locked.effectiveness_checked_at is None:
                raise Invalid(
                    "This is a plan action: record an effectiveness check before it is closed."
                )
            locked.completed_at = clock.now()
        ACTION_WORKFLOW.move(locked, step, by=by, reason=evidence)
    locked.evidence = evidence
    locked.save(update_fields=["status", "evidence", "completed_at"])
    return locked


@transaction.atomic
def action_record_effectiveness(*, action: Action, by: User, note: str) -> Action:
    """Record whether a plan-level action made a difference (QA unit or the plan's owner)."""
    locked = Action.objects.select_for_update(of=("self",)).select_related("plan").get(pk=action.pk)
    if locked.plan is None:
        raise Invalid("Only plan actions have an effectiveness check.")
    if locked.status not in OPEN_STATUSES:
        raise IllegalTransition("This action is already closed.")
    if not allowed(by, "actions.check_effectiveness", locked):
        raise NotAllowed(
            "Only the QA unit or the plan's owner checks a plan action's effectiveness, "
            "never the action's own owner."
        )
    note = _clean_text(note, "The effectiveness check")
    if not note:
        raise Invalid("Describe how you checked the action made a difference.")
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
    by: User,
    service: Service | None = None,
    area: Area | None = None,
) -> ActionPlan:
    require(by, "actions.manage_plans")
    if kind not in PlanKind.values:
        raise Invalid("Choose the kind of plan.")
    title = (title or "").strip()
    if not title:
        raise Invalid("Enter the plan's title.")
    if len(title) > 200:
        raise Invalid("The plan's title must be 200 characters or fewer.")
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
    *,
    plan: ActionPlan,
    title: str,
    owner: Staff,
    due_date: dt.date,
    by: User,
    description: str = "",
) -> Action:
    require(by, "actions.manage_plans")
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
def meeting_create(*, kind: str, date: dt.date, by: User, minutes: str = "") -> Meeting:
    require(by, "actions.record_meetings")
    if kind not in MeetingKind.values:
        raise Invalid("Choose the kind of meeting.")
    if Meeting.objects.filter(kind=kind, date=date).exists():
        raise Invalid(f"There is already a {MeetingKind(kind).label} meeting on that day.")
    return Meeting.objects.create(
        kind=kind,
        date=date,
        minutes=_clean_text(minutes, "The minutes"),
        created_by=by,
        created_at=clock.now(),
    )


@transaction.atomic
def meeting_update_minutes(*, meeting: Meeting, by: User, minutes: str) -> Meeting:
    require(by, "actions.record_meetings")
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
    by: User,
    description: str = "",
) -> Action:
    """Add an action to the meeting's log against an agenda item: the first action on item 3
    is 3a, the next 3b, and so on."""
    require(by, "actions.record_meetings")
    if isinstance(item_number, bool) or not isinstance(item_number, int) or item_number < 1:
        raise Invalid("The agenda item number must be a whole number, 1 or more.")
    if item_number > 999:
        raise Invalid("The agenda item number must be 999 or less.")
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
        raise Invalid(f"Item {item_number} already has 26 actions: use another item number.")
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
        raise Conflict("Someone added an action to this item at the same time: try again.") from exc


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
