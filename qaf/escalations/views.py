from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qaf.accounts.models import Role
from qaf.cases.selectors import child_get_visible, child_list_visible
from qaf.common import clock
from qaf.common.errors import DomainError

from . import services
from .forms import (
    AgreeActionsForm,
    ClosureDayForm,
    DecideForm,
    NoteForm,
    PracticeReviewForm,
    RaiseForm,
    RequestForm,
)
from .models import ClosureDay, EscalationStatus, SecondPersonDecision, SecondPersonRequest
from .selectors import (
    children_reviewable,
    closure_day_list,
    escalation_dashboard,
    escalation_get_visible,
    escalation_is_overdue,
    escalation_list_open_first,
    escalation_list_visible,
    escalation_steps,
    practice_review_get_visible,
    practice_review_list_visible,
    second_person_request_list,
    second_person_request_list_awaiting,
    second_person_request_pending,
)
from .transitions import AUTHORISERS, TRANSITIONS, transition_for

STEP_ACTIONS = ("acknowledge", "agree_actions", "confirm_on_file", "sign_off", "close", "cancel")
STATUS_COLOURS = {
    EscalationStatus.RAISED: "red",
    EscalationStatus.ACKNOWLEDGED: "orange",
    EscalationStatus.ACTIONS_AGREED: "yellow",
    EscalationStatus.ACTIONS_ON_FILE: "blue",
    EscalationStatus.SIGNED_OFF: "green",
    EscalationStatus.CLOSED: "grey",
    EscalationStatus.CANCELLED: "grey",
}


def _when(value: Any) -> str:
    """A moment in the council's local time (Europe/London), e.g. 24 December 2025, 16:45."""
    return f"{timezone.localtime(value):%-d %B %Y, %H:%M}" if value else ""


def deadline_text(escalation: Any) -> str:
    return f"End of {escalation.deadline_on:%A %-d %B %Y}"


def _rows(escalations: Any, now: Any) -> list[list[Any]]:
    rows = []
    for e in escalations:
        status = e.get_status_display()
        if escalation_is_overdue(escalation=e, now=now):
            status += " (overdue)"
        rows.append(
            [
                {"text": e.reference_code, "href": reverse("escalations:detail", args=[e.pk])},
                e.child.council_child_id,
                e.get_kind_display(),
                status,
                deadline_text(e),
                str(e.district) if e.district else "No district",
            ]
        )
    return rows


def _child_from_id(user: Any, council_child_id: str) -> Any:
    match = child_list_visible(user=user).filter(council_child_id=council_child_id.strip()).first()
    if match is None:
        return None
    return child_get_visible(user=user, pk=match.pk)


def _who(user: Any) -> str:
    if user is None:
        return ""
    if getattr(user, "staff", None) is not None:
        return user.staff.full_name
    return user.get_full_name() or user.username


def _needs_children(user: Any) -> None:
    if not user.sees_children:
        raise Http404


