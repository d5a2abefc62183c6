"""Pages: the QA unit's "Audit tools" (list, version, preview, export, upload, compare, publish,
retire, try) and the generic form-filling pages (task list, one section per page, autosave,
check answers and submit, the read-only view of a submitted form).

Reusing the filling pages from a workflow (an audit, an observation ...): fetch the response
through the workflow's own scoped selector, then call `section_page(request, response,
section_key, action_url=..., autosave_url=..., done_url=..., facts=...)` for the section page (GET
renders, POST saves), `render_section(...)` to render a section yourself, and
`render_response_readonly(...)` to show a response read-only. The services
(`form_response_save_section`, `form_response_submit`) enforce immutability and conflicts
whatever page calls them.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qaf.common.errors import NotFound
from qaf.common.forms import service_errors
from qaf.common.permissions import gate

from . import answers as ans
from . import services
from .definition import (
    DefinitionInvalid,
    ToolDefinition,
    check_size,
    definition_diff,
    suggest_grade,
)
from .forms import (
    GRADE_FIELD,
    GRADE_REASON_FIELD,
    OverallGradeForm,
    SectionForm,
    UploadForm,
    display_answer,
)
from .models import FormResponse, ToolVersion, VersionStatus
from .selectors import (
    CASE_FACT_LABELS,
    case_facts_for,
    form_response_get_fillable,
    form_response_get_visible,
    tool_list,
    tool_version_current,
    tool_version_get,
    tool_with_versions,
)
from .workflows import FORM_RESPONSE_WORKFLOW, TOOL_VERSION_WORKFLOW, version_takes_new_forms

STATUS_COLOURS: dict[str, str] = {
    VersionStatus.DRAFT: "grey",
    VersionStatus.PUBLISHED: "green",
    VersionStatus.RETIRED: "red",
}
SECTION_STATUS = {
    "completed": ("Completed", ""),
    "in_progress": ("In progress", "light-blue"),
    "not_started": ("Not started", "blue"),
    "cannot_start": ("Cannot start yet", "grey"),
}


# --------------------------------------------------------------------------------------------
# Audit tools (QA unit)
# --------------------------------------------------------------------------------------------


@gate("tools.manage_tools")
@require_GET
def tool_list_page(request: HttpRequest) -> HttpResponse:
    tools = []
    for tool in tool_list():
        versions = list(tool.versions.all())
        current = next((v for v in versions if v.status == VersionStatus.PUBLISHED), None)
        tools.append(
            {
                "tool": tool,
                "versions": [{"v": v, "colour": STATUS_COLOURS[v.status]} for v in versions],
                "current": current,
            }
        )
    return render(request, "tools/tool_list.html", {"tools": tools})


@gate("tools.manage_tools")
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a YAML file as a new draft version (of a new or an existing tool)."""
    problems = []
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:  # the problems are listed under the form, each with its line: a richer answer
            check_size(upload_file.size)  # before reading the file
            version = services.tool_version_import(yaml_text=upload_file.read(), by=request.user)
        except DefinitionInvalid as e:
            problems = e.problems
            form.add_error(
                "file",
                f"The file has {len(problems)} problem"
                f"{'s' if len(problems) != 1 else ''}: see the list below",
            )
        else:
            messages.success(request, f"{version} uploaded as a draft")
            return redirect(_version_url(version))
    return render(request, "tools/upload.html", {"form": form, "problems": problems})


def _version_url(version: ToolVersion, name: str = "tools:version") -> str:
    return reverse(name, args=[version.tool.key, version.version])


@gate("tools.manage_tools")
@require_GET
def version_page(request: HttpRequest, key: str, version: int) -> HttpResponse:
    """A version's details and its preview: every section as a filler sees it, read-only."""
    tv = tool_version_get(key=key, version=version)
    definition = tv.definition
    previews = []
    for s in definition.sections:
        form = _disabled(SectionForm(definition=definition, section_key=s.key))
        previews.append(
            {
                "section": s,
                "items": _items(form, None),
                "grade_field": form[GRADE_FIELD] if s.graded else None,
            }
        )
    others = [v for v in tool_with_versions(key=key).versions.all() if v.pk != tv.pk]
    current = tool_version_current(tool=tv.tool)
    return render(
        request,
        "tools/version.html",
        {
            "tv": tv,
            "definition": definition,
            "previews": previews,
            "others": others,
            "current": current,
            "colour": STATUS_COLOURS[tv.status],
            "rows": _version_rows(tv, definition, current),
            "steps": [
                {
                    "label": step.label,
                    "href": _version_url(tv, f"tools:{step.name}"),
                    "warning": step.name == "retire",
                }
                for step in TOOL_VERSION_WORKFLOW.available(tv, by=request.user)
            ],
            "can_try": version_takes_new_forms(tv, practice=True),
        },
    )


