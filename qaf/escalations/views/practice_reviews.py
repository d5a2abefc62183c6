"""CP chairs' and IROs' practice reviews: the list, starting one, the QA form's pages (the tool
engine's, for the reviewer's own draft only) and a recorded review."""

from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from qaf.accounts.permissions import is_chair
from qaf.common.errors import NotFound
from qaf.common.forms import service_errors
from qaf.common.permissions import allowed, gate

from .. import services
from ..forms import PracticeReviewForm
from ..models import PracticeReview
from ..selectors import (
    child_find_visible,
    children_reviewable,
    practice_review_draft_get_visible,
    practice_review_get_visible,
    practice_review_list_visible,
)
from .display import when

if TYPE_CHECKING:
    from qaf.tools.models import FormResponse


@gate("escalations.view_practice_reviews")
@require_GET
def practice_review_list(request: HttpRequest) -> HttpResponse:
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
        for r in practice_review_list_visible(user=request.user)[:200]
    ]
    return render(
        request,
        "escalations/practice_review_list.html",
        {"head": ["Meeting date", "Child", "Meeting", "Grade", "Reviewer"], "rows": rows},
    )


@gate("escalations.record_practice_reviews")
@require_http_methods(["GET", "POST"])
def practice_review_new(request: HttpRequest) -> HttpResponse:
    """Start a practice review: the child, the meeting and its date; then the QA form."""
    user: Any = request.user
    caseload = None
    if is_chair(user):  # CP chairs and IROs pick from their caseload; the QA unit types an ID
        ids = children_reviewable(user=user).values_list("council_child_id", flat=True)
        caseload = [(i, i) for i in ids]
    form = PracticeReviewForm(
        request.POST if request.method == "POST" else None,
        initial={"child_id": request.GET.get("child", "")[:40]},
        caseload=caseload,
    )
    if request.method == "POST" and form.is_valid():
        child = child_find_visible(user=user, council_child_id=form.cleaned_data["child_id"])
        if child is None:
            form.add_error(
                "child_id", "There is no child with that ID among the children you can see"
            )
        else:
            with service_errors(form) as outcome:
                review = services.practice_review_start(
                    child=child,
                    by=user,
                    meeting_date=form.cleaned_data["meeting_date"],
                    kind=form.cleaned_data["kind"],
                )
            if outcome.ok:
                messages.success(request, "Practice review started: fill in the QA form.")
                return redirect("escalations:practice_review_tasks", review.pk)
    return render(request, "escalations/practice_review_form.html", {"form": form})


def _draft_form(review: PracticeReview) -> "FormResponse":
    """The draft review's QA form (practice_review_draft_get_visible finds only reviews with
    one)."""
    return cast("FormResponse", review.form)


@gate("escalations.record_practice_reviews")
@require_GET
def practice_review_tasks(request: HttpRequest, pk: int) -> HttpResponse:
    """The QA form's task list: each section with its status, then check and submit."""
    from qaf.tools.engine import section_states

    review = practice_review_draft_get_visible(user=request.user, pk=pk)
    form = _draft_form(review)
    if form.is_submitted:
        return redirect("escalations:practice_review_check", pk)
    states = section_states(form)
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


@gate("escalations.record_practice_reviews")
@require_http_methods(["GET", "POST"])
def practice_review_section(request: HttpRequest, pk: int, section_key: str) -> HttpResponse:
    """One section of the QA form (the tool engine's page; autosave through its endpoint). A
    submitted form's sections are never editable: NotFound, as for a section it does not have."""
    from qaf.tools.engine import case_facts_for, section_page

    review = practice_review_draft_get_visible(user=request.user, pk=pk)
    form = _draft_form(review)
    editable = set() if form.is_submitted else {s.key for s in form.definition.sections}
    if section_key not in editable:
        raise NotFound()
    return section_page(
        request,
        form,
        section_key,
        action_url=reverse("escalations:practice_review_section", args=[pk, section_key]),
        autosave_url=reverse("forms:autosave", args=[form.pk, section_key]),
        done_url=reverse("escalations:practice_review_tasks", args=[pk]),
        facts=case_facts_for(child=review.child),
    )


