"""The audit itself: its workflow steps (AUDIT_WORKFLOW), the auditor's form and actions, and
the practitioner's reflection. An audit's status changes only in `audit_move`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import IntegrityError, transaction

from qaf.accounts.models import User
from qaf.actions.models import Action, ActionSource
from qaf.actions.services import action_create
from qaf.common import clock
from qaf.common.errors import Conflict, IllegalTransition, Invalid, NotAllowed
from qaf.common.permissions import allowed
from qaf.organisation.models import Staff
from qaf.tools.models import FormResponse

from .. import selectors
from ..models import (
    AUDIT_SHARED,
    AUDITOR_EDITABLE,
    Audit,
    AuditStatus,
    AuditTransition,
    Moderation,
    Reflection,
)
from ..workflows import AUDIT_WORKFLOW, MODERATION_STEPS
from .common import AuditConflict, clean_text
from .cycles import cycle_tool_for
from .notifications import notify_step


def _is_repeat(locked: Audit, step: str, by: User, expected_version: int | None) -> bool:
    """The same step asked for again by the same person from the page they read before it
    (a double click or a retry): answered with the result instead of an error."""
    target = AUDIT_WORKFLOW.steps[step].target if step in AUDIT_WORKFLOW.steps else None
    if target is None or expected_version is None:
        return False
    if locked.row_version != expected_version + 1 or locked.status != target:
        return False
    last = locked.transitions.order_by("-at", "-pk").first()
    return last is not None and last.to_status == target and last.by_id == by.pk


def audit_move(*, audit: Audit, step: str, by: User, reason: str = "") -> Audit:
    """Take one step of the audit workflow on an audit locked by the caller, inside the
    caller's transaction: the table's check (IllegalTransition, NotAllowed, Invalid), what the
    step itself does (a submission snapshots the grades), the new status, the history row and
    the emails (sent after commit)."""
    previous = AUDIT_WORKFLOW.move(audit, step, by=by, reason=reason)
    now = clock.now()
    if step == "submit":
        _snapshot_grades(audit, by)
        audit.submitted_at = now
    if step == "finalise":
        audit.finalised_at = now
    audit.row_version += 1
    audit.save()
    AuditTransition.objects.create(
        audit=audit,
        from_status=previous,
        to_status=audit.status,
        by=by,
        at=now,
        reason=reason.strip(),
    )
    notify_step(audit, step, reason.strip())
    return audit


@transaction.atomic
def audit_transition(
    *,
    audit: Audit,
    action: str,
    by: User,
    reason: str = "",
    expected_version: int | None = None,
) -> Audit:
    """Take a step of the audit's workflow: start, submit, resume, return or cancel (what the
    API's steps endpoint offers). Refused steps raise and change nothing; a stale
    `expected_version` raises AuditConflict; the same step twice from the same page is taken
    once. Moderation is started and finalised through moderation_start and
    moderation_finalise only."""
    if action in MODERATION_STEPS:
        raise IllegalTransition(
            "Moderation is started and finalised from the moderation page, not as a bare step."
        )
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    if _is_repeat(locked, action, by, expected_version):
        return locked
    AUDIT_WORKFLOW.check(locked, action, by=by, reason=reason)
    if expected_version is not None and locked.row_version != expected_version:
        raise AuditConflict(current=locked, attempted={"action": action, "reason": reason})
    return audit_move(audit=locked, step=action, by=by, reason=reason)


def _snapshot_grades(audit: Audit, by: User) -> None:
    """Submit the audit's form through the tools engine and keep its grades on the audit."""
    from qaf.tools.services import form_response_submit

    form = audit.form
    if form is None:
        raise Invalid("Complete the audit form before submitting.")
    if not form.is_submitted:
        form = form_response_submit(response=form, by=by)
    # The tools engine keeps {"grade", "suggested", "reason"} per section; the audit keeps the
    # chosen grade alone (what moderation and the agreement statistics compare).
    audit.submitted_section_grades = {
        key: (entry.get("grade", "") if isinstance(entry, Mapping) else str(entry))
        for key, entry in form.section_grades.items()
    }
    audit.submitted_overall_grade = form.overall_grade


