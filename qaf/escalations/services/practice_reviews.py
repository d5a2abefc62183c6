"""Practice reviews: a CP chair's or IRO's quality assurance after a conference or review.
Outstanding sends a practice appreciation; Inadequate raises a practice alert (an escalation)."""

import datetime as dt
from typing import Any, cast

from django.db import transaction
from django.db.models import Q

from qaf.accounts.models import User
from qaf.accounts.permissions import is_cp_chair, is_iro
from qaf.cases.models import Child, Involvement, InvolvementKind
from qaf.common import clock
from qaf.common.errors import Conflict, IllegalTransition, Invalid, NotAllowed
from qaf.common.notifications import notification_send
from qaf.common.permissions import allowed
from qaf.organisation.models import Staff

from ..models import (
    EscalationKind,
    EscalationSource,
    PracticeAppreciation,
    PracticeGrade,
    PracticeReview,
    ReviewKind,
)
from .notify import emails_of, team_managers
from .raising import escalation_raise

MAX_NOTES = 5000
CP_CHAIR_TOOL = "cp-chair-post-conference-qa"
IRO_TOOL = "iro-post-review-qa"
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
    managers = [m for m in team_managers(team_id) if m.pk != practitioner.pk]
    return managers[0] if managers else None


def _review_check(*, by: User, kind: str, meeting_date: dt.date) -> Staff:
    """The reviewer's staff record, once the person may record this kind of meeting then."""
    if not allowed(by, "escalations.record_practice_reviews"):
        raise NotAllowed("Only CP chairs, IROs and the QA unit record practice reviews.")
    if kind not in ReviewKind.values:
        raise Invalid("Choose the kind of meeting.")
    # A choice among the person's own kinds of meeting, like choosing from their caseload.
    if not allowed(by, "escalations.record_review_of_kind", kind):
        raise Invalid(f"Your role does not record {ReviewKind(kind).label.lower()}s.")
    if meeting_date > clock.today():
        raise Invalid("The meeting date must be today or in the past.")
    return cast(Staff, by.staff)  # the rule above needs a staff record


def _review_involvements(child: Child, kind: str) -> tuple[Involvement | None, Involvement | None]:
    """(the plan the review is about, the involvement whose worker the practice is theirs)."""
    today = clock.today()
    open_ = child.involvements.filter(start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    plan = open_.filter(kind__in=PLAN_KINDS[ReviewKind(kind)]).order_by("-start_date").first()
    involvement = plan or open_.order_by("-start_date").first()
    if kind == ReviewKind.MIDWAY_REVIEW and plan is None:
        raise Invalid("A mid-way review needs an open child protection or child in care plan.")
    return plan, involvement


def _review_outcome(review: PracticeReview, *, by: User) -> PracticeReview:
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
            to=emails_of([review.practitioner]),
            cc=emails_of([manager]),
            subject="Practice appreciation",
            body=message + "\n",
        )
    elif review.grade == PracticeGrade.INADEQUATE:
        source = (
            EscalationSource.IRO
            if is_iro(by) or kind == ReviewKind.CIC_REVIEW
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
    by: User,
    meeting_date: dt.date,
    kind: str,
    grade: str,
    notes: str,
) -> PracticeReview:
    """Record a CP chair's or IRO's quality assurance with the simple form (grade and notes).

    Outstanding: a practice appreciation goes to the practitioner and their line manager.
    Inadequate: a practice alert is raised (a practice-concern escalation).
    """
    reviewer = _review_check(by=by, kind=kind, meeting_date=meeting_date)
    if grade not in PracticeGrade.values:
        raise Invalid("Choose the overall grade.")
    notes = (notes or "").strip()
    if not notes:
        raise Invalid("Enter notes on the practice seen.")
    if len(notes) > MAX_NOTES:
        raise Invalid(f"Notes must be {MAX_NOTES} characters or fewer.")
    plan, involvement = _review_involvements(child, kind)
    review = PracticeReview.objects.create(
        child=child,
        involvement=plan,
        reviewer=reviewer,
        practitioner=involvement.allocated_worker if involvement else None,
        meeting_date=meeting_date,
        kind=kind,
        grade=grade,
        notes=notes,
        recorded_by=by,
        recorded_at=clock.now(),
    )
    return _review_outcome(review, by=by)


def practice_review_tool_key(*, kind: str, by: User, plan: Involvement | None) -> str:
    """The library tool for the meeting: CP conferences the CP chair's form, child in care
    reviews the IRO's; a mid-way review the reviewer's own (the plan's kind for the QA unit)."""
    if kind == ReviewKind.CP_CONFERENCE:
        return CP_CHAIR_TOOL
    if kind == ReviewKind.CIC_REVIEW:
        return IRO_TOOL
    if is_cp_chair(by):
        return CP_CHAIR_TOOL
    if is_iro(by):
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
    raise Conflict(f"The QA form “{key}” has no published version: ask the QA unit.")


@transaction.atomic
def practice_review_start(
    *, child: Child, by: User, meeting_date: dt.date, kind: str
) -> PracticeReview:
    """Start a CP chair's or IRO's QA form (from the tool library) for a meeting: a draft
    review linked to a new form response, authored by `by`, on the tool's current published
    version. The grade comes when the form is submitted (`practice_review_submit`)."""
    from qaf.tools.services import form_response_start

    reviewer = _review_check(by=by, kind=kind, meeting_date=meeting_date)
    plan, involvement = _review_involvements(child, kind)
    version = _published_tool(practice_review_tool_key(kind=kind, by=by, plan=plan))
    response = form_response_start(
        tool_version=version, author=by, child=child, purpose="practice_review"
    )
    return PracticeReview.objects.create(
        child=child,
        involvement=plan,
        reviewer=reviewer,
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
    *,
    review: PracticeReview,
    by: User,
    grade: str | None = None,
    grade_reason: str = "",
    expected_version: int | None = None,
) -> PracticeReview:
    """Record the review from its QA form, in one transaction: set the form's overall grade
    (when `grade` is given), submit the form (`form_response_submit`: raises FormIncomplete
    listing what is missing, and nothing changes), and act on the grade: Outstanding sends a
    practice appreciation, Inadequate raises a practice alert."""
    from qaf.tools.services import form_response_set_grade, form_response_submit

    locked = PracticeReview.objects.select_for_update().get(pk=review.pk)
    form = locked.form
    if form is None or not locked.is_draft:
        raise IllegalTransition("This practice review has already been recorded.")
    if not allowed(by, "escalations.fill_practice_review", locked):
        raise NotAllowed("Only the reviewer submits their QA form.")
    if form.is_submitted:  # submitted on the tool engine's own pages: act on it now
        response = form
    else:
        if grade is not None:
            form = form_response_set_grade(
                response=form,
                section_key=None,
                grade=grade,
                reason=grade_reason,
                by=by,
                expected_version=form.row_version if expected_version is None else expected_version,
            )
            expected_version = form.row_version
        response = form_response_submit(response=form, by=by, expected_version=expected_version)
    overall = response.overall_grade
    if overall not in PracticeGrade.values:
        raise Invalid("Choose the overall grade.")
    locked.grade = overall
    locked.notes = _form_notes(response)[:4000]
    locked.recorded_at = clock.now()
    locked.save(update_fields=["grade", "notes", "recorded_at"])
    return _review_outcome(locked, by=by)