@login_required
@require_GET
def escalation_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _needs_children(user)
    return render(
        request,
        "escalations/escalation_list.html",
        {
            "head": ["Reference", "Child", "Kind", "Status", "Deadline", "District"],
            "rows": _rows(escalation_list_open_first(user=user), clock.now()),
            "awaiting": second_person_request_list_awaiting(user=user)
            if user.role in AUTHORISERS
            else [],
            "can_raise": user.role != Role.PARTNER_AUDITOR,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def escalation_raise(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _needs_children(user)
    initial = {"child_id": request.GET.get("child", "")[:40]}
    form = RaiseForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        child = _child_from_id(user, form.cleaned_data["child_id"])
        if child is None:
            form.add_error(
                "child_id", "There is no child with that ID among the children you can see"
            )
        else:
            try:
                escalation = services.escalation_raise(
                    child=child,
                    kind=form.cleaned_data["kind"],
                    raised_by=user,
                    source=form.cleaned_data["source"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    f"Concern {escalation.reference_code} raised. The service manager has been told.",
                )
                return redirect("escalations:detail", escalation.pk)
    return render(request, "escalations/raise.html", {"form": form})


def _visible_or_404(request: HttpRequest, pk: int) -> Any:
    escalation = escalation_get_visible(user=request.user, pk=pk)
    if escalation is None:
        raise Http404
    return escalation


@login_required
@require_GET
def escalation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    escalation = _visible_or_404(request, pk)
    steps = [
        {"key": key, "label": t.label}
        for key, t in TRANSITIONS.items()
        if key in STEP_ACTIONS
        and user.role in t.roles
        and transition_for(action=key, status=escalation.status)
    ]
    pending = second_person_request_pending(escalation=escalation)
    summary = [
        ("Child", escalation.child.council_child_id),
        ("Kind", escalation.get_kind_display()),
        ("Status", escalation.get_status_display()),
        ("Deadline", deadline_text(escalation)),
        ("Raised", f"{_when(escalation.raised_at)} by {_who(escalation.raised_by)}"),
        ("Source", escalation.get_source_display()),
        ("District", escalation.district),
        ("Team", escalation.team),
        ("Allocated worker", escalation.practitioner),
        ("Concern", escalation.reason),
    ]
    if escalation.signed_off_at:
        summary.append(("Signed off", _when(escalation.signed_off_at)))
    history = [
        [
            _when(s.at),
            TRANSITIONS[s.action].label
            if s.action in TRANSITIONS
            else s.action.replace("_", " ").capitalize(),
            _who(s.by),
            s.note,
        ]
        for s in escalation_steps(escalation=escalation)
    ]
    return render(
        request,
        "escalations/escalation_detail.html",
        {
            "escalation": escalation,
            "colour": STATUS_COLOURS[escalation.status],
            "overdue": escalation_is_overdue(escalation=escalation),
            "summary": summary,
            "history_head": ["When", "Step", "Who", "Recorded"],
            "history": history,
            "steps": steps,
            "requests": second_person_request_list(escalation=escalation),
            "pending": pending,
            "can_decide": pending is not None
            and user.role in AUTHORISERS
            and pending.requested_by_id != user.pk,
            "can_request": pending is None
            and user.role in AUTHORISERS
            and escalation.status in TRANSITIONS["close_without_sign_off"].sources,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def escalation_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user: Any = request.user
    # A step the role never takes is not there for it (404, as out of scope is).
    if action not in STEP_ACTIONS or user.role not in TRANSITIONS[action].roles:
        raise Http404
    escalation = _visible_or_404(request, pk)
    transition = TRANSITIONS[action]
    if action == "agree_actions":
        form: Any = AgreeActionsForm(request.POST if request.method == "POST" else None)
    else:
        form = NoteForm(
            request.POST if request.method == "POST" else None,
            label=transition.note_label or "Comments (optional)",
            required=transition.note_required,
        )
    if request.method == "POST" and form.is_valid():
        try:
            if action == "agree_actions":
                services.escalation_agree_actions(
                    escalation=escalation,
                    by=user,
                    discussion=form.cleaned_data["discussion"],
                    actions=form.cleaned_data["actions"],
                )
            elif action == "sign_off":
                services.escalation_sign_off(
                    escalation=escalation, by=user, oversight=form.cleaned_data["note"]
                )
            else:
                services.escalation_transition(
                    escalation=escalation, action=action, by=user, note=form.cleaned_data["note"]
                )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{transition.label}: done.")
            return redirect("escalations:detail", escalation.pk)
    return render(
        request,
        "escalations/step.html",
        {"escalation": escalation, "form": form, "transition": transition},
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    if user.role not in AUTHORISERS:
        raise Http404
    escalation = _visible_or_404(request, pk)
    form = RequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.second_person_request_create(
                escalation=escalation,
                kind=form.cleaned_data["kind"],
                by=user,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Request sent. A second authorised person must decide it.")
            return redirect("escalations:detail", escalation.pk)
    return render(request, "escalations/request.html", {"escalation": escalation, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    if user.role not in AUTHORISERS:
        raise Http404
    second = (
        SecondPersonRequest.objects.filter(pk=pk, escalation__in=escalation_list_visible(user=user))
        .select_related("escalation__child", "requested_by")
        .first()
    )
    if second is None:
        raise Http404
    if second.requested_by_id == user.pk or second.decision != SecondPersonDecision.PENDING:
        raise PermissionDenied
    form = DecideForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.second_person_request_decide(
                request=second,
                by=user,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Decision recorded.")
            return redirect("escalations:detail", second.escalation_id)
    return render(request, "escalations/decide.html", {"second": second, "form": form})


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.role == Role.PARTNER_AUDITOR:
        raise Http404
    data = escalation_dashboard()
    district_rows = [
        [
            r.district,
            r.open,
            r.overdue,
            r.signed_off,
            "" if r.average_days_to_sign_off is None else r.average_days_to_sign_off,
        ]
        for r in data["districts"]
    ]
    period_rows = [
        [
            p.period,
            p.raised,
            p.due,
            p.in_time,
            "" if p.share_in_time is None else f"{p.share_in_time}%",
        ]
        for p in data["periods"]
    ]
    return render(
        request,
        "escalations/dashboard.html",
        {
            "data": data,
            "numeric": [1, 2, 3, 4],
            "district_head": [
                "District",
                "Open",
                "Overdue",
                "Signed off",
                "Average working days to sign-off",
            ],
            "district_rows": district_rows,
            "period_head": [
                "Month raised",
                "Raised",
                "Due so far",
                "Signed off in time",
                "Share in time",
            ],
            "period_rows": period_rows,
        },
    )


def _qa_only(user: Any) -> None:
    if user.role != Role.QA_OFFICER:
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def closure_days(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _qa_only(user)
    form = ClosureDayForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.closure_day_add(
                date=form.cleaned_data["date"], reason=form.cleaned_data["reason"], by=user
            )
        except DomainError as exc:
            form.add_error("date", str(exc))
        else:
            messages.success(request, "Closure day added.")
            return redirect("escalations:closure_days")
    return render(
        request, "escalations/closure_days.html", {"form": form, "closures": closure_day_list()}
    )


@login_required
@require_POST
def closure_day_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    _qa_only(user)
    closure = ClosureDay.objects.filter(pk=pk).first()
    if closure is None:
        raise Http404
    services.closure_day_remove(closure=closure, by=user)
    messages.success(request, "Closure day removed.")
    return redirect("escalations:closure_days")


REVIEWERS = {Role.CP_CHAIR, Role.IRO, Role.QA_OFFICER}


@login_required
@require_GET
def practice_review_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _needs_children(user)
    rows = [
        [
            {
                "text": f"{r.meeting_date:%-d %B %Y}",
                "href": reverse("escalations:practice_review_detail", args=[r.pk]),
            },
            r.child.council_child_id,
            r.get_kind_display(),
            r.get_grade_display() or "In progress",
            r.reviewer.full_name,
        ]
        for r in practice_review_list_visible(user=user)[:200]
    ]
    return render(
        request,
        "escalations/practice_review_list.html",
        {
            "head": ["Meeting date", "Child", "Meeting", "Grade", "Reviewer"],
            "rows": rows,
            "can_record": user.role in REVIEWERS and user.staff is not None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def practice_review_new(request: HttpRequest) -> HttpResponse:
    """Start a practice review: the child, the meeting and its date; then the QA form."""
    user: Any = request.user
    if user.role not in REVIEWERS or user.staff is None:
        raise Http404
    caseload = None
    if user.role in (Role.CP_CHAIR, Role.IRO):
        ids = children_reviewable(user=user).values_list("council_child_id", flat=True)
        caseload = [(i, i) for i in ids]
    form = PracticeReviewForm(
        request.POST if request.method == "POST" else None,
        initial={"child_id": request.GET.get("child", "")[:40]},
        caseload=caseload,
    )
    if request.method == "POST" and form.is_valid():
        child = _child_from_id(user, form.cleaned_data["child_id"])
        if child is None:
            form.add_error(
                "child_id", "There is no child with that ID among the children you can see"
            )
        else:
            try:
                review = services.practice_review_start(
                    child=child,
                    by=user,
                    meeting_date=form.cleaned_data["meeting_date"],
                    kind=form.cleaned_data["kind"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Practice review started: fill in the QA form.")
                return redirect("escalations:practice_review_tasks", review.pk)
    return render(request, "escalations/practice_review_form.html", {"form": form})


def _review_draft_or_404(request: HttpRequest, pk: int) -> Any:
    """The caller's own practice review whose QA form is still a draft (else 404)."""
    from qaf.tools.selectors import form_response_get_editable, form_response_get_visible

    review = practice_review_get_visible(user=request.user, pk=pk)
    if review is None or review.form_id is None or not review.is_draft:
        raise Http404
    response = form_response_get_editable(user=request.user, pk=review.form_id)
    if response is None:
        # Submitted on the tool engine's own pages (/forms/...): the reviewer records the
        # outcome on the check page.
        response = form_response_get_visible(user=request.user, pk=review.form_id)
        if response is None or not response.is_submitted or response.author_id != request.user.pk:
            raise Http404
    review.form = response
    return review


@login_required
@require_GET
def practice_review_tasks(request: HttpRequest, pk: int) -> HttpResponse:
    """The QA form's task list: each section with its status, then check and submit."""
    from qaf.tools.views import section_states

    review = _review_draft_or_404(request, pk)
    if review.form.is_submitted:
        return redirect("escalations:practice_review_check", pk)
    states = section_states(review.form)
    tasks = [
        {
            "id": f"section-{s['section'].key}",
            "title": s["section"].title,
            "href": ""
            if s["state"] == "cannot_start"
            else reverse("escalations:practice_review_section", args=[pk, s["section"].key]),
            "hint": "Answer the earlier sections first: its questions depend on them."
            if s["state"] == "cannot_start"
            else "",
            "status": s["label"],
            "colour": s["colour"],
        }
        for s in states
    ]
    return render(
        request,
        "escalations/practice_review_tasks.html",
        {
            "review": review,
            "response": review.form,
            "tasks": tasks,
            "done": sum(1 for s in states if s["state"] == "completed"),
            "total": len(states),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def practice_review_section(request: HttpRequest, pk: int, section_key: str) -> HttpResponse:
    """One section of the QA form (the tool engine's page; autosave through its endpoint)."""
    from qaf.tools.selectors import case_facts_for
    from qaf.tools.views import section_page

    review = _review_draft_or_404(request, pk)
    if review.form.is_submitted or section_key not in {
        s.key for s in review.form.definition.sections
    }:
        raise Http404
    return section_page(
        request,
        review.form,
        section_key,
        action_url=reverse("escalations:practice_review_section", args=[pk, section_key]),
        autosave_url=reverse("forms:autosave", args=[review.form.pk, section_key]),
        done_url=reverse("escalations:practice_review_tasks", args=[pk]),
        facts=case_facts_for(child=review.child),
    )


@login_required
@require_http_methods(["GET", "POST"])
def practice_review_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Every answer, the overall grade and Submit: Outstanding sends a practice appreciation,
    Inadequate raises a practice alert."""
    from qaf.tools import answers as ans
    from qaf.tools.forms import OverallGradeForm
    from qaf.tools.services import FormIncomplete, form_response_set_grade
    from qaf.tools.views import _answer_rows

    review = _review_draft_or_404(request, pk)
    response = review.form
    definition = response.definition
    if response.is_submitted:
        return _practice_review_outcome_page(request, review)
    grade_form = OverallGradeForm(
        request.POST if request.method == "POST" else None,
        definition=definition,
        response=response,
    )
    missing: list[Any] = []
    if request.method == "POST":
        try:
            if not grade_form.is_valid():
                raise DomainError("")
            response = form_response_set_grade(
                response=response,
                section_key=None,
                grade=grade_form.cleaned_data["overall_grade"] or "",
                reason=grade_form.cleaned_data["overall_grade_reason"] or "",
                by=request.user,
                expected_version=response.row_version,
            )
            review.form = response
            review = services.practice_review_submit(
                review=review, by=request.user, expected_version=response.row_version
            )
        except FormIncomplete as e:
            missing = e.missing
        except DomainError as e:
            if str(e):
                grade_form.add_error("overall_grade_reason", str(e))
        else:
            messages.success(request, _outcome_message(review))
            return redirect("escalations:practice_review_detail", review.pk)
    else:
        missing = ans.form_missing(
            definition, response.answers, response.section_grades, response.overall_grade
        )
    links = [
        {
            "message": m.message,
            "href": (
                reverse("escalations:practice_review_section", args=[pk, m.section_key])
                + (f"#id_{m.question_key}" if m.question_key else "#id_qaf_section_grade_0")
            )
            if m.section_key
            else "#id_overall_grade_0",
        }
        for m in missing
    ]
    return render(
        request,
        "escalations/practice_review_check.html",
        {
            "review": review,
            "response": response,
            "sections": _answer_rows(response),
            "grade_form": grade_form,
            "form": grade_form,
            "missing": links,
            "submitted_attempt": request.method == "POST",
        },
    )


def _outcome_message(review: Any) -> str:
    outcome = {
        "outstanding": "a practice appreciation has been sent",
        "inadequate": "a practice alert has been raised",
    }.get(review.grade, "")
    return "Practice review submitted" + (f": {outcome}" if outcome else "")


def _practice_review_outcome_page(request: HttpRequest, review: Any) -> HttpResponse:
    """The form was submitted on the tool engine's own pages: its answers and grade are fixed;
    POST records the review's outcome from them."""
    from qaf.tools.views import _answer_rows

    if request.method == "POST":
        review = services.practice_review_submit(review=review, by=request.user)
        messages.success(request, _outcome_message(review))
        return redirect("escalations:practice_review_detail", review.pk)
    labels = {g.value: g.label for g in review.form.definition.grades()}
    return render(
        request,
        "escalations/practice_review_outcome.html",
        {
            "review": review,
            "response": review.form,
            "sections": _answer_rows(review.form),
            "grade": labels.get(review.form.overall_grade, review.form.overall_grade),
        },
    )


@login_required
@require_GET
def practice_review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from qaf.tools.views import _answer_rows

    review = practice_review_get_visible(user=request.user, pk=pk)
    if review is None:
        raise Http404
    summary = [
        ("Child", review.child.council_child_id),
        ("Meeting", review.get_kind_display()),
        ("Date of the meeting", f"{review.meeting_date:%-d %B %Y}"),
        ("Reviewer", review.reviewer.full_name),
        ("Practitioner", review.practitioner),
        ("Overall grade", review.get_grade_display() if review.grade else "Not yet submitted"),
        ("Notes", review.notes),
        ("Recorded", _when(review.recorded_at)),
    ]
    if review.involvement is not None:
        summary.insert(2, ("Plan", str(review.involvement.get_kind_display())))
    if hasattr(review, "appreciation"):
        summary.append(("Practice appreciation sent", _when(review.appreciation.sent_at)))
    form = review.form
    continue_url = None
    if review.is_draft and form is not None and form.author_id == request.user.pk:
        continue_url = reverse("escalations:practice_review_tasks", args=[pk])
    sections = _answer_rows(form) if form is not None and not review.is_draft else None
    return render(
        request,
        "escalations/practice_review_detail.html",
        {
            "review": review,
            "summary": summary,
            "continue_url": continue_url,
            "sections": sections,
            "response": review.form,
        },
    )