@transaction.atomic
def audit_open_form(*, audit: Audit, by: User) -> Audit:
    """The auditor opens the audit: start it (allocated -> in progress, returned -> in
    progress) and make sure it has its form on the cycle's tool for the case's service."""
    from qaf.tools.services import form_response_start

    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    if locked.status not in AUDITOR_EDITABLE:
        label = AUDIT_WORKFLOW.label_of(locked.status).lower()
        raise IllegalTransition(f"This audit is {label}: it cannot be changed now.")
    if not allowed(by, "audits.submit_audit", locked):
        raise NotAllowed("Only the auditor can work on this audit.")
    if locked.status == AuditStatus.ALLOCATED:
        locked = audit_move(audit=locked, step="start", by=by)
    elif locked.status == AuditStatus.RETURNED:
        locked = audit_move(audit=locked, step="resume", by=by)
        if locked.form is not None and locked.form.is_submitted:
            locked.form = _reopen_form(locked, by)
            locked.save(update_fields=["form"])
    if locked.form is None:
        tool_version = cycle_tool_for(cycle=locked.cycle, service_id=locked.team.service_id)
        locked.form = form_response_start(
            tool_version=tool_version, author=by, child=locked.child, purpose="audit"
        )
        locked.save(update_fields=["form"])
    return locked


def _reopen_form(audit: Audit, by: User) -> FormResponse:
    """A returned audit: the auditor works on a new draft holding the returned answers (a
    submitted form never changes; the returned one stays in the history)."""
    from qaf.tools.services import form_response_start

    old = audit.form
    if old is None:
        raise Conflict("This audit has no form to reopen.")
    new = form_response_start(
        tool_version=old.tool_version, author=by, child=audit.child, purpose="audit"
    )
    new.answers = dict(old.answers)
    new.section_grades = dict(old.section_grades)
    new.overall_grade = old.overall_grade
    new.overall_grade_reason = old.overall_grade_reason
    new.save()
    return new


@transaction.atomic
def audit_action_add(
    *,
    audit: Audit,
    by: User,
    title: str,
    owner: Staff,
    due_date: dt.date,
    description: str = "",
) -> Action:
    """An action the auditor (or, during moderation, the moderator) sets on the case."""
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    is_auditor = allowed(by, "audits.submit_audit", locked)
    if not (is_auditor or allowed(by, "audits.moderate_audit", locked)):
        raise NotAllowed("Only the audit's auditor or moderator can add actions to it.")
    if not allowed(by, "audits.add_audit_action", locked):
        raise IllegalTransition(
            "Actions can be added by the auditor before submitting, or by "
            "the moderator during moderation."
        )
    reference: Audit | Moderation
    if is_auditor and locked.status != AuditStatus.IN_MODERATION:
        source, reference = ActionSource.AUDIT, locked
    else:
        source, reference = ActionSource.MODERATION, locked.moderation
    if due_date < clock.today():
        raise Invalid("The due date must be today or in the future.")
    # The same action sent twice (double click, retry) is one action.
    same = [
        a
        for a in selectors.audit_actions(audit=locked)
        if a.title == title.strip() and a.owner_id == owner.pk and a.due_date == due_date
    ]
    if same:
        return same[0]
    return action_create(
        title=title,
        owner=owner,
        due_date=due_date,
        source=source,
        created_by=by,
        description=description,
        reference=reference,
        child=locked.child,
    )


@transaction.atomic
def reflection_add(*, audit: Audit, by: User, text: str, idempotency_key: str) -> Reflection:
    """The practitioner (or a manager of their team) reflects on a submitted audit. The same
    form sent twice (same key) adds one reflection."""
    existing = Reflection.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.author_id != by.pk or existing.audit_id != audit.pk:
            raise Conflict("This form has already been used: reload the page.")
        return existing
    text = clean_text(text, "your reflection")
    if not allowed(by, "audits.reflect_on_audit", audit):
        if audit.status not in AUDIT_SHARED:
            raise IllegalTransition("Reflections can be added once the audit is submitted.")
        raise NotAllowed("Only the practitioner and their team manager can add a reflection.")
    try:
        with transaction.atomic():
            return Reflection.objects.create(
                audit=audit,
                author=by,
                text=text,
                created_at=clock.now(),
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        return Reflection.objects.get(idempotency_key=idempotency_key)