def _version_rows(
    tv: ToolVersion, definition: ToolDefinition, current: ToolVersion | None
) -> list[tuple[str, str]]:
    def who(user: Any) -> str:
        return (user.get_full_name() or user.username) if user else "The shipped library"

    rows = [
        ("Key", tv.tool.key),
        ("Kind", definition.kind.replace("_", " ").capitalize()),
        (
            "Services",
            "All services" if definition.services == "all" else ", ".join(definition.services),
        ),
        ("Status", tv.get_status_display()),
        ("Sections", str(len(definition.sections))),
        ("Questions", str(sum(1 for _ in definition.questions()))),
        ("Created", f"{tv.created_at:%-d %B %Y} by {who(tv.created_by)}"),
    ]
    if tv.published_at:
        rows.append(("Published", f"{tv.published_at:%-d %B %Y} by {who(tv.published_by)}"))
    if tv.retired_at:
        rows.append(("Retired", f"{tv.retired_at:%-d %B %Y} by {who(tv.retired_by)}"))
    if current is not None:
        rows.append(("Used for new forms", f"Version {current.version}"))
    return rows


def _items(
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


def _disabled(form: SectionForm) -> SectionForm:
    for f in form.fields.values():
        f.disabled = True
    return form


@gate("tools.manage_tools")
@require_GET
def export(request: HttpRequest, key: str, version: int) -> HttpResponse:
    tv = tool_version_get(key=key, version=version)
    response = HttpResponse(tv.source_yaml, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{key}.v{version}.yaml"'
    return response


@gate("tools.manage_tools")
@require_GET
def compare(request: HttpRequest, key: str) -> HttpResponse:
    """Two versions side by side: ?from=1&to=2 (by default the two newest)."""
    tool = tool_with_versions(key=key)
    versions = list(tool.versions.all())
    by_number = {v.version: v for v in versions}
    errors = []

    def pick(name: str, default: ToolVersion | None) -> ToolVersion | None:
        raw = request.GET.get(name)
        if raw is None:
            return default
        if not raw.isdigit() or int(raw) not in by_number:
            errors.append(f"There is no version “{raw}” of this tool")
            return default
        return by_number[int(raw)]

    newest = versions[0] if versions else None
    old = pick("from", versions[1] if len(versions) > 1 else newest)
    new = pick("to", newest)
    changes = definition_diff(old.definition, new.definition) if old and new else []
    return render(
        request,
        "tools/compare.html",
        {
            "tool": tool,
            "versions": versions,
            "old": old,
            "new": new,
            "changes": changes,
            "errors": errors,
        },
    )


def _transition_page(request: HttpRequest, key: str, version: int, *, action: str) -> HttpResponse:
    tv = tool_version_get(key=key, version=version)
    form = forms.Form(request.POST or None)
    if request.method == "POST":
        with service_errors(form) as outcome:
            if action == "publish":
                tv = services.tool_version_publish(version=tv, by=request.user)
                done = f"{tv} is published: new forms will use it"
            else:
                tv = services.tool_version_retire(version=tv, by=request.user)
                done = f"{tv} is retired: forms already filled in stay readable"
        if outcome.ok:
            messages.success(request, done)
            return redirect(_version_url(tv))
    return render(request, "tools/confirm.html", {"tv": tv, "action": action, "form": form})


@gate("tools.manage_tools")
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, key: str, version: int) -> HttpResponse:
    return _transition_page(request, key, version, action="publish")


@gate("tools.manage_tools")
@require_http_methods(["GET", "POST"])
def retire(request: HttpRequest, key: str, version: int) -> HttpResponse:
    return _transition_page(request, key, version, action="retire")


@gate("tools.manage_tools")
@require_POST
def try_tool(request: HttpRequest, key: str, version: int) -> HttpResponse:
    """A practice form, authored by the QA officer, to test a draft or published version.
    POST only (outside the QA unit the page does not exist: the gate's 404 before 405)."""
    tv = tool_version_get(key=key, version=version)
    response = services.form_response_start(tool_version=tv, author=request.user)
    return redirect("forms:task_list", response.pk)


# --------------------------------------------------------------------------------------------
# Filling in a form (generic, reusable)
# --------------------------------------------------------------------------------------------


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


@gate("tools.use_forms")
@require_GET
def task_list(request: HttpRequest, pk: int) -> HttpResponse:
    response = form_response_get_visible(user=request.user, pk=pk)
    if not FORM_RESPONSE_WORKFLOW.can(response, "save", by=request.user):
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
                by=request.user,
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
        _disabled(form)
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
    items = _items(form, facts, form.shown() if editable else None)
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
            by=request.user,
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
                for item in _items(form, _facts(response), shown)
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
                        by=request.user,
                        expected_version=response.row_version,
                    )
                services.form_response_submit(
                    response=response, by=request.user, expected_version=response.row_version
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
            "sections": _answer_rows(response),
            "grade_form": grade_form,
            "form": form,
            "missing": links,
            "submitted_attempt": request.method == "POST",
        },
    )


def _answer_rows(response: FormResponse) -> list[dict[str, Any]]:
    from .definition import visible_questions

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
            "sections": _answer_rows(response),
            "overall": labels.get(response.overall_grade, ""),
            "overall_suggested": labels.get(response.overall_grade_suggested, ""),
        },
    )