def _outcome_message(review: PracticeReview) -> str:
    outcome = {
        "outstanding": "a practice appreciation has been sent",
        "inadequate": "a practice alert has been raised",
    }.get(review.grade, "")
    return "Practice review submitted" + (f": {outcome}" if outcome else "")


def _missing_links(pk: int, missing: list[Any]) -> list[dict[str, str]]:
    return [
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


@gate("escalations.record_practice_reviews")
@require_http_methods(["GET", "POST"])
def practice_review_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Every answer, the overall grade and Submit: Outstanding sends a practice appreciation,
    Inadequate raises a practice alert."""
    from qaf.tools.engine import FormIncomplete, OverallGradeForm, answer_rows, form_missing

    review = practice_review_draft_get_visible(user=request.user, pk=pk)
    response = _draft_form(review)
    if response.is_submitted:
        return _practice_review_outcome_page(request, review)
    grade_form = OverallGradeForm(
        request.POST if request.method == "POST" else None,
        definition=response.definition,
        response=response,
    )
    missing: list[Any] = []
    if request.method == "POST" and grade_form.is_valid():
        user: Any = request.user
        with service_errors(grade_form, "overall_grade_reason") as outcome:
            try:
                review = services.practice_review_submit(
                    review=review,
                    by=user,
                    grade=grade_form.cleaned_data["overall_grade"] or "",
                    grade_reason=grade_form.cleaned_data["overall_grade_reason"] or "",
                    expected_version=response.row_version,
                )
            except FormIncomplete as e:  # listed in full with links, not as one form error
                missing, outcome.ok = e.missing, False
        if outcome.ok:
            messages.success(request, _outcome_message(review))
            return redirect("escalations:practice_review_detail", review.pk)
    elif request.method == "GET":
        missing = form_missing(
            response.definition, response.answers, response.section_grades, response.overall_grade
        )
    return render(
        request,
        "escalations/practice_review_check.html",
        {
            "review": review,
            "response": response,
            "sections": answer_rows(response),
            "grade_form": grade_form,
            "form": grade_form,
            "missing": _missing_links(pk, missing),
            "submitted_attempt": request.method == "POST",
        },
    )


def _practice_review_outcome_page(request: HttpRequest, review: PracticeReview) -> HttpResponse:
    """The form was submitted on the tool engine's own pages: its answers and grade are fixed;
    POST records the review's outcome from them."""
    from qaf.tools.engine import answer_rows

    if request.method == "POST":
        user: Any = request.user
        review = services.practice_review_submit(review=review, by=user)
        messages.success(request, _outcome_message(review))
        return redirect("escalations:practice_review_detail", review.pk)
    form = _draft_form(review)
    labels = {g.value: g.label for g in form.definition.grades()}
    return render(
        request,
        "escalations/practice_review_outcome.html",
        {
            "review": review,
            "response": form,
            "sections": answer_rows(form),
            "grade": labels.get(form.overall_grade, form.overall_grade),
        },
    )


@gate("escalations.view_practice_reviews")
@require_GET
def practice_review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from qaf.tools.engine import answer_rows

    review = practice_review_get_visible(user=request.user, pk=pk)
    summary = [
        ("Child", review.child.council_child_id),
        ("Meeting", review.get_kind_display()),
        ("Date of the meeting", f"{review.meeting_date:%-d %B %Y}"),
        ("Reviewer", review.reviewer.full_name),
        ("Practitioner", review.practitioner),
        ("Overall grade", review.get_grade_display() if review.grade else "Not yet submitted"),
        ("Notes", review.notes),
        ("Recorded", when(review.recorded_at)),
    ]
    if review.involvement is not None:
        summary.insert(2, ("Plan", str(review.involvement.get_kind_display())))
    if hasattr(review, "appreciation"):
        summary.append(("Practice appreciation sent", when(review.appreciation.sent_at)))
    form = review.form
    continue_url = None
    if review.is_draft and allowed(request.user, "escalations.fill_practice_review", review):
        continue_url = reverse("escalations:practice_review_tasks", args=[pk])
    sections = answer_rows(form) if form is not None and not review.is_draft else None
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
