"""The form-filling pages under /forms/: the task list (or the form read-only), one section per
page, autosave, and check answers and submit. Other workflows reuse the pages' parts through
qaf.tools.engine."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qaf.common.errors import NotFound
from qaf.common.forms import service_errors
from qaf.common.permissions import gate

from .. import answers as ans
from .. import services
from ..forms import OverallGradeForm, SectionForm
from ..models import FormResponse
from ..pages import (
    acting_user,
    answer_rows,
    render_response_readonly,
    section_items,
    section_page,
    section_states,
)
from ..selectors import case_facts_for, form_response_get_fillable, form_response_get_visible
from ..workflows import FORM_RESPONSE_WORKFLOW


@gate("tools.use_forms")
@require_GET
def task_list(request: HttpRequest, pk: int) -> HttpResponse:
    response = form_response_get_visible(user=request.user, pk=pk)
    if not FORM_RESPONSE_WORKFLOW.can(response, "save", by=acting_user(request)):
        return render_response_readonly(request, response)
    states = section_states(response)
    done = sum(1 for s in states if s["state"] == "completed")
    tasks = [
        {
            "id": f"section-{s['section'].key}",
            "title": s["section"].title,
            "href": ""
            if s["state"] == "cannot_start"
            else reverse("forms:section", args=[response.pk, s["section"].key]),
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
        "tools/task_list.html",
        {"response": response, "tasks": tasks, "done": done, "total": len(states)},
    )


def _facts(response: FormResponse) -> dict[str, str] | None:
    if response.child is None:
        return None
    return case_facts_for(child=response.child)


def _check_section_key(response: FormResponse, section_key: str) -> None:
    """A section key in the URL that the form does not have is a page that does not exist."""
    if section_key not in {s.key for s in response.definition.sections}:
        raise NotFound()


@gate("tools.use_forms")
@require_http_methods(["GET", "POST"])
def section(request: HttpRequest, pk: int, section_key: str) -> HttpResponse:
    response = form_response_get_fillable(user=request.user, pk=pk)
    _check_section_key(response, section_key)
    return section_page(
        request,
        response,
        section_key,
        action_url=reverse("forms:section", args=[pk, section_key]),
        autosave_url=reverse("forms:autosave", args=[pk, section_key]),
        done_url=reverse("forms:task_list", args=[pk]),
        facts=_facts(response),
    )


@gate("tools.use_forms")
@require_POST
def autosave(request: HttpRequest, pk: int, section_key: str) -> HttpResponse:
    """htmx autosave: save what is valid as a draft; answer a short status message and the new
    row version (swapped out of band into the form's hidden field)."""
    response = form_response_get_fillable(user=request.user, pk=pk)
    _check_section_key(response, section_key)
    form = SectionForm(
        request.POST,
        definition=response.definition,
        section_key=section_key,
        answers=response.answers,
        row_version=response.row_version,
    )
    form.is_valid()
    grade, reason = form.grade_data()
    expected = form.posted_row_version()
    context: dict[str, Any] = {"conflict": False, "errors": [], "row_version": None}
    if expected is None:
        context["incomplete"] = True
        return render(request, "tools/_autosave_status.html", context)
    try:
        result = services.form_response_save_section(
            response=response,
            section_key=section_key,
            data=form.answer_data(),
            by=acting_user(request),
            expected_version=expected,
            grade=grade,
            grade_reason=reason,
        )
    except services.FormResponseConflict:
        context["conflict"] = True
        context["reload_url"] = reverse("forms:section", args=[pk, section_key])
    else:
        context["row_version"] = result.response.row_version
        # Conditional questions whose visibility changed with these answers: swapped in (out
        # of band) shown or hidden. The page posts the state it shows as qaf_hidden_<key>.
        shown = form.shown()
        changed = {
            q.key
            for q in form.section.questions
            if q.show_if is not None
            and (request.POST.get(f"qaf_hidden_{q.key}") == "1") != (q.key not in shown)
        }
        if changed:
            context["reveal"] = [
                item
                for item in section_items(form, _facts(response), shown)
                if item["question"].key in changed
            ]
        context["errors"] = [str(e) for errs in form.errors.values() for e in errs] + [
            m for k, m in result.errors.items() if k not in form.errors
        ]
        context["saved_at"] = result.response.updated_at
    return render(request, "tools/_autosave_status.html", context)


@gate("tools.use_forms")
@require_http_methods(["GET", "POST"])
def check_answers(request: HttpRequest, pk: int) -> HttpResponse:
    """Every answer, the overall grade, and Submit. Missing items link to their question."""
    response = form_response_get_fillable(user=request.user, pk=pk)
    definition = response.definition
    data = request.POST if request.method == "POST" else None
    grade_form = None
    if definition.overall_grade:
        grade_form = OverallGradeForm(data, definition=definition, response=response)
    form = grade_form or forms.Form(data)
    missing: list[ans.Missing] = []
    if request.method == "POST" and form.is_valid():
        # A refused grade or submit is shown on the form; what is missing is listed, linked.
        with service_errors(form, "overall_grade_reason" if grade_form else None) as outcome:
            try:
                if grade_form is not None:
                    response = services.form_response_set_grade(
                        response=response,
                        section_key=None,
                        grade=grade_form.cleaned_data["overall_grade"] or "",
                        reason=grade_form.cleaned_data["overall_grade_reason"] or "",
                        by=acting_user(request),
                        expected_version=response.row_version,
                    )
                services.form_response_submit(
                    response=response,
                    by=acting_user(request),
                    expected_version=response.row_version,
                )
            except services.FormIncomplete as incomplete:
                missing = incomplete.missing
        if outcome.ok and not missing:
            messages.success(request, f"{definition.title} submitted")
            return redirect("forms:task_list", response.pk)
    elif request.method != "POST":
        missing = ans.form_missing(
            definition, response.answers, response.section_grades, response.overall_grade
        )
    links = [
        {
            "message": m.message,
            "href": (
                reverse("forms:section", args=[response.pk, m.section_key])
                + (f"#id_{m.question_key}" if m.question_key else "#id_qaf_section_grade_0")
            )
            if m.section_key
            else "#id_overall_grade_0",
        }
        for m in missing
    ]
    return render(
        request,
        "tools/check_answers.html",
        {
            "response": response,
            "sections": answer_rows(response),
            "grade_form": grade_form,
            "form": form,
            "missing": links,
            "submitted_attempt": request.method == "POST",
        },
    )
