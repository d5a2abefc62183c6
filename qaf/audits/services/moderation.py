"""Moderation: the moderator starts it on a submitted audit, saves the grades (a change needs a
reason) and the checks of the auditor's actions, and finalises it with the audit
(MODERATION_WORKFLOW beside AUDIT_WORKFLOW)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction

from qaf.accounts.models import User
from qaf.common import clock
from qaf.common.errors import IllegalTransition, Invalid
from qaf.common.permissions import allowed

from .. import selectors
from ..agreement import GRADE_ORDER, outcome_for
from ..models import ActionCheck, Audit, AuditStatus, Moderation, ModerationStatus
from ..workflows import AUDIT_WORKFLOW, MODERATION_WORKFLOW
from .auditing import audit_move
from .common import AuditConflict, clean_text

GRADE_LABELS = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
}


@transaction.atomic
def moderation_start(*, audit: Audit, by: User) -> Moderation:
    """The moderator opens a submitted audit: submitted -> in moderation, with the moderation
    record (one per audit, however often this is asked)."""
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    existing = Moderation.objects.filter(audit=locked).first()
    started = locked.status == AuditStatus.IN_MODERATION and existing is not None
    if existing is not None and started and allowed(by, "audits.moderate_audit", locked):
        return existing  # the same request again (a double click)
    locked = audit_move(audit=locked, step="begin_moderation", by=by)
    moderator_id = locked.moderator_id
    assert moderator_id is not None  # the workflow let the audit's moderator begin
    now = clock.now()
    if existing is not None:  # a returned and resubmitted audit: moderate afresh
        existing.moderator_id = moderator_id
        existing.section_grades = {}
        existing.overall_grade = existing.overall_reason = existing.outcome = ""
        existing.updated_at = now
        existing.row_version += 1
        existing.save()
        return existing
    return Moderation.objects.create(
        audit=locked,
        moderator_id=moderator_id,
        created_at=now,
        updated_at=now,
    )


def _check_grades(
    audit: Audit, section_grades: Mapping[str, Mapping[str, str]], overall: str, overall_reason: str
) -> dict[str, dict[str, str]]:
    cleaned: dict[str, dict[str, str]] = {}
    for key, auditor_grade in audit.submitted_section_grades.items():
        entry = section_grades.get(key) or {}
        grade = (entry.get("grade") or "").strip()
        reason = (entry.get("reason") or "").strip()
        if not grade:
            continue
        if grade not in GRADE_ORDER:
            raise Invalid(f"Choose a grade for section {key}.")
        if grade != auditor_grade and not reason:
            raise Invalid(
                f"Give a reason for changing the grade of section {key} from "
                f"{GRADE_LABELS.get(auditor_grade, auditor_grade)} to {GRADE_LABELS[grade]}."
            )
        cleaned[key] = {"grade": grade, "reason": reason if grade != auditor_grade else ""}
    unknown = set(section_grades) - set(audit.submitted_section_grades)
    if unknown:
        raise Invalid(f"The audit has no section {sorted(unknown)[0]}.")
    if overall and overall not in GRADE_ORDER:
        raise Invalid("Choose an overall grade.")
    if overall and overall != audit.submitted_overall_grade and not overall_reason.strip():
        raise Invalid("Give a reason for changing the overall grade.")
    return cleaned


@transaction.atomic
def moderation_save(
    *,
    moderation: Moderation,
    by: User,
    expected_version: int,
    meeting_date: dt.date | None,
    attendees: str,
    section_grades: Mapping[str, Mapping[str, str]],
    overall_grade: str,
    overall_reason: str,
    action_checks: Mapping[str, str],
    notes: str = "",
) -> Moderation:
    locked = Moderation.objects.select_for_update().select_related("audit").get(pk=moderation.pk)
    MODERATION_WORKFLOW.check(locked, "save", by=by)
    if locked.audit.status != AuditStatus.IN_MODERATION:
        raise IllegalTransition(
            "This audit is no longer in moderation: the moderation cannot change."
        )
    attempted = {
        "meeting_date": meeting_date,
        "attendees": attendees,
        "section_grades": dict(section_grades),
        "overall_grade": overall_grade,
        "overall_reason": overall_reason,
        "notes": notes,
    }
    if locked.row_version != expected_version:
        raise AuditConflict(current=locked, attempted=attempted)
    if meeting_date is not None and meeting_date > clock.today():
        raise Invalid("The meeting date must be today or in the past.")
    action_ids = {str(a.pk) for a in selectors.audit_actions(audit=locked.audit)}
    for key, value in action_checks.items():
        if key not in action_ids:
            raise Invalid("That action is not one of the auditor's actions.")
        if value and value not in ActionCheck.values:
            raise Invalid("Mark each action done, not done or not yet due.")
    locked.section_grades = _check_grades(
        locked.audit, section_grades, overall_grade, overall_reason
    )
    locked.meeting_date = meeting_date
    locked.attendees = clean_text(attendees, "who attended", required=False, limit=2000)
    locked.overall_grade = overall_grade
    locked.overall_reason = (
        overall_reason.strip() if overall_grade != locked.audit.submitted_overall_grade else ""
    )
    locked.action_checks = {k: v for k, v in action_checks.items() if v}
    locked.notes = clean_text(notes, "notes", required=False)
    locked.outcome = (
        outcome_for(
            auditor_grade=locked.audit.submitted_overall_grade, moderator_grade=overall_grade
        )
        if overall_grade and locked.audit.submitted_overall_grade in GRADE_ORDER
        else ""
    )
    locked.updated_at = clock.now()
    locked.row_version += 1
    locked.save()
    return locked


def moderation_missing(*, moderation: Moderation) -> list[str]:
    """What must be recorded before finalising, as messages for the page."""
    audit = moderation.audit
    missing = []
    if moderation.meeting_date is None:
        missing.append("Enter the date of the moderation meeting")
    if not moderation.attendees.strip():
        missing.append("Enter who attended the moderation meeting")
    for key in audit.submitted_section_grades:
        if key not in moderation.section_grades:
            missing.append(f"Agree or change the grade of section {key}")
    if not moderation.overall_grade:
        missing.append("Agree or change the overall grade")
    for action in selectors.audit_actions(audit=audit):
        if str(action.pk) not in moderation.action_checks:
            missing.append(f"Mark the action “{action.title}” done, not done or not yet due")
    return missing


@transaction.atomic
def moderation_finalise(
    *, moderation: Moderation, by: User, expected_version: int, confirmed_outcome: str
) -> Moderation:
    """Finalise the moderation and, with it, the audit: the outcome (agreed / upgraded /
    downgraded, derived from the grades) is confirmed by the moderator; the service manager
    and the auditor are sent the result. Finalising twice from the same page finalises once."""
    locked = Moderation.objects.select_for_update().get(pk=moderation.pk)
    audit = Audit.objects.select_for_update().get(pk=locked.audit_id)
    locked.audit = audit
    repeat = locked.status == ModerationStatus.FINALISED and (
        locked.row_version == expected_version + 1
    )
    if repeat and allowed(by, "audits.moderate_audit", audit):
        return locked
    AUDIT_WORKFLOW.check(audit, "finalise", by=by)
    MODERATION_WORKFLOW.check(locked, "finalise", by=by)
    if locked.row_version != expected_version:
        raise AuditConflict(current=locked, attempted={"outcome": confirmed_outcome})
    missing = moderation_missing(moderation=locked)
    if missing:
        raise Invalid("The moderation cannot be finalised yet: " + "; ".join(missing) + ".")
    if confirmed_outcome != locked.outcome:
        raise Invalid(
            f"The grades make the outcome {locked.get_outcome_display().lower()}: confirm that "
            "outcome, or change the grades."
        )
    MODERATION_WORKFLOW.move(locked, "finalise", by=by)
    locked.finalised_at = clock.now()
    locked.finalised_by = by
    locked.row_version += 1
    locked.save()
    audit_move(audit=audit, step="finalise", by=by)
    return locked
