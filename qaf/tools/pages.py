"""The form engine's pages, for any workflow that fills in a form: the task list's section
states, one section per page (GET renders, POST saves), the answers read-only, and the rows of
a check-answers page. Public through qaf.tools.engine.

Reusing them from a workflow (an audit, a practice review ...): fetch the response through the
workflow's own scoped selector, then call `section_page(request, response, section_key,
action_url=..., autosave_url=..., done_url=..., facts=...)` for the section page,
`render_section(...)` to render a section yourself, `answer_rows(response)` for a check-answers
page and `render_response_readonly(...)` to show a response read-only. The services
(`form_response_save_section`, `form_response_submit`) enforce immutability and conflicts
whatever page calls them.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render

from qaf.accounts.models import User
from qaf.common.errors import NotFound
from qaf.common.forms import service_errors

from . import answers as ans
from . import services
from .definition import suggest_grade, visible_questions
from .forms import GRADE_FIELD, GRADE_REASON_FIELD, SectionForm, display_answer
from .models import FormResponse
from .selectors import CASE_FACT_LABELS


def acting_user(request: HttpRequest) -> User:
    """The signed-in person making the request, as the services want them (`by: User`). Every
    page and API operation that calls this has a gate, which has already turned everyone else
    away."""
    user = request.user
    if not isinstance(user, User):
        raise NotFound()  # not reached behind a gate
    return user


SECTION_STATUS = {
    "completed": ("Completed", ""),
    "in_progress": ("In progress", "light-blue"),
    "not_started": ("Not started", "blue"),
    "cannot_start": ("Cannot start yet", "grey"),
}


def section_states(response: FormResponse) -> list[dict[str, Any]]:
    """Each section with its task-list status."""
    definition = response.definition
    out = []
    for s in definition.sections:
        state = response.section_status.get(s.key, "not_started")
        if state == "not_started" and not ans.section_can_start(definition, s, response.answers):
            state = "cannot_start"
        label, colour = SECTION_STATUS[state]
        out.append({"section": s, "state": state, "label": label, "colour": colour})
    return out


def section_items(
    form: SectionForm, facts: dict[str, str] | None, shown: frozenset[str] | None = None
) -> list[dict[str, Any]]:
    """Each question with its field and, when it names a case fact, the fact's label and value
    (without a child, the label alone). With `shown` (an editable page), a conditional question
    not shown now is marked hidden: hidden only when JavaScript runs (the Design System's
    conditional-reveal class), so without JavaScript it stays on the page with its hint."""
    items = []
    for q, field in form.questions():
        label = CASE_FACT_LABELS.get(q.case_fact or "", "")
        fact = (label, facts[q.case_fact]) if q.case_fact and facts is not None else None
        items.append(
            {
                "question": q,
                "field": field,
                "fact": fact,
                "fact_label": label,
                "conditional": shown is not None and q.show_if is not None,
                "hidden": shown is not None and q.key not in shown,
            }
        )
    return items


def disabled_form(form: SectionForm) -> SectionForm:
    for f in form.fields.values():
        f.disabled = True
    return form


def section_page(
    request: HttpRequest,
    response: FormResponse,
    section_key: str,
    *,
    action_url: str,
    autosave_url: str | None,
    done_url: str,
    facts: dict[str, str] | None,
) -> HttpResponse:
    """GET: the section. POST: save it ("Save and continue" marks it completed and goes on to
    `done_url`; "Save as draft" keeps what is valid and goes to `done_url` too). Errors and
    conflicts re-render the page keeping what was typed."""
    if request.method != "POST":
        return render_section(
            request,
            response,
            section_key,
            editable=True,
            action_url=action_url,
            autosave_url=autosave_url,
            facts=facts,
            back_url=done_url,
        )
    form = SectionForm(
        request.POST,
        definition=response.definition,
        section_key=section_key,
        answers=response.answers,
        section_grade=response.section_grades.get(section_key),
        row_version=response.row_version,
    )
    form.is_valid()
    complete = request.POST.get("action") != "draft"
    grade, reason = form.grade_data()
    expected = form.posted_row_version()
    if expected is None:  # not posted by this page: save nothing
        form.add_error(None, "Your answers were not saved: the page was incomplete. Save again.")
        return render_section(
            request,
            response,
            section_key,
            editable=True,
            action_url=action_url,
            autosave_url=autosave_url,
            facts=facts,
            back_url=done_url,
            form=form,
        )
    conflict: services.FormResponseConflict | None = None
    with service_errors(form) as outcome:
        try:
            result = services.form_response_save_section(
                response=response,
                section_key=section_key,
                data=form.answer_data(),
                by=acting_user(request),
                expected_version=expected,
                grade=grade,
                grade_reason=reason,
                complete=complete and not form.errors,
            )
        except services.FormResponseConflict as error:  # shown with both texts, not a message
            conflict = error
    if conflict is not None:
        return render_section(
            request,
            conflict.current,
            section_key,
            editable=True,
            action_url=action_url,
            autosave_url=autosave_url,
            facts=facts,
            back_url=done_url,
            form=form,
            conflict=conflict,
            status=409,
        )
    if not outcome.ok:  # refused (submitted meanwhile, say): the page again, keeping the input
        return render_section(
            request,
            response,
            section_key,
            editable=True,
            action_url=action_url,
            autosave_url=autosave_url,
            facts=facts,
            back_url=done_url,
            form=form,
        )
    for key, message in result.errors.items():
        field = {"grade": GRADE_FIELD, "grade_reason": GRADE_REASON_FIELD}.get(key, key)
        if field in form.fields and field not in form.errors:
            form.add_error(field, message)
    if form.errors:
        if complete:
            saved = result.response
            for q in ans.section_missing(response.definition, form.section, saved.answers):
                if q.key not in form.errors:
                    form.add_error(q.key, ans.missing_message(q))
            graded = (saved.section_grades.get(section_key) or {}).get("grade")
            if form.section.graded and not graded and GRADE_FIELD not in form.errors:
                form.add_error(GRADE_FIELD, f"Choose a grade for “{form.section.title}”")
        return render_section(
            request,
            result.response,
            section_key,
            editable=True,
            action_url=action_url,
            autosave_url=autosave_url,
            facts=facts,
            back_url=done_url,
            form=form,
            status=200,
        )
    messages.success(
        request,
        f"“{form.section.title}” " + ("completed" if result.completed else "saved as a draft"),
    )
    return redirect(done_url)


def render_section(
    request: HttpRequest,
    response: FormResponse,
    section_key: str,
    *,
    editable: bool,
    action_url: str,
    facts: dict[str, str] | None,
    autosave_url: str | None = None,
    back_url: str | None = None,
    form: SectionForm | None = None,
    conflict: services.FormResponseConflict | None = None,
    status: int = 200,
) -> HttpResponse:
    """One section page. `form` (bound) keeps what the user typed; `conflict` shows their answers
    beside the newer saved ones."""
    definition = response.definition
    if form is None:
        form = SectionForm(
            definition=definition,
            section_key=section_key,
            answers=response.answers,
            section_grade=response.section_grades.get(section_key),
            row_version=response.row_version,
        )
    else:
        # the next save must carry the version now stored (the conflict was shown)
        data = cast(QueryDict, form.data).copy()
        data["row_version"] = str(response.row_version)
        form.data = data
    if not editable:
        disabled_form(form)
    sec = form.section
    comparison = []
    if conflict is not None:
        for q in sec.questions:
            mine = conflict.attempted.get(q.key)
            theirs = conflict.current.answers.get(q.key)
            if mine != theirs and not (ans.is_blank(mine) and ans.is_blank(theirs)):
                comparison.append(
                    {
                        "question": q,
                        "mine": display_answer(definition, q, mine),
                        "theirs": display_answer(definition, q, theirs),
                        "own_words": q.type == "own_words",
                    }
                )
    suggested = suggest_grade(definition, section_key, response.answers) if sec.graded else None
    labels = {g.value: g.label for g in definition.grades()}
    service = None
    descriptors = (
        [(g.label, sec.descriptor(g.value, service)) for g in definition.grades()]
        if sec.graded
        else []
    )
    items = section_items(form, facts, form.shown() if editable else None)
    index = [s.key for s in definition.sections].index(section_key)
    return render(
        request,
        "tools/section.html",
        {
            "response": response,
            "form": form,
            "section": sec,
            "items": items,
            "editable": editable,
            "action_url": action_url,
            "autosave_url": autosave_url,
            "back_url": back_url,
            "conflict": conflict,
            "comparison": comparison,
            "suggested": labels.get(suggested or ""),
            "descriptors": [(label, text) for label, text in descriptors if text],
            "grade_field": form[GRADE_FIELD] if sec.graded else None,
            "grade_reason_field": form[GRADE_REASON_FIELD] if sec.graded else None,
            "position": index + 1,
            "count": len(definition.sections),
        },
        status=status,
    )


def answer_rows(response: FormResponse) -> list[dict[str, Any]]:
    definition = response.definition
    shown = visible_questions(definition, response.answers)
    labels = {g.value: g.label for g in definition.grades()}
    out = []
    for s in definition.sections:
        rows = []
        for q in s.questions:
            if q.key not in shown:
                continue
            value = response.answers.get(q.key)
            rows.append(
                {
                    "question": q,
                    "text": display_answer(definition, q, value),
                    "own_words": q.type == "own_words",
                }
            )
        g = response.section_grades.get(s.key) or {}
        out.append(
            {
                "section": s,
                "rows": rows,
                "grade": labels.get(g.get("grade", ""), ""),
                "suggested": labels.get(g.get("suggested", ""), ""),
                "reason": g.get("reason", ""),
            }
        )
    return out


def render_response_readonly(request: HttpRequest, response: FormResponse) -> HttpResponse:
    """A response shown read-only: a submitted one exactly as filled in, or a draft to the QA
    unit."""
    labels = {g.value: g.label for g in response.definition.grades()}
    return render(
        request,
        "tools/response_readonly.html",
        {
            "response": response,
            "sections": answer_rows(response),
            "overall": labels.get(response.overall_grade, ""),
            "overall_suggested": labels.get(response.overall_grade_suggested, ""),
        },
    )
